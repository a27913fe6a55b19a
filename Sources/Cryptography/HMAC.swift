/// HMAC (RFC 2104) over a ``HashFunction``, computed by OpenSSL's EVP_MAC.
///
/// ```swift
/// let key = SymmetricKey(data: secret)
/// let mac = try HMAC<SHA256>.authenticationCode(for: payload, using: key)
/// guard try HMAC<SHA256>.isValidAuthenticationCode(received, authenticating: payload, using: key) else { … }
/// ```
///
/// Verify with ``isValidAuthenticationCode(_:authenticating:using:)`` (or
/// ``ConstantTime/equals(_:_:)``), never with `==` on byte arrays: the
/// comparison must not reveal how much of a forged MAC was right.
///
/// Incremental use mirrors the hash functions: `init(key:)`, `update(data:)`,
/// `finalize()`; copies are independent (copy-on-write).
public struct HMAC<H: HashFunction>: Sendable {
    public typealias MAC = HashedAuthenticationCode<H>

    private var context: MACContext

    /// An HMAC keyed with `key`. Any key length is valid (RFC 2104); keys longer
    /// than the hash's block are hashed first, and keys shorter than the digest
    /// weaken the MAC, so secrets should have at least `H.byteCount` bytes.
    public init(key: SymmetricKey) throws {
        context = try MACContext.hmac(digest: H.algorithm, key: key)
    }

    /// Feeds more data.
    public mutating func update(data: some Sequence<UInt8>) throws {
        if !isKnownUniquelyReferenced(&context) {
            context = try context.copy()
        }
        try data.withUnsafeByteBuffer { try context.update($0) }
    }

    /// The MAC of everything fed so far; this value remains usable.
    public func finalize() throws -> MAC {
        MAC(bytes: try context.copy().finalize(byteCount: H.byteCount))
    }

    /// The MAC of `data` under `key`.
    public static func authenticationCode(for data: some Sequence<UInt8>, using key: SymmetricKey) throws -> MAC {
        var hmac = try HMAC(key: key)
        try hmac.update(data: data)
        return try hmac.finalize()
    }

    /// Whether `authenticationCode` is the MAC of `data` under `key`, compared in
    /// constant time.
    ///
    /// The code must be the full `H.byteCount` bytes; a truncated MAC is
    /// rejected, since accepting any prefix would let a forger send a single
    /// byte. Protocols that truncate compare the prefix themselves with
    /// ``ConstantTime/equals(_:_:)`` and a fixed length.
    public static func isValidAuthenticationCode(
        _ authenticationCode: some Sequence<UInt8>, authenticating data: some Sequence<UInt8>,
        using key: SymmetricKey
    ) throws -> Bool {
        let expected = try self.authenticationCode(for: data, using: key)
        return ConstantTime.equals(expected.bytes, authenticationCode)
    }
}

/// The result of ``HMAC``: `H.byteCount` bytes.
///
/// `==` runs in constant time.
public struct HashedAuthenticationCode<H: HashFunction>: Sendable, Hashable, Sequence, CustomStringConvertible {
    public let bytes: [UInt8]

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var byteCount: Int { bytes.count }

    /// Lowercase hex.
    public var hexString: String { Hex.encode(bytes) }

    public func makeIterator() -> IndexingIterator<[UInt8]> { bytes.makeIterator() }

    public var underestimatedCount: Int { bytes.count }

    public func withContiguousStorageIfAvailable<Result>(
        _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
    ) rethrows -> Result? {
        try bytes.withUnsafeBufferPointer(body)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        ConstantTime.equals(lhs.bytes, rhs.bytes)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes)
    }

    public var description: String { "HMAC with \(H.algorithm): \(hexString)" }
}
