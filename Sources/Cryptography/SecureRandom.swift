import COpenSSL

/// Cryptographically secure random bytes and tokens from OpenSSL's CSPRNG
/// (RAND_bytes), which is seeded from the operating system and reseeds itself.
///
/// Use this, not `SystemRandomNumberGenerator` or `Int.random`, for anything an
/// attacker must not predict: keys, nonces, salts, session ids, API tokens,
/// CSRF tokens, webhook secrets.
public enum SecureRandom {
    /// The fewest random bytes `token(bytes:)` and `hexToken(bytes:)` accept:
    /// 128 bits, below which a token could be guessed or collide at scale.
    public static let minimumTokenByteCount = 16

    /// `count` random bytes.
    ///
    /// - Throws: `invalid_argument` for a negative count; `openssl_failure` if
    ///   the generator cannot produce output (for example, no entropy source).
    public static func bytes(count: Int) throws -> [UInt8] {
        guard count >= 0 else {
            throw CryptographyError(.invalidArgument, "a random byte count cannot be negative")
        }
        var result = [UInt8](repeating: 0, count: count)
        try result.withUnsafeMutableBytes { try fill($0) }
        return result
    }

    /// A random token of `bytes` random bytes, as URL-safe Base64 without
    /// padding (RFC 4648 §5): safe in URLs, headers, cookies and file names
    /// with no escaping. 32 bytes give a 43-character token.
    ///
    /// - Throws: `invalid_argument` if `bytes` is below ``minimumTokenByteCount``.
    public static func token(bytes: Int = 32) throws -> String {
        try checkTokenSize(bytes)
        return Base64.encode(try self.bytes(count: bytes), alphabet: .urlSafe, padding: false)
    }

    /// A random token of `bytes` random bytes as lowercase hex (2 characters per
    /// byte), for places that only accept `[0-9a-f]`.
    ///
    /// - Throws: `invalid_argument` if `bytes` is below ``minimumTokenByteCount``.
    public static func hexToken(bytes: Int = 32) throws -> String {
        try checkTokenSize(bytes)
        return Hex.encode(try self.bytes(count: bytes))
    }

    /// Fills `buffer` with random bytes, in chunks because RAND_bytes takes an
    /// `int` length.
    static func fill(_ buffer: UnsafeMutableRawBufferPointer) throws {
        guard let base = buffer.baseAddress else { return }
        var offset = 0
        while offset < buffer.count {
            let chunk = Swift.min(buffer.count - offset, OpenSSL.maximumChunk)
            try OpenSSL.check(
                RAND_bytes(base.advanced(by: offset).assumingMemoryBound(to: UInt8.self), Int32(chunk)),
                "RAND_bytes", message: "the random number generator failed")
            offset += chunk
        }
    }

    private static func checkTokenSize(_ bytes: Int) throws {
        guard bytes >= minimumTokenByteCount else {
            throw CryptographyError(
                .invalidArgument, "a token needs at least \(minimumTokenByteCount) random bytes, got \(bytes)")
        }
    }
}
