import COpenSSL

#if canImport(Glibc)
    import Glibc
#endif

/// The server's OpenSSL context: certificate, key and protocol policy, shared
/// by every connection.
///
/// Policy: TLS 1.2 and 1.3 only; TLS 1.2 restricted to ECDHE key exchange with
/// AEAD ciphers (forward secrecy, no CBC, no RSA key transport); compression
/// and renegotiation off.
final class TLSContext: @unchecked Sendable {
    // SSL_CTX is internally reference-counted and locked; sharing it across loop threads is supported.
    let handle: OpaquePointer

    private static let tls12Ciphers =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
        + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
    private static let tls13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
    // SSL_OP_BIT(n) is a function-like macro, so these options do not import.
    private static let noCompression: UInt64 = 1 << 17
    private static let serverPreference: UInt64 = 1 << 22
    private static let noRenegotiation: UInt64 = 1 << 30

    init(configuration: HTTPServer.Configuration.TLS) throws {
        guard let method = TLS_server_method(), let handle = SSL_CTX_new(method) else {
            throw Self.failure("tls_setup_failed", "cannot create a TLS context")
        }
        self.handle = handle
        guard countersign_SSL_CTX_set_min_proto_version(handle, TLS1_2_VERSION) == 1 else {
            throw Self.failure("tls_setup_failed", "cannot require TLS 1.2")
        }
        guard SSL_CTX_set_cipher_list(handle, Self.tls12Ciphers) == 1,
            SSL_CTX_set_ciphersuites(handle, Self.tls13Suites) == 1
        else {
            throw Self.failure("tls_setup_failed", "cannot set the cipher policy")
        }
        SSL_CTX_set_options(handle, Self.noCompression | Self.serverPreference | Self.noRenegotiation)
        // Partial writes and a moving buffer let a write resume from another thread's copy of the bytes.
        _ = countersign_SSL_CTX_set_mode(
            handle, Int(SSL_MODE_ENABLE_PARTIAL_WRITE) | Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        guard SSL_CTX_use_certificate_chain_file(handle, configuration.certificatePath) == 1 else {
            throw Self.failure(
                "tls_certificate_invalid", "cannot load the certificate chain \(configuration.certificatePath)")
        }
        guard SSL_CTX_use_PrivateKey_file(handle, configuration.privateKeyPath, SSL_FILETYPE_PEM) == 1 else {
            throw Self.failure("tls_key_invalid", "cannot load the private key \(configuration.privateKeyPath)")
        }
        guard SSL_CTX_check_private_key(handle) == 1 else {
            throw Self.failure("tls_key_invalid", "the private key does not match the certificate")
        }
    }

    deinit { SSL_CTX_free(handle) }

    private static func failure(_ code: String, _ message: String) -> HTTPServerError {
        var detail = [CChar](repeating: 0, count: 256)
        let error = ERR_get_error()
        ERR_clear_error()
        guard error != 0 else { return HTTPServerError(code: code, message: message) }
        ERR_error_string_n(error, &detail, detail.count)
        let text = detail.withUnsafeBufferPointer { $0.baseAddress.map { String(cString: $0) } ?? "" }
        return HTTPServerError(code: code, message: "\(message): \(text)")
    }
}

/// One connection's TLS state over its non-blocking socket.
///
/// Used by one thread at a time under the connection's ownership protocol, which
/// is all OpenSSL asks of an `SSL` object. The handshake happens inside the first
/// reads; "want read" and "want write" both mean "wait for the next epoll edge".
final class TLSSession: @unchecked Sendable {
    private let ssl: OpaquePointer
    private var isFreed = false

    init?(context: TLSContext, fd: Int32) {
        guard let ssl = SSL_new(context.handle) else { return nil }
        guard SSL_set_fd(ssl, fd) == 1 else {
            SSL_free(ssl)
            return nil
        }
        SSL_set_accept_state(ssl)
        self.ssl = ssl
    }

    deinit {
        if !isFreed { SSL_free(ssl) }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Connection.ReceiveResult {
        guard let base = buffer.baseAddress, !isFreed else { return .failed }
        ERR_clear_error()
        let count = SSL_read(ssl, base, Int32(clamping: buffer.count))
        if count > 0 { return .bytes(Int(count)) }
        switch SSL_get_error(ssl, count) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .wouldBlock
        case SSL_ERROR_ZERO_RETURN:
            return .endOfStream
        default:
            ERR_clear_error()
            return .failed
        }
    }

    /// Writes as much as fits now; -1 when the connection is broken.
    func write(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        guard !isFreed else { return -1 }
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            let count = SSL_write(ssl, base + offset, Int32(clamping: bytes.count - offset))
            if count > 0 {
                offset += Int(count)
                continue
            }
            switch SSL_get_error(ssl, count) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return offset
            default:
                ERR_clear_error()
                return -1
            }
        }
        return offset
    }

    /// Sends close_notify if it fits, then frees the session; the caller closes the socket.
    func close() {
        guard !isFreed else { return }
        ERR_clear_error()
        SSL_shutdown(ssl)
        ERR_clear_error()
        SSL_free(ssl)
        isFreed = true
    }
}
