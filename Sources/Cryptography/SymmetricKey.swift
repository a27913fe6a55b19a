import COpenSSL

/// A secret key for symmetric algorithms (AES-GCM, HMAC).
///
/// The bytes live in memory that is cleansed when the last copy of the key is
/// released, and they are never printed: `description` shows only the size, so
/// a key that ends up in a log line or an error message leaks nothing.
/// Equality runs in constant time.
public struct SymmetricKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    let storage: SecureBytes

    /// A key holding a copy of `data`.
    ///
    /// Any length is accepted here; algorithms check the length they need when
    /// the key is used (`AES.GCM` throws `invalid_key_size` unless it is 32 bytes).
    public init(data: some Sequence<UInt8>) {
        storage = SecureBytes.copying(data)
    }

    /// A new random key from OpenSSL's CSPRNG.
    ///
    /// - Throws: `invalid_argument` if the size is not a positive whole number
    ///   of bytes; `openssl_failure` if the generator cannot produce output.
    public init(size: SymmetricKeySize) throws {
        guard size.bitCount > 0, size.bitCount % 8 == 0 else {
            throw CryptographyError(.invalidArgument, "a key size must be a positive multiple of 8 bits")
        }
        storage = try SecureBytes(count: size.bitCount / 8) { try SecureRandom.fill($0) }
    }

    init(storage: SecureBytes) {
        self.storage = storage
    }

    /// The key's length in bits.
    public var bitCount: Int { storage.count * 8 }

    /// Calls `body` with the raw key bytes.
    ///
    /// The buffer is only valid inside `body`; copying it out defeats the
    /// cleansing this type provides.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try storage.withUnsafeBytes(body)
    }

    /// Constant-time comparison, so comparing a candidate key against a real one
    /// does not reveal how many leading bytes matched.
    public static func == (lhs: SymmetricKey, rhs: SymmetricKey) -> Bool {
        lhs.storage.withUnsafeBytes { left in
            rhs.storage.withUnsafeBytes { right in ConstantTime.equalBuffers(left, right) }
        }
    }

    public var description: String { "SymmetricKey(\(bitCount) bits)" }
    public var debugDescription: String { description }
}

/// The size of a ``SymmetricKey``, in bits.
public struct SymmetricKeySize: Sendable, Hashable {
    public let bitCount: Int

    public init(bitCount: Int) {
        self.bitCount = bitCount
    }

    public static let bits128 = SymmetricKeySize(bitCount: 128)
    public static let bits192 = SymmetricKeySize(bitCount: 192)
    /// The size `AES.GCM` (AES-256) requires.
    public static let bits256 = SymmetricKeySize(bitCount: 256)
}
