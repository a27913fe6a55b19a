import COpenSSL

/// Owns one OpenSSL key-derivation context (EVP_KDF_CTX) and frees it;
/// freeing cleanses the password and salt OpenSSL copied into it.
///
/// Used for a single derivation on one thread, so it is not `Sendable`.
final class KDFContext {
    private let context: OpaquePointer

    private init(owning context: OpaquePointer) {
        self.context = context
    }

    deinit {
        EVP_KDF_CTX_free(context)
    }

    /// A context for the KDF OpenSSL calls `algorithm` (for example "SCRYPT").
    static func make(_ algorithm: String) throws -> KDFContext {
        let kdf = try OpenSSL.check(
            EVP_KDF_fetch(nil, algorithm, nil), "EVP_KDF_fetch",
            message: "KDF \(algorithm) is not available from OpenSSL")
        // The context keeps its own reference to the algorithm.
        defer { EVP_KDF_free(kdf) }
        return KDFContext(owning: try OpenSSL.check(EVP_KDF_CTX_new(kdf), "EVP_KDF_CTX_new"))
    }

    /// Derives `output.count` bytes with `parameters` applied first.
    func derive(into output: UnsafeMutableRawBufferPointer, parameters: ParameterList) throws {
        try parameters.withParameters { list in
            try OpenSSL.check(
                EVP_KDF_derive(
                    context, output.baseAddress?.assumingMemoryBound(to: UInt8.self), output.count, list),
                "EVP_KDF_derive")
        }
    }
}
