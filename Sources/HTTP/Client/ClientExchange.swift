#if canImport(Glibc)
    import Glibc
#endif

/// One request, from name resolution to the last response byte, run on the
/// request's own thread. Every wait is a `poll(2)` under ``Waiter``.
struct ClientExchange: Sendable {
    let url: HTTPClientURL
    let requestBytes: [UInt8]
    let isHead: Bool
    let configuration: HTTPClient.Configuration
    /// Present exactly for `https`.
    let tlsContext: ClientTLSContext?
    let clock: RequestClock

    private static let receiveBufferSize = 16 * 1024

    /// Runs the request; call it on the request's own thread, which ends afterwards.
    func run(cancellation: CancellationSignal) -> Result<HTTPClientResponse, HTTPClientError> {
        // OpenSSL writes with plain write(2), so a reset peer raises SIGPIPE. Blocked on
        // this thread only, the write fails with EPIPE and the pending signal dies with
        // the thread, without changing the process's signal dispositions.
        var pipe = sigset_t()
        sigemptyset(&pipe)
        sigaddset(&pipe, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipe, nil)
        do throws(HTTPClientError) {
            return .success(try perform(Waiter(clock: clock, cancellation: cancellation, origin: url.origin)))
        } catch {
            return .failure(error)
        }
    }

    private func perform(_ waiter: Waiter) throws(HTTPClientError) -> HTTPClientResponse {
        try waiter.checkCancelled()
        let timeouts = configuration.timeouts
        let addresses = try Resolver.resolve(url, waiter: waiter, limit: timeouts.connect)
        if !configuration.allowPrivateNetworks { try checkPublic(addresses) }
        let (socket, address) = try connect(addresses, waiter: waiter)

        var tls: ClientTLSSession?
        if let tlsContext {
            let session = try ClientTLSSession(context: tlsContext, socket: socket, url: url)
            try handshake(session, fd: socket.fd, waiter: waiter)
            tls = session
        }
        let transport = ClientTransport(socket: socket, tls: tls)

        // A server may answer and close before reading the whole request; its
        // response is still worth reading, so a failed write is reported only if no response follows.
        var writeFailure: HTTPClientError?
        do throws(HTTPClientError) {
            try send(transport, waiter: waiter)
        } catch  where error.kind == .connectionClosed {
            writeFailure = error
        }

        var parser = HTTPResponseParser(
            limits: HTTPResponseParser.Limits(
                maxHeaderBytes: configuration.limits.maxHeaderBytes,
                maxHeaderCount: configuration.limits.maxHeaderCount,
                maxBodyBytes: configuration.limits.maxBodyBytes,
                truncatesBody: configuration.limits.oversizedBody == .truncate),
            isResponseToHead: isHead)
        do throws(HTTPClientError) {
            try receive(transport, into: &parser, waiter: waiter)
        } catch {
            if let writeFailure, error.kind == .connectionClosed { throw writeFailure }
            throw error
        }
        return HTTPClientResponse(
            status: parser.status, version: parser.version, headers: parser.headers, trailers: parser.trailers,
            body: parser.body, isBodyTruncated: parser.isBodyTruncated, elapsed: clock.elapsed,
            remoteAddress: address.description)
    }

    /// Refuses the whole host if any address is not public: no record order or
    /// retry can then lead to an internal address.
    private func checkPublic(_ addresses: [SocketAddress]) throws(HTTPClientError) {
        for address in addresses {
            guard let reason = AddressPolicy.blockReason(address) else { continue }
            let subject =
                url.hostKind == .name ? "\(url.host) resolves to \(address.addressText), which is" : "\(url.host) is"
            throw HTTPClientError(.blockedAddress, "\(subject) \(reason); only public addresses are allowed")
        }
    }

    // MARK: Connect

