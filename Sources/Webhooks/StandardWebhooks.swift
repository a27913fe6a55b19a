import Cryptography
import Foundation

/// Signing and verification in the Standard Webhooks scheme
/// (https://www.standardwebhooks.com), used for both directions: partners'
/// webhooks arriving at `/hooks`, and our own deliveries to endpoints.
///
/// The signed content is `{webhook-id}.{webhook-timestamp}.{body}` with the
/// body as raw bytes; the MAC is HMAC-SHA256 under the secret's bytes (what
/// follows `whsec_`, Base64-decoded); the `webhook-signature` header carries
/// one or more space-separated `v1,<standard Base64 MAC>` entries, so a sender
/// rotating its secret can sign with the old and new keys at once.
///
/// This type does no I/O and knows nothing of HTTP: headers come in through a
/// lookup closure or a dictionary keyed by lowercase name, keys as
/// ``Cryptography/SymmetricKey``s (a `WebhookSecret`'s `key`).
public enum StandardWebhooks {
    public static let idHeader = "webhook-id"
    public static let timestampHeader = "webhook-timestamp"
    public static let signatureHeader = "webhook-signature"
    /// The only signature version this scheme defines for HMAC-SHA256;
    /// entries with any other prefix (`v1a`, `v2`, …) are skipped, not errors.
    public static let signatureVersion = "v1"

    /// Limits applied by ``verify(headers:body:keys:now:configuration:)``.
    public struct Configuration: Sendable, Equatable {
        /// How far `webhook-timestamp` may be from our clock, into the past
        /// (replays of captured requests) or the future (a sender's fast
        /// clock, or a replay prepared in advance). Default 5 minutes, the
        /// specification's recommendation. Inclusive, in whole seconds.
        public var tolerance: Duration
        /// Signature entries examined, counting entries of every version.
        /// Entries past this are ignored, so a hostile header cannot make us
        /// decode and compare without bound. Default 10.
        public var maximumSignatureCount: Int
        /// The longest `webhook-id` accepted, in bytes. Default 256.
        public var maximumIDLength: Int

        public init(tolerance: Duration = .seconds(300), maximumSignatureCount: Int = 10, maximumIDLength: Int = 256) {
            self.tolerance = tolerance
            self.maximumSignatureCount = maximumSignatureCount
            self.maximumIDLength = maximumIDLength
        }

        public static let `default` = Configuration()
    }

    /// Digits accepted in `webhook-timestamp`: enough for any plausible Unix
    /// time, few enough that parsing cannot overflow `Int`.
    static let maximumTimestampDigits = 18

    // MARK: - Signing

    /// The `webhook-signature` value (`v1,<base64>`) for a message signed with `key`.
    ///
    /// `timestamp` is Unix seconds exactly as it will appear in
    /// `webhook-timestamp`; `id` should satisfy the rules `verify` applies
    /// (1 to 256 printable ASCII characters, no spaces), as ``WebhookMessageID``
    /// values do.
    ///
    /// - Throws: a ``Cryptography/CryptographyError`` if OpenSSL fails.
    public static func sign(id: String, timestamp: Int, body: some Collection<UInt8>, key: SymmetricKey) throws
        -> String
    {
        let mac = try authenticationCode(id: id, timestamp: String(timestamp), body: body, key: key)
        return signatureVersion + "," + Base64.encode(mac, alphabet: .standard)
    }

    /// The three headers of an outbound delivery, signed with `key` and, during
    /// a rotation's overlap, also with each of `additionalKeys`, so receivers
    /// holding either secret accept it.
    ///
    /// - Throws: a ``Cryptography/CryptographyError`` if OpenSSL fails.
    public static func headers(
        id: String, timestamp: Date, body: some Collection<UInt8>, key: SymmetricKey,
        additionalKeys: [SymmetricKey] = []
    ) throws -> SignedWebhookHeaders {
        let seconds = unixSeconds(timestamp)
        var signatures: [String] = []
        for signingKey in [key] + additionalKeys {
            signatures.append(try sign(id: id, timestamp: seconds, body: body, key: signingKey))
        }
        return SignedWebhookHeaders(
            id: id, timestamp: String(seconds), signature: signatures.joined(separator: " "))
    }

    // MARK: - Verification

