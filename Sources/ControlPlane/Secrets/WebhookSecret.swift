import Cryptography
import Foundation

/// A webhook signing secret in the Standard Webhooks format: `whsec_`
/// followed by standard Base64 of 24 to 64 random bytes.
///
/// The bytes live in a ``Cryptography/SymmetricKey`` (cleansed on release,
/// usable directly with `HMAC<SHA256>`), and every textual form of this value
/// — `description`, `debugDescription`, `dump` — is redacted. The `whsec_`
/// text exists only through ``reveal()``, called when a secret is shown once
/// at creation or, audited, on request.
public struct WebhookSecret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public static let prefix = "whsec_"
    /// Bytes in a generated secret: 256 bits, matching HMAC-SHA256's strength.
    public static let generatedByteCount = 32
    /// Secret sizes the Standard Webhooks specification allows.
    public static let allowedByteCounts = 24...64

    /// The HMAC key.
    public let key: SymmetricKey

    /// A new random secret of ``generatedByteCount`` bytes.
    public static func generate() throws -> WebhookSecret {
        WebhookSecret(unchecked: SymmetricKey(data: try SecureRandom.bytes(count: generatedByteCount)))
    }

    /// A secret holding `bytes`.
    ///
    /// - Throws: `invalid_webhook_secret` unless there are 24 to 64 bytes.
    public init(bytes: some Sequence<UInt8>) throws(WebhookSecretError) {
        let key = SymmetricKey(data: bytes)
        guard Self.allowedByteCounts.contains(key.bitCount / 8) else {
            throw WebhookSecretError(
                .invalidLength,
                "a webhook secret must hold \(Self.allowedByteCounts.lowerBound) to "
                    + "\(Self.allowedByteCounts.upperBound) bytes, this one holds \(key.bitCount / 8)")
        }
        self.key = key
    }

    /// Parses `whsec_<base64>`, with or without Base64 padding.
    ///
    /// - Throws: `invalid_webhook_secret` for a missing prefix, text that is not
    ///   strict standard Base64, or a length outside 24…64 bytes.
    public init(parsing text: some StringProtocol) throws(WebhookSecretError) {
        guard text.hasPrefix(Self.prefix) else {
            throw WebhookSecretError(.missingPrefix, "a webhook secret starts with \(Self.prefix)")
        }
        var bytes: [UInt8]
        do {
            bytes = try Base64.decode(text.dropFirst(Self.prefix.count), alphabet: .standard)
        } catch {
            throw WebhookSecretError(
                .invalidEncoding, "what follows \(Self.prefix) must be standard Base64 (A-Z a-z 0-9 + /)")
        }
        defer { bytes.resetBytes() }
        try self.init(bytes: bytes)
    }

    init(unchecked key: SymmetricKey) {
        self.key = key
    }

    /// The number of secret bytes.
    public var byteCount: Int { key.bitCount / 8 }

    /// `whsec_` + padded standard Base64: the one textual form of the secret,
    /// for showing it once.
    public func reveal() -> String {
        Self.prefix + key.withUnsafeBytes { Base64.encode($0, alphabet: .standard) }
    }

    // MARK: - Encryption at rest

    /// Seals the secret's bytes for `webhook_secrets.secret_sealed` with the
    /// ring's current master key.
    ///
    /// The tenant id and source are authenticated data: a sealed value copied
    /// to another tenant's or source's row fails to open instead of
    /// silently becoming that row's secret.
    ///
    /// - Throws: `invalid_webhook_source` for a malformed source; a
    ///   ``Cryptography/CryptographyError`` if sealing fails.
    public func seal(with keyRing: KeyRing, tenantID: UUID, source: String) throws -> [UInt8] {
        let aad = try Self.associatedData(tenantID: tenantID, source: source)
        return try key.withUnsafeBytes { try keyRing.seal($0, aad: aad).combined }
    }

    /// Opens a value made by ``seal(with:tenantID:source:)`` for the same tenant and source.
    ///
    /// - Throws: `webhook_secret_unreadable` (500) if the box is malformed,
    ///   tampered with, sealed for another row, or sealed with a master key
    ///   the ring does not hold; `invalid_webhook_secret` if it opens to a
    ///   value of the wrong size.
    public static func open(sealed: some Sequence<UInt8>, keyRing: KeyRing, tenantID: UUID, source: String)
        throws(WebhookSecretError) -> WebhookSecret
    {
        let aad = try associatedData(tenantID: tenantID, source: source)
        var plaintext: [UInt8]
        do {
            plaintext = try keyRing.open(combined: sealed, aad: aad)
        } catch let error as CryptographyError {
            throw WebhookSecretError(
                .unreadable, "the stored webhook secret could not be decrypted (\(error.code))",
                underlyingCode: error.code)
        } catch {
            throw WebhookSecretError(.unreadable, "the stored webhook secret could not be decrypted")
        }
        defer { plaintext.resetBytes() }
        return try WebhookSecret(bytes: plaintext)
    }

    /// `countersign.webhook_secret.v1 NUL <tenant uuid> NUL <source>`: a label
    /// so the box cannot be confused with other sealed data, then the row's
    /// identity. The source's alphabet excludes NUL, so the encoding is unambiguous.
    static func associatedData(tenantID: UUID, source: String) throws(WebhookSecretError) -> [UInt8] {
        guard isValidSource(source) else {
            throw WebhookSecretError(
                .invalidSource, "a webhook source is a lowercase letter then up to 62 of a-z 0-9 _ -")
        }
        return Array("countersign.webhook_secret.v1".utf8) + [0] + Array(tenantID.uuidString.lowercased().utf8) + [0]
            + Array(source.utf8)
    }

    /// `^[a-z][a-z0-9_-]{0,62}$`, as the `webhook_secrets.source` check constraint.
    public static func isValidSource(_ source: String) -> Bool {
        let bytes = Array(source.utf8)
        guard (1...63).contains(bytes.count), let first = bytes.first, (97...122).contains(first) else { return false }
        return bytes.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 95 || $0 == 45 }
    }

    /// Constant time (through ``Cryptography/SymmetricKey``).
    public static func == (lhs: WebhookSecret, rhs: WebhookSecret) -> Bool { lhs.key == rhs.key }

    public var description: String { "WebhookSecret([redacted], \(byteCount) bytes)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["byteCount": byteCount], displayStyle: .struct) }
}

extension [UInt8] {
    /// Overwrites the contents with zeros: best effort to shorten how long a
    /// decoded secret lingers in memory.
    fileprivate mutating func resetBytes() {
        for index in indices { self[index] = 0 }
    }
}
