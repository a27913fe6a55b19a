import COpenSSL

/// Key-derivation functions, named as in swift-crypto's `_CryptoExtras`.
public enum KDF {
    /// scrypt (RFC 7914), the memory-hard password-based KDF, computed by
    /// OpenSSL 3's EVP_KDF "SCRYPT".
    ///
    /// For password storage use ``PasswordHasher``, which chooses salts,
    /// encodes parameters and bounds them; this is the raw primitive.
    public enum Scrypt {
        /// OpenSSL's refusal threshold when no limit is passed is 32 MiB, below
        /// what OWASP's N = 2¹⁷, r = 8 needs (~128 MiB), so the limit is always
        /// set explicitly: the exact requirement plus this margin.
        static let memoryMargin = 1 << 20

        /// The longest output ``deriveKey(from:salt:outputByteCount:rounds:blockSize:parallelism:maxMemory:)``
        /// produces. RFC 7914 allows far more, but keys and password hashes need
        /// tens of bytes, and an unbounded length is an unbounded allocation.
        public static let maximumOutputByteCount = 1 << 16

        /// Derives `outputByteCount` bytes from `password` and `salt`.
        ///
        /// Takes on the order of `128 · rounds · blockSize · parallelism`
        /// byte-operations of CPU and ``requiredMemory(rounds:blockSize:parallelism:)``
        /// bytes of memory, synchronously: with production parameters that is
        /// hundreds of milliseconds, so keep it off latency-sensitive threads.
        ///
        /// - Parameters:
        ///   - rounds: The CPU/memory cost N, a power of two greater than 1.
        ///   - blockSize: r, at least 1.
        ///   - parallelism: p, at least 1, with `blockSize · parallelism < 2³⁰`.
        ///   - outputByteCount: 1 to ``maximumOutputByteCount`` bytes.
        ///   - maxMemory: The most memory, in bytes, the derivation may use; `nil`
        ///     allows what the parameters need plus a 1 MiB margin.
        /// - Throws: `invalid_argument` for parameters outside RFC 7914's ranges or
        ///   needing more than `maxMemory`; `openssl_failure` if OpenSSL refuses.
        public static func deriveKey(
            from password: some Sequence<UInt8>, salt: some Sequence<UInt8>, outputByteCount: Int, rounds: Int,
            blockSize: Int, parallelism: Int, maxMemory: Int? = nil
        ) throws -> SymmetricKey {
            guard rounds > 1, rounds & (rounds - 1) == 0 else {
                throw CryptographyError(.invalidArgument, "scrypt rounds (N) must be a power of two greater than 1")
            }
            let (blocksTimesParallelism, overflow) = blockSize.multipliedReportingOverflow(by: parallelism)
            guard blockSize >= 1, parallelism >= 1, !overflow, blocksTimesParallelism < 1 << 30 else {
                throw CryptographyError(
                    .invalidArgument, "scrypt needs blockSize (r) ≥ 1, parallelism (p) ≥ 1 and r·p < 2^30")
            }
            // RFC 7914 §2 requires N < 2^(128·r/8); OpenSSL enforces it too.
            guard 16 * blockSize >= Int.bitWidth - 1 || rounds < 1 << (16 * blockSize) else {
                throw CryptographyError(.invalidArgument, "scrypt rounds (N) must be below 2^(16·r)")
            }
            guard (1...maximumOutputByteCount).contains(outputByteCount) else {
                throw CryptographyError(
                    .invalidArgument, "scrypt output length must be 1 to \(maximumOutputByteCount) bytes")
            }
            guard let required = requiredMemory(rounds: rounds, blockSize: blockSize, parallelism: parallelism)
            else {
                throw CryptographyError(.invalidArgument, "scrypt parameters need more memory than can be addressed")
            }
            let limit: Int
            if let maxMemory {
                guard required <= maxMemory else {
                    throw CryptographyError(
                        .invalidArgument, "scrypt parameters need \(required) bytes, more than maxMemory \(maxMemory)")
                }
                limit = maxMemory
            } else {
                limit = required.addingReportingOverflow(memoryMargin).overflow ? Int.max : required + memoryMargin
            }

            let context = try KDFContext.make("SCRYPT")
            let parameters = ParameterList()
            password.withUnsafeByteBuffer { parameters.appendOctets(OSSL_KDF_PARAM_PASSWORD, $0) }
            salt.withUnsafeByteBuffer { parameters.appendOctets(OSSL_KDF_PARAM_SALT, $0) }
            parameters.appendUInt64(OSSL_KDF_PARAM_SCRYPT_N, UInt64(rounds))
            parameters.appendUInt32(OSSL_KDF_PARAM_SCRYPT_R, UInt32(blockSize))
            parameters.appendUInt32(OSSL_KDF_PARAM_SCRYPT_P, UInt32(parallelism))
            parameters.appendUInt64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, UInt64(limit))
            let output = try SecureBytes(count: outputByteCount) { output in
                try context.derive(into: output, parameters: parameters)
            }
            return SymmetricKey(storage: output)
        }

        /// The bytes scrypt allocates for these parameters: `128·r·p` for B plus
        /// `128·r·(N + 2)` for V, X and T (RFC 7914 §5–6, as OpenSSL counts them),
        /// or `nil` if that overflows.
        public static func requiredMemory(rounds: Int, blockSize: Int, parallelism: Int) -> Int? {
            guard rounds >= 0, blockSize >= 0, parallelism >= 0 else { return nil }
            let (blocks, overflow1) = rounds.addingReportingOverflow(2)
            let (allBlocks, overflow2) = blocks.addingReportingOverflow(parallelism)
            let (perBlock, overflow3) = blockSize.multipliedReportingOverflow(by: 128)
            let (total, overflow4) = perBlock.multipliedReportingOverflow(by: allBlocks)
            guard !(overflow1 || overflow2 || overflow3 || overflow4) else { return nil }
            return total
        }
    }
}