    /// Verifies an inbound webhook against any of `keys`, with the default
    /// limits and the given timestamp tolerance.
    ///
    /// `headers` maps a lowercase header name to its value, or nil if absent.
    public static func verify(
        headers: (String) -> String?, body: some Collection<UInt8>, keys: [SymmetricKey], now: Date,
        tolerance: Duration = Configuration.default.tolerance
    ) throws(WebhookVerificationError) -> VerifiedWebhook {
        var configuration = Configuration.default
        configuration.tolerance = tolerance
        return try verify(headers: headers, body: body, keys: keys, now: now, configuration: configuration)
    }

    /// Verifies an inbound webhook whose headers are in a dictionary keyed by
    /// lowercase name.
    public static func verify(
        headers: [String: String], body: some Collection<UInt8>, keys: [SymmetricKey], now: Date,
        tolerance: Duration = Configuration.default.tolerance
    ) throws(WebhookVerificationError) -> VerifiedWebhook {
        try verify(headers: { headers[$0] }, body: body, keys: keys, now: now, tolerance: tolerance)
    }

    /// Verifies an inbound webhook: the headers are present and well formed,
    /// the timestamp is within tolerance of `now`, and some `v1` signature in
    /// `webhook-signature` is the MAC of the message under one of `keys`
    /// (pass the current key and, during a rotation's overlap, the previous one).
    ///
    /// Checks run cheapest first, so a malformed request costs no MAC. Then one
    /// MAC is computed per key — never per signature entry — and every
    /// (key, entry) pair is compared in constant time without stopping at the
    /// first match, so timing reveals neither how much of a forged signature
    /// was right nor which entry matched.
    ///
    /// - Throws: `missing_webhook_headers` (400) when a header is absent, empty,
    ///   or `webhook-id` is malformed; `invalid_webhook_timestamp` (400);
    ///   `webhook_timestamp_out_of_tolerance` (401); `no_webhook_secret` (401)
    ///   when `keys` is empty; `invalid_webhook_signature` (401);
    ///   `webhook_verification_failed` (500) if OpenSSL fails.
    public static func verify(
        headers: (String) -> String?, body: some Collection<UInt8>, keys: [SymmetricKey], now: Date,
        configuration: Configuration
    ) throws(WebhookVerificationError) -> VerifiedWebhook {
        let id = try requiredHeader(idHeader, headers)
        let timestampText = try requiredHeader(timestampHeader, headers)
        let signatureText = try requiredHeader(signatureHeader, headers)

        guard id.utf8.count <= configuration.maximumIDLength, id.utf8.allSatisfy(isVisibleASCII) else {
            throw WebhookVerificationError(
                .invalidID,
                "the \(idHeader) header must be 1 to \(configuration.maximumIDLength) printable ASCII characters "
                    + "without spaces",
                header: idHeader)
        }
        let timestamp = try parseTimestamp(timestampText)
        try checkTolerance(timestamp, now: now, tolerance: configuration.tolerance)
        guard !keys.isEmpty else {
            throw WebhookVerificationError(.noSecret, "no webhook secret is configured to verify this request")
        }

        let candidates = signatureCandidates(signatureText, limit: configuration.maximumSignatureCount)
        var matched = false
        for key in keys {
            let expected: [UInt8]
            do {
                expected = try authenticationCode(id: id, timestamp: timestampText, body: body, key: key)
            } catch let error as CryptographyError {
                throw WebhookVerificationError(
                    .cryptographyFailure, "the webhook signature could not be computed", underlyingCode: error.code)
            } catch {
                throw WebhookVerificationError(.cryptographyFailure, "the webhook signature could not be computed")
            }
            for candidate in candidates {
                // Evaluated for every pair; `||` would skip the comparison
                // once something matched.
                let equal = ConstantTime.equals(expected, candidate)
                matched = matched || equal
            }
        }
        guard matched else {
            throw WebhookVerificationError(
                .invalidSignature, "no \(signatureVersion) signature in the \(signatureHeader) header matches",
                header: signatureHeader)
        }
        return VerifiedWebhook(id: id, timestamp: Date(timeIntervalSince1970: TimeInterval(timestamp)))
    }

    // MARK: - Internals

    /// An array, not `CollectionOfOne`: the MAC takes contiguous bytes, and anything else is copied first.
    private static let separator: [UInt8] = [UInt8(ascii: ".")]

    /// HMAC-SHA256 of `id.timestamp.body`, fed in pieces so the body is not copied.
    static func authenticationCode(
        id: String, timestamp: String, body: some Collection<UInt8>, key: SymmetricKey
    ) throws -> [UInt8] {
        var hmac = try HMAC<SHA256>(key: key)
        try hmac.update(data: id.utf8)
        try hmac.update(data: separator)
        try hmac.update(data: timestamp.utf8)
        try hmac.update(data: separator)
        try hmac.update(data: body)
        return try hmac.finalize().bytes
    }

