import Platform

/// Why an inbound webhook was refused by ``StandardWebhooks/verify(headers:body:keys:now:configuration:)``.
///
/// Codes are stable; clients and the API's error mapping branch on them.
/// Messages name the header at fault and the limit that applied, but never a
/// secret, a received signature, or the signature we expected: echoing the
/// expected value would hand a forger the answer.
public struct WebhookVerificationError: Error, CodedError, Equatable, CustomDebugStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// A required header is absent or empty.
        case missingHeader
        /// `webhook-id` is present but too long or not printable ASCII.
        case invalidID
        /// `webhook-timestamp` is not a plain run of decimal digits.
        case invalidTimestamp
        /// `webhook-timestamp` is further from our clock than the tolerance,
        /// in either direction (a replay, or a sender with a broken clock).
        case timestampOutOfTolerance
        /// No `v1` signature in the header matched any of the keys.
        case invalidSignature
        /// The caller supplied no keys: no secret is configured for this source.
        case noSecret
        /// OpenSSL failed while computing the expected MAC; a server fault,
        /// not evidence against the request.
        case cryptographyFailure
    }

    public let kind: Kind
    public let message: String
    /// The header at fault, if any.
    public let header: String?
    /// The ``Cryptography/CryptographyError`` code behind a `cryptographyFailure`.
    public let underlyingCode: String?
    public let site: ThrowSite

    public init(
        _ kind: Kind, _ message: String, header: String? = nil, underlyingCode: String? = nil,
        file: String = #fileID, line: UInt = #line
    ) {
        self.kind = kind
        self.message = message
        self.header = header
        self.underlyingCode = underlyingCode
        self.site = ThrowSite(file: file, line: line)
    }

    /// A malformed `webhook-id` shares `missing_webhook_headers` with an absent
    /// one: either way the sender did not supply a usable required header, and
    /// `field` says which.
    public var code: String {
        switch kind {
        case .missingHeader, .invalidID: "missing_webhook_headers"
        case .invalidTimestamp: "invalid_webhook_timestamp"
        case .timestampOutOfTolerance: "webhook_timestamp_out_of_tolerance"
        case .invalidSignature: "invalid_webhook_signature"
        case .noSecret: "no_webhook_secret"
        case .cryptographyFailure: "webhook_verification_failed"
        }
    }

    /// 400 for a request that is malformed on its face; 401 when it is well
    /// formed but not authenticated; 500 when we could not compute a MAC.
    public var httpStatus: Int {
        switch kind {
        case .missingHeader, .invalidID, .invalidTimestamp: 400
        case .timestampOutOfTolerance, .invalidSignature, .noSecret: 401
        case .cryptographyFailure: 500
        }
    }

    public var field: String? { header }

    public var debugDescription: String {
        "\(code): \(message)" + (underlyingCode.map { " (\($0))" } ?? "") + " [at \(site)]"
    }

    public static func == (lhs: WebhookVerificationError, rhs: WebhookVerificationError) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message && lhs.header == rhs.header
            && lhs.underlyingCode == rhs.underlyingCode
    }
}
