import COpenSSL

#if canImport(Glibc)
    import Glibc
#endif

/// The client's OpenSSL context: trust anchors and protocol policy, shared by
/// every request of one ``HTTPClient``.
///
/// Policy: TLS 1.2 minimum; peer verification always on, against the system
/// trust store (`SSL_CTX_set_default_verify_paths`, which honours
/// `SSL_CERT_FILE`/`SSL_CERT_DIR`) plus an optional extra CA file; compression
/// and renegotiation off; cipher suites are OpenSSL's defaults under the
/// system's security level. There is deliberately no switch that turns
/// verification off.
final class ClientTLSContext: @unchecked Sendable {
    // SSL_CTX is internally reference-counted and locked; sharing it across request threads is supported.
    let handle: OpaquePointer

    init(additionalTrustedCertificatesFile: String?) throws(HTTPClientError) {
        guard let method = TLS_client_method(), let handle = SSL_CTX_new(method) else {
            throw ClientTLSSession.failure("cannot create a TLS context")
        }
        self.handle = handle
        guard countersign_SSL_CTX_set_min_proto_version(handle, TLS1_2_VERSION) == 1 else {
            throw ClientTLSSession.failure("cannot require TLS 1.2")
        }
        SSL_CTX_set_options(
            handle,
            countersign_SSL_OP_NO_COMPRESSION | countersign_SSL_OP_NO_RENEGOTIATION
                // A close-delimited body ends at EOF; without this, a peer that
                // skips close_notify would turn every such body into an error.
                | countersign_SSL_OP_IGNORE_UNEXPECTED_EOF)
        // A retried write passes the same bytes, but Swift does not promise the same address.
        _ = countersign_SSL_CTX_set_mode(
            handle, Int(SSL_MODE_ENABLE_PARTIAL_WRITE) | Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        SSL_CTX_set_verify(handle, SSL_VERIFY_PEER, nil)
        guard SSL_CTX_set_default_verify_paths(handle) == 1 else {
            throw ClientTLSSession.failure("cannot load the system trust store")
        }
        if let path = additionalTrustedCertificatesFile {
            guard SSL_CTX_load_verify_file(handle, path) == 1 else {
                throw ClientTLSSession.failure("cannot load trusted certificates from \(path)")
            }
        }
    }

    deinit { SSL_CTX_free(handle) }
}

/// One connection's TLS state over its non-blocking socket, used by the
/// request's own thread only.
///
/// It holds its socket, so the descriptor stays open until `SSL_shutdown` and
/// `SSL_free` are done with it and close_notify can never reach a reused number.
final class ClientTLSSession {
    enum Outcome {
        case done(Int)
        case wantRead
        case wantWrite
        /// Orderly end of the stream (close_notify, or EOF where that is allowed).
        case end
        case failed(HTTPClientError)
    }

    // X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS lives in x509v3.h, which the shim does not include:
    // `*` must be a whole left-most label, as browsers require (no `f*.example.com`).
    private static let noPartialWildcards: UInt32 = 0x4

    private let ssl: OpaquePointer
    private let socket: ClientSocket
    /// Handshake complete and no fatal error since: only then may close_notify be sent.
    private var isEstablished = false
    /// Set after a fatal error, when OpenSSL forbids SSL_shutdown.
    private var isBroken = false

    /// Prepares a client session: SNI for names (never for address literals,
    /// RFC 6066 §3), and host-name or IP-address verification of the peer.
    init(context: ClientTLSContext, socket: ClientSocket, url: HTTPClientURL) throws(HTTPClientError) {
        guard let ssl = SSL_new(context.handle) else { throw Self.failure("cannot create a TLS session") }
        self.ssl = ssl
        self.socket = socket
        guard SSL_set_fd(ssl, socket.fd) == 1 else { throw Self.failure("cannot attach TLS to the socket") }
        guard let parameters = SSL_get0_param(ssl) else { throw Self.failure("cannot set verification parameters") }
        switch url.hostKind {
        case .name:
            guard countersign_SSL_set_tlsext_host_name(ssl, url.host) == 1 else {
                throw Self.failure("cannot set the server name (SNI)")
            }
            X509_VERIFY_PARAM_set_hostflags(parameters, Self.noPartialWildcards)
            guard X509_VERIFY_PARAM_set1_host(parameters, url.host, 0) == 1 else {
                throw Self.failure("cannot set the expected host name")
            }
        case .ipv4, .ipv6:
            guard X509_VERIFY_PARAM_set1_ip_asc(parameters, url.host) == 1 else {
                throw Self.failure("cannot set the expected IP address")
            }
        }
        SSL_set_connect_state(ssl)
    }

    deinit {
        if isEstablished && !isBroken {
            // Best effort close_notify; the socket is non-blocking and closed right after.
            ERR_clear_error()
            SSL_shutdown(ssl)
        }
        ERR_clear_error()
        SSL_free(ssl)
    }

    /// One step of the handshake.
    func handshake(origin: String) -> Outcome {
        ERR_clear_error()
        let status = SSL_connect(ssl)
        if status == 1 {
            isEstablished = true
            return .done(0)
        }
        let error = SSL_get_error(ssl, status)
        switch error {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        default:
            isBroken = true
            let verification = SSL_get_verify_result(ssl)
            if verification != X509_V_OK {
                let reason = X509_verify_cert_error_string(verification).map { String(cString: $0) } ?? "unknown"
                ERR_clear_error()
                return .failed(
                    HTTPClientError(.tlsFailed, "the certificate of \(origin) was not accepted: \(reason)"))
            }
            if error == SSL_ERROR_SYSCALL {
                let code = errno
                ERR_clear_error()
                return .failed(
                    HTTPClientError(
                        .tlsFailed,
                        "the connection to \(origin) broke during the TLS handshake\(HTTPClientError.reason(code))",
                        systemError: code == 0 ? nil : code))
            }
            return .failed(Self.failure("the TLS handshake with \(origin) failed"))
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Outcome {
        guard let base = buffer.baseAddress else { return .done(0) }
        ERR_clear_error()
        let count = SSL_read(ssl, base, Int32(clamping: buffer.count))
        if count > 0 { return .done(Int(count)) }
        return outcome(of: count, operation: "reading")
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return .done(0) }
        ERR_clear_error()
        let count = SSL_write(ssl, base, Int32(clamping: bytes.count))
        if count > 0 { return .done(Int(count)) }
        return outcome(of: count, operation: "writing")
    }

    private func outcome(of status: Int32, operation: String) -> Outcome {
        switch SSL_get_error(ssl, status) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .end
        case SSL_ERROR_SYSCALL:
            isBroken = true
            let code = errno
            ERR_clear_error()
            return .failed(
                HTTPClientError(
                    .connectionClosed,
                    "the connection broke while \(operation) TLS data\(HTTPClientError.reason(code))",
                    systemError: code == 0 ? nil : code))
        default:
            isBroken = true
            let failure = Self.failure("TLS failed while \(operation)")
            return .failed(HTTPClientError(.connectionClosed, failure.message))
        }
    }

    /// A `tlsFailed` error carrying OpenSSL's first queued reason, then clears the queue.
    static func failure(_ message: String) -> HTTPClientError {
        let error = ERR_get_error()
        ERR_clear_error()
        guard error != 0 else { return HTTPClientError(.tlsFailed, message) }
        var detail = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(error, &detail, detail.count)
        let text = detail.withUnsafeBufferPointer { $0.baseAddress.map { String(cString: $0) } ?? "" }
        return HTTPClientError(.tlsFailed, "\(message): \(text)")
    }
}
