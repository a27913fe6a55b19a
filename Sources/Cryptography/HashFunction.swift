/// A cryptographic hash function, usable incrementally and as the parameter of
/// ``HMAC``.
///
/// Conforming types are values: copying a hasher part-way through and feeding
/// the copies different data gives independent results. Methods throw rather
/// than trap because OpenSSL 3 loads algorithms from providers at run time, and
/// a misconfigured `openssl.cnf` (for example a FIPS-only configuration without
/// the FIPS module) is an operational error the caller should see and log.
public protocol HashFunction: Sendable {
    /// What `finalize()` returns.
    associatedtype Digest: Sendable, Hashable, Sequence<UInt8>

    /// The length of a digest, in bytes.
    static var byteCount: Int { get }
    /// The internal block length, in bytes (it sizes HMAC's padded key).
    static var blockByteCount: Int { get }
    /// The OpenSSL algorithm this type is computed with.
    static var algorithm: DigestAlgorithm { get }

    /// A hasher with nothing fed to it yet.
    init() throws
    /// Feeds more data.
    mutating func update(data: some Sequence<UInt8>) throws
    /// The digest of everything fed so far. The hasher remains usable, so a
    /// running hash can be read and then continued.
    func finalize() throws -> Digest
}

extension HashFunction {
    /// The digest of `data` in one call.
    public static func hash(data: some Sequence<UInt8>) throws -> Digest {
        var hasher = try Self()
        try hasher.update(data: data)
        return try hasher.finalize()
    }
}

/// An OpenSSL message-digest algorithm, named as OpenSSL's providers name it.
///
/// Only this module creates values, so every ``HashFunction`` maps to an
/// algorithm that the tests cover.
public struct DigestAlgorithm: Sendable, Hashable, CustomStringConvertible {
    /// The provider name passed to EVP_MD_fetch and to HMAC's `digest` parameter.
    let name: String

    public static let sha256 = DigestAlgorithm(name: "SHA2-256")

    public var description: String { name }
}
