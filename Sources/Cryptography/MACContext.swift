import COpenSSL

/// Owns one OpenSSL MAC context (EVP_MAC_CTX) keyed for HMAC, and frees it.
///
/// OpenSSL copies the key into the context and cleanses it when the context is
/// freed. Thread-safety follows the same copy-on-write discipline as
/// ``DigestContext``: shared instances are only read (EVP_MAC_CTX_dup).
final class MACContext: @unchecked Sendable {
    private let context: OpaquePointer

    private init(owning context: OpaquePointer) {
        self.context = context
    }

    deinit {
        EVP_MAC_CTX_free(context)
    }

    /// An HMAC context over `digest`, initialised with `key`.
    static func hmac(digest: DigestAlgorithm, key: SymmetricKey) throws -> MACContext {
        let mac = try FetchedAlgorithms.mac("HMAC")
        let owner = MACContext(owning: try OpenSSL.check(EVP_MAC_CTX_new(mac), "EVP_MAC_CTX_new"))
        let parameters = ParameterList()
        parameters.appendUTF8(OSSL_MAC_PARAM_DIGEST, digest.name)
        try key.withUnsafeBytes { keyBytes in
            try keyBytes.withUnsafeByteBuffer { keyBytes in
                try parameters.withParameters { list in
                    try OpenSSL.check(
                        EVP_MAC_init(owner.context, keyBytes.baseAddress, keyBytes.count, list), "EVP_MAC_init")
                }
            }
        }
        return owner
    }

    /// An independent context in the same state.
    func copy() throws -> MACContext {
        MACContext(owning: try OpenSSL.check(EVP_MAC_CTX_dup(context), "EVP_MAC_CTX_dup"))
    }

    func update(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        try OpenSSL.check(
            EVP_MAC_update(context, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count),
            "EVP_MAC_update")
    }

    /// Finishes the MAC. The context cannot be updated afterwards.
    func finalize(byteCount: Int) throws -> [UInt8] {
        let mac = try [UInt8](unsafeUninitializedCapacity: Int(EVP_MAX_MD_SIZE)) { buffer, count in
            var written = 0
            try OpenSSL.check(
                EVP_MAC_final(context, buffer.baseAddress, &written, buffer.count), "EVP_MAC_final")
            count = written
        }
        guard mac.count == byteCount else {
            throw CryptographyError(.opensslFailure, "MAC has \(mac.count) bytes, expected \(byteCount)")
        }
        return mac
    }
}