    private static func requiredHeader(_ name: String, _ headers: (String) -> String?)
        throws(WebhookVerificationError) -> String
    {
        guard let value = headers(name), !value.isEmpty else {
            throw WebhookVerificationError(.missingHeader, "the \(name) header is required", header: name)
        }
        return value
    }

    /// `!` through `~`: printable, and no space, which would be ambiguous in logs.
    private static func isVisibleASCII(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte)
    }

    /// Unix seconds from decimal digits only: no sign, no fraction, no spaces.
    private static func parseTimestamp(_ text: String) throws(WebhookVerificationError) -> Int {
        let digits = Array(text.utf8)
        guard digits.count <= maximumTimestampDigits, digits.allSatisfy({ (48...57).contains($0) }) else {
            throw WebhookVerificationError(
                .invalidTimestamp, "the \(timestampHeader) header must be Unix time in whole seconds (digits only)",
                header: timestampHeader)
        }
        return digits.reduce(0) { $0 * 10 + Int($1 - 48) }
    }

    private static func checkTolerance(_ timestamp: Int, now: Date, tolerance: Duration)
        throws(WebhookVerificationError)
    {
        // Whole seconds on both sides: the sender truncated its clock too, so a
        // fractional `now` must not push an exactly-at-the-limit timestamp out.
        let skew = Double(timestamp) - now.timeIntervalSince1970.rounded(.down)
        let limit = tolerance.timeInterval
        guard abs(skew) <= limit else {
            throw WebhookVerificationError(
                .timestampOutOfTolerance,
                "the \(timestampHeader) header is more than \(Int(limit.rounded(.down))) seconds from the "
                    + "server's clock",
                header: timestampHeader)
        }
    }

    /// Decoded MACs from the first `limit` entries of the header. Entries of
    /// another version, or whose Base64 is invalid, are dropped: they can
    /// never match, and are not worth an error of their own.
    private static func signatureCandidates(_ header: String, limit: Int) -> [[UInt8]] {
        guard limit > 0 else { return [] }
        // `maxSplits` keeps the split itself bounded: the last piece holds the
        // unexamined remainder and is discarded.
        let entries = header.utf8.split(
            separator: UInt8(ascii: " "), maxSplits: limit, omittingEmptySubsequences: true
        ).prefix(limit)
        var candidates: [[UInt8]] = []
        for entry in entries {
            guard let comma = entry.firstIndex(of: UInt8(ascii: ",")),
                entry[..<comma].elementsEqual(signatureVersion.utf8),
                let mac = try? Base64.decode(Substring(entry[entry.index(after: comma)...]), alphabet: .standard)
            else { continue }
            candidates.append(mac)
        }
        return candidates
    }

    /// Whole Unix seconds, rounded down; clamped so no `Date` can trap the conversion.
    static func unixSeconds(_ date: Date) -> Int {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds.isFinite else { return 0 }
        return Int(Swift.max(Swift.min(seconds, 1e15), -1e15))
    }
}

/// The headers of a signed outbound webhook.
public struct SignedWebhookHeaders: Sendable, Equatable {
    /// `webhook-id`.
    public let id: String
    /// `webhook-timestamp`: Unix seconds.
    public let timestamp: String
    /// `webhook-signature`: one `v1,…` entry per signing key.
    public let signature: String

    /// The headers in a fixed order, with lowercase names.
    public var fields: [(name: String, value: String)] {
        [
            (StandardWebhooks.idHeader, id), (StandardWebhooks.timestampHeader, timestamp),
            (StandardWebhooks.signatureHeader, signature),
        ]
    }

    /// The headers keyed by lowercase name, the shape `verify` accepts.
    public var dictionary: [String: String] {
        Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.value) })
    }
}

/// What a successful verification vouches for.
public struct VerifiedWebhook: Sendable, Equatable {
    /// `webhook-id`: the sender's message id; the same id on a redelivery, so
    /// it is the idempotency key.
    public let id: String
    /// `webhook-timestamp`, in whole seconds.
    public let timestamp: Date

    public init(id: String, timestamp: Date) {
        self.id = id
        self.timestamp = timestamp
    }
}

extension Duration {
    /// Seconds as a `TimeInterval`, for arithmetic with `Date`.
    var timeInterval: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
