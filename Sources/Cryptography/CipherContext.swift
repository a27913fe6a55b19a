import COpenSSL

/// Owns one OpenSSL cipher context (EVP_CIPHER_CTX) and frees it; freeing
/// cleanses the expanded key schedule.
///
/// Used for a single AES-256-GCM operation on one thread and then dropped, so
/// it is deliberately not `Sendable`.
final class CipherContext {
    private let context: OpaquePointer

    private init(owning context: OpaquePointer) {
        self.context = context
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
    }

    private static func make() throws -> CipherContext {
        CipherContext(owning: try OpenSSL.check(EVP_CIPHER_CTX_new(), "EVP_CIPHER_CTX_new"))
    }

    /// AES-256-GCM encryption of `plaintext` into `ciphertext` (same length),
    /// writing the 16-byte tag into `tag`.
    static func sealAES256GCM(
        key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
        plaintext: UnsafeRawBufferPointer, ciphertext: UnsafeMutableRawBufferPointer,
        tag: UnsafeMutableRawBufferPointer
    ) throws {
        let owner = try make()
        try owner.initialize(encrypting: true, key: key, nonce: nonce)
        try owner.feedAAD(aad)
        try owner.transform(plaintext, into: ciphertext, encrypting: true)
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { scratch in
            var written: Int32 = 0
            // GCM produces no output at finalisation; the scratch buffer only
            // gives OpenSSL a valid address to write nothing to.
            try OpenSSL.check(
                EVP_EncryptFinal_ex(owner.context, scratch.baseAddress, &written),
                "EVP_EncryptFinal_ex")
        }
        try OpenSSL.check(
            EVP_CIPHER_CTX_ctrl(owner.context, EVP_CTRL_GCM_GET_TAG, Int32(tag.count), tag.baseAddress),
            "EVP_CIPHER_CTX_ctrl(GET_TAG)")
    }

    /// AES-256-GCM decryption of `ciphertext` into `plaintext` (same length),
    /// checking `tag`.
    ///
    /// - Throws: `authentication_failed` if the tag does not match. `plaintext`
    ///   is then cleansed, so unauthenticated data never escapes.
    static func openAES256GCM(
        key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer,
        ciphertext: UnsafeRawBufferPointer, tag: UnsafeRawBufferPointer,
        plaintext: UnsafeMutableRawBufferPointer
    ) throws {
        do {
            let owner = try make()
            try owner.initialize(encrypting: false, key: key, nonce: nonce)
            try owner.feedAAD(aad)
            try owner.transform(ciphertext, into: plaintext, encrypting: false)
            // SET_TAG takes a non-const pointer but only reads the tag.
            try OpenSSL.check(
                EVP_CIPHER_CTX_ctrl(
                    owner.context, EVP_CTRL_GCM_SET_TAG, Int32(tag.count),
                    UnsafeMutableRawPointer(mutating: tag.baseAddress)),
                "EVP_CIPHER_CTX_ctrl(SET_TAG)")
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { scratch in
                var written: Int32 = 0
                // A non-positive result here is how OpenSSL says "tag mismatch".
                try OpenSSL.check(
                    EVP_DecryptFinal_ex(
                        owner.context, scratch.baseAddress, &written),
                    "EVP_DecryptFinal_ex", failure: .authenticationFailed,
                    message: "the data could not be authenticated (wrong key, wrong associated data, or modified)")
            }
        } catch {
            OpenSSL.cleanse(plaintext)
            throw error
        }
    }

    private func initialize(encrypting: Bool, key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer) throws {
        let cipher = try OpenSSL.check(
            EVP_CIPHER_fetch(nil, "AES-256-GCM", nil), "EVP_CIPHER_fetch",
            message: "AES-256-GCM is not available from OpenSSL")
        // The context keeps its own reference to the cipher.
        defer { EVP_CIPHER_free(cipher) }
        // GCM's default IV length is 96 bits, the only length AES.GCM accepts;
        // the callers have already checked key and nonce lengths.
        let keyPointer = key.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let noncePointer = nonce.baseAddress?.assumingMemoryBound(to: UInt8.self)
        if encrypting {
            try OpenSSL.check(
                EVP_EncryptInit_ex2(context, cipher, keyPointer, noncePointer, nil), "EVP_EncryptInit_ex2")
        } else {
            try OpenSSL.check(
                EVP_DecryptInit_ex2(context, cipher, keyPointer, noncePointer, nil), "EVP_DecryptInit_ex2")
        }
    }

    private func feedAAD(_ aad: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < aad.count, let base = aad.baseAddress {
            let chunk = Swift.min(aad.count - offset, OpenSSL.maximumChunk)
            var written: Int32 = 0
            // A NULL output buffer tells OpenSSL these bytes are associated data.
            try OpenSSL.check(
                EVP_CipherUpdate(
                    context, nil, &written, (base + offset).assumingMemoryBound(to: UInt8.self), Int32(chunk)),
                "EVP_CipherUpdate(AAD)")
            offset += chunk
        }
    }

    /// Feeds `input` in chunks because EVP_CipherUpdate takes an `int` length.
    private func transform(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, encrypting: Bool
    ) throws {
        guard input.count == output.count else {
            throw CryptographyError(.opensslFailure, "GCM output buffer has the wrong size")
        }
        var offset = 0
        while offset < input.count, let inputBase = input.baseAddress, let outputBase = output.baseAddress {
            let chunk = Swift.min(input.count - offset, OpenSSL.maximumChunk)
            var written: Int32 = 0
            try OpenSSL.check(
                EVP_CipherUpdate(
                    context, (outputBase + offset).assumingMemoryBound(to: UInt8.self), &written,
                    (inputBase + offset).assumingMemoryBound(to: UInt8.self), Int32(chunk)),
                encrypting ? "EVP_EncryptUpdate" : "EVP_DecryptUpdate")
            // GCM is a stream mode: every input byte yields one output byte at once.
            guard Int(written) == chunk else {
                throw CryptographyError(.opensslFailure, "GCM produced \(written) bytes for \(chunk)")
            }
            offset += chunk
        }
    }
}
