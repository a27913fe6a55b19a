import COpenSSL

/// Owns one OpenSSL message-digest context (EVP_MD_CTX) and frees it.
///
/// Not thread-safe by itself: the hash types that hold one copy it before
/// mutating unless they hold the only reference (copy-on-write), so a context
/// reachable from several threads is only ever read, and EVP_MD_CTX_copy_ex
/// only reads its source. That discipline is what makes `@unchecked Sendable`
/// sound here.
final class DigestContext: @unchecked Sendable {
    private let context: OpaquePointer

    private init(owning context: OpaquePointer) {
        self.context = context
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// A context initialised for `algorithm`, fetched from the default provider.
    static func make(_ algorithm: DigestAlgorithm) throws -> DigestContext {
        // Wrap the handle first, so that a later failure still frees it.
        let owner = DigestContext(owning: try OpenSSL.check(EVP_MD_CTX_new(), "EVP_MD_CTX_new"))
        let digest = try FetchedAlgorithms.digest(algorithm)
        try OpenSSL.check(EVP_DigestInit_ex2(owner.context, digest, nil), "EVP_DigestInit_ex2")
        return owner
    }

    /// An independent context in the same state.
    func copy() throws -> DigestContext {
        let owner = DigestContext(owning: try OpenSSL.check(EVP_MD_CTX_new(), "EVP_MD_CTX_new"))
        try OpenSSL.check(EVP_MD_CTX_copy_ex(owner.context, context), "EVP_MD_CTX_copy_ex")
        return owner
    }

    func update(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        try OpenSSL.check(EVP_DigestUpdate(context, bytes.baseAddress, bytes.count), "EVP_DigestUpdate")
    }

    /// Finishes the hash. The context cannot be updated afterwards.
    func finalize(byteCount: Int) throws -> [UInt8] {
        var written: UInt32 = 0
        let digest = try [UInt8](unsafeUninitializedCapacity: Int(EVP_MAX_MD_SIZE)) { buffer, count in
            try OpenSSL.check(EVP_DigestFinal_ex(context, buffer.baseAddress, &written), "EVP_DigestFinal_ex")
            count = Int(written)
        }
        guard digest.count == byteCount else {
            throw CryptographyError(
                .opensslFailure, "digest has \(digest.count) bytes, expected \(byteCount)")
        }
        return digest
    }
}