    /// Tries each address in turn; returns the first connected socket.
    private func connect(_ addresses: [SocketAddress], waiter: Waiter) throws(HTTPClientError) -> (
        ClientSocket, SocketAddress
    ) {
        var lastFailure: HTTPClientError?
        for address in addresses {
            try waiter.checkCancelled()
            let fd = socket(
                address.addressFamily,
                Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else {
                lastFailure = Self.connectFailure(address, errno, "cannot create a socket for")
                continue
            }
            let socket = ClientSocket(fd: fd)
            let status = address.withSockaddr { Glibc.connect(fd, $0, $1) }
            if status != 0 {
                let code = errno
                // EINTR leaves the connection in progress, as EINPROGRESS does.
                guard code == EINPROGRESS || code == EINTR else {
                    lastFailure = Self.connectFailure(address, code)
                    continue
                }
                do throws(HTTPClientError) {
                    try waiter.wait(
                        for: fd, events: Int16(POLLOUT), phase: .connecting, limit: configuration.timeouts.connect)
                } catch {
                    // The deadline and cancellation end the request; one slow address only ends its attempt.
                    guard error.kind == .timeout, ContinuousClock.now < clock.deadline else { throw error }
                    lastFailure = HTTPClientError(
                        .timeout, "connecting to \(address) took longer than \(configuration.timeouts.connect)")
                    continue
                }
                var socketError: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length) == 0 else {
                    lastFailure = Self.connectFailure(address, errno)
                    continue
                }
                guard socketError == 0 else {
                    lastFailure = Self.connectFailure(address, socketError)
                    continue
                }
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            return (socket, address)
        }
        throw lastFailure ?? HTTPClientError(.connectFailed, "\(url.host) has no address to connect to")
    }

    private static func connectFailure(_ address: SocketAddress, _ code: Int32, _ verb: String = "cannot connect to")
        -> HTTPClientError
    {
        let reason: String
        switch code {
        case ECONNREFUSED: reason = "connection refused"
        case ENETUNREACH: reason = "network unreachable"
        case EHOSTUNREACH: reason = "host unreachable"
        case ETIMEDOUT: reason = "timed out"
        default: reason = String(cString: strerror(code))
        }
        let kind: HTTPClientError.Kind = code == ETIMEDOUT ? .timeout : .connectFailed
        return HTTPClientError(kind, "\(verb) \(address): \(reason)", systemError: code)
    }

    // MARK: TLS

    private func handshake(_ session: ClientTLSSession, fd: Int32, waiter: Waiter) throws(HTTPClientError) {
        while true {
            switch session.handshake(origin: url.origin) {
            case .done:
                return
            case .wantRead:
                try waiter.wait(for: fd, events: Int16(POLLIN), phase: .handshaking, limit: configuration.timeouts.read)
            case .wantWrite:
                try waiter.wait(
                    for: fd, events: Int16(POLLOUT), phase: .handshaking, limit: configuration.timeouts.read)
            case .end:
                throw HTTPClientError(.tlsFailed, "\(url.origin) closed the connection during the TLS handshake")
            case .failed(let error):
                throw error
            }
        }
    }

    // MARK: Request and response

    private func send(_ transport: ClientTransport, waiter: Waiter) throws(HTTPClientError) {
        var offset = 0
        while offset < requestBytes.count {
            let outcome = requestBytes.withUnsafeBytes {
                transport.write(UnsafeRawBufferPointer(rebasing: $0[offset...]))
            }
            switch outcome {
            case .done(let count):
                offset += count
            case .wantWrite:
                try waiter.wait(
                    for: transport.fd, events: Int16(POLLOUT), phase: .sending, limit: configuration.timeouts.read)
            case .wantRead:
                try waiter.wait(
                    for: transport.fd, events: Int16(POLLIN), phase: .sending, limit: configuration.timeouts.read)
            case .end:
                throw HTTPClientError(
                    .connectionClosed, "\(url.origin) closed the connection while the request was sent")
            case .failed(let error):
                throw error
            }
        }
    }

    private func receive(_ transport: ClientTransport, into parser: inout HTTPResponseParser, waiter: Waiter)
        throws(HTTPClientError)
    {
        var buffer = [UInt8](repeating: 0, count: Self.receiveBufferSize)
        while !parser.isComplete {
            let outcome = buffer.withUnsafeMutableBytes { transport.read(into: $0) }
            switch outcome {
            case .done(let count):
                try parser.receive(buffer[0..<count])
            case .wantRead:
                try waiter.wait(
                    for: transport.fd, events: Int16(POLLIN), phase: .receiving, limit: configuration.timeouts.read)
            case .wantWrite:
                try waiter.wait(
                    for: transport.fd, events: Int16(POLLOUT), phase: .receiving, limit: configuration.timeouts.read)
            case .end:
                try parser.receiveEnd()
            case .failed(let error):
                throw error
            }
        }
    }
}

/// Owns a socket descriptor and closes it.
final class ClientSocket {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }
}

/// Reads and writes over plain TCP or TLS with the same non-blocking outcomes.
final class ClientTransport {
    private let socket: ClientSocket
    private let tls: ClientTLSSession?

    init(socket: ClientSocket, tls: ClientTLSSession?) {
        self.socket = socket
        self.tls = tls
    }

    var fd: Int32 { socket.fd }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> ClientTLSSession.Outcome {
        if let tls { return tls.read(into: buffer) }
        guard let base = buffer.baseAddress else { return .done(0) }
        while true {
            let count = recv(socket.fd, base, buffer.count, 0)
            if count > 0 { return .done(count) }
            if count == 0 { return .end }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wantRead
            case let code:
                return .failed(
                    HTTPClientError(
                        .connectionClosed, "the connection broke while receiving: \(String(cString: strerror(code)))",
                        systemError: code))
            }
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> ClientTLSSession.Outcome {
        if let tls { return tls.write(bytes) }
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return .done(0) }
        while true {
            let count = Glibc.send(socket.fd, base, bytes.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return .done(count) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wantWrite
            case let code:
                return .failed(
                    HTTPClientError(
                        .connectionClosed, "the connection broke while sending: \(String(cString: strerror(code)))",
                        systemError: code))
            }
        }
    }
}
