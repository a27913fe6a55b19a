import Platform

/// Why a webhook secret could not be parsed, sealed or opened.
///
/// Messages describe the shape of the problem (prefix, encoding, length) and
/// never the secret's text or bytes.
public struct WebhookSecretError: Error, CodedError, Equatable, CustomDebugStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// The text does not start with `whsec_`.
        case missingPrefix
        /// What follows `whsec_` is not strict standard Base64.
        case invalidEncoding
        /// The secret is not 24 to 64 bytes, the Standard Webhooks range.
        case invalidLength
        /// The source name does not match `^[a-z][a-z0-9_-]{0,62}$`.
        case invalidSource
        /// A sealed secret would not open: wrong key, other row, or tampered.
        case unreadable
    }

    public let kind: Kind
    public let message: String
    /// The ``Cryptography/CryptographyError`` code behind an `unreadable` error.
    public let underlyingCode: String?
    public let site: ThrowSite

    public init(
        _ kind: Kind, _ message: String, underlyingCode: String? = nil, file: String = #fileID, line: UInt = #line
    ) {
        self.kind = kind
        self.message = message
        self.underlyingCode = underlyingCode
        self.site = ThrowSite(file: file, line: line)
    }

    public var code: String {
        switch kind {
        case .missingPrefix, .invalidEncoding, .invalidLength: "invalid_webhook_secret"
        case .invalidSource: "invalid_webhook_source"
        case .unreadable: "webhook_secret_unreadable"
        }
    }

    /// 422 for bad input; 500 for a stored secret that will not open, which
    /// is a server fault (master key missing from the ring, or data tampered).
    public var httpStatus: Int { kind == .unreadable ? 500 : 422 }

    public var field: String? {
        switch kind {
        case .missingPrefix, .invalidEncoding, .invalidLength: "secret"
        case .invalidSource: "source"
        case .unreadable: nil
        }
    }

    public var debugDescription: String {
        "\(code): \(message)" + (underlyingCode.map { " (\($0))" } ?? "") + " [at \(site)]"
    }

    public static func == (lhs: WebhookSecretError, rhs: WebhookSecretError) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message && lhs.underlyingCode == rhs.underlyingCode
    }
}
