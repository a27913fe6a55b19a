import Cryptography

/// A payload as received before it was translated into canonical events (by a
/// source mapping, the X12 mapper or a CSV import), kept as those events'
/// lineage: stored in `raw_payloads` in the same transaction as the events,
/// with the ids of every event it produced.
public struct RawPayload: Sendable {
    public let body: [UInt8]
    public let contentType: String
    /// What translated it, such as `mapping:generic-erp-json@1.0.0` or `x12`.
    public let translation: String
    /// Hex SHA-256 of `body`.
    public let sha256: String

    public init(body: [UInt8], contentType: String, translation: String) throws {
        self.body = body
        self.contentType = contentType
        self.translation = translation
        sha256 = try SHA256.hash(data: body).hexString
    }
}
