/// SHA-256 (FIPS 180-4), computed by OpenSSL.
///
/// One-shot: `try SHA256.hash(data: bytes).hexString`. Incremental:
///
/// ```swift
/// var hasher = try SHA256()
/// try hasher.update(data: header)
/// try hasher.update(data: body)
/// let digest = try hasher.finalize()
/// ```
///
/// A value type with copy-on-write over the OpenSSL context: copies are
/// independent, and a hasher can be sent to another task.
public struct SHA256: HashFunction {
    public typealias Digest = SHA256Digest

    public static let byteCount = 32
    public static let blockByteCount = 64
    public static var algorithm: DigestAlgorithm { .sha256 }

    private var context: DigestContext

    public init() throws {
        context = try DigestContext.make(Self.algorithm)
    }

    public mutating func update(data: some Sequence<UInt8>) throws {
        if !isKnownUniquelyReferenced(&context) {
            context = try context.copy()
        }
        try data.withUnsafeByteBuffer { try context.update($0) }
    }

    public func finalize() throws -> SHA256Digest {
        // Finish a copy so this hasher can still be updated and finalised again.
        SHA256Digest(bytes: try context.copy().finalize(byteCount: Self.byteCount))
    }
}

/// The 32-byte result of ``SHA256``.
///
/// `==` runs in constant time, because digests are often compared against
/// attacker-supplied values (token lookups, checksums in requests).
public struct SHA256Digest: Sendable, Hashable, Sequence, CustomStringConvertible {
    /// The digest's bytes; always ``SHA256/byteCount`` long.
    public let bytes: [UInt8]

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public static var byteCount: Int { SHA256.byteCount }

    /// Lowercase hex, 64 characters.
    public var hexString: String { Hex.encode(bytes) }

    public func makeIterator() -> IndexingIterator<[UInt8]> { bytes.makeIterator() }

    public var underestimatedCount: Int { bytes.count }

    public func withContiguousStorageIfAvailable<Result>(
        _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
    ) rethrows -> Result? {
        try bytes.withUnsafeBufferPointer(body)
    }

    public static func == (lhs: SHA256Digest, rhs: SHA256Digest) -> Bool {
        ConstantTime.equals(lhs.bytes, rhs.bytes)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes)
    }

    public var description: String { "SHA256 digest: \(hexString)" }
}
