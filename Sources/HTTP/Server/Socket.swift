#if canImport(Glibc)
    import Glibc
#endif
import Platform

/// A failure of the server's own machinery: binding, epoll, threads, TLS set-up.
public struct HTTPServerError: CodedError, Sendable {
    /// Stable machine code such as `bind_failed`.
    public var code: String
    public var message: String
    /// `errno` of the failing system call, when there was one.
    public var systemError: Int32?
    public var throwSite: ThrowSite

    public init(code: String, message: String, systemError: Int32? = nil, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.message = message
        self.systemError = systemError
        self.throwSite = ThrowSite(file: file, line: line)
    }

    public var httpStatus: Int { 500 }

    public var description: String {
        if let systemError { return "\(code): \(message) (\(String(cString: strerror(systemError))))" }
        return "\(code): \(message)"
    }

    static func system(_ code: String, _ message: String, file: String = #fileID, line: UInt = #line) -> HTTPServerError
    {
        HTTPServerError(code: code, message: message, systemError: errno, file: file, line: line)
    }
}

/// Thin, checked wrappers over the socket calls the server makes.
enum Socket {
    /// A non-blocking listening socket bound to `host:port`.
    ///
    /// `reusePort` lets every event loop own a listener on the same port, so the
    /// kernel spreads new connections across loops without a shared accept lock.
    static func makeListener(host: String, port: Int, reusePort: Bool, backlog: Int32) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw HTTPServerError(
                code: "address_unresolved",
                message: "cannot resolve listen address \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }
        let fd = socket(
            first.pointee.ai_family,
            Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HTTPServerError.system("socket_failed", "cannot create a listening socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if reusePort {
            guard setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
                let error = HTTPServerError.system("socket_failed", "cannot set SO_REUSEPORT")
                close(fd)
                throw error
            }
        }
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let error = HTTPServerError.system("bind_failed", "cannot bind \(host):\(port)")
            close(fd)
            throw error
        }
        guard listen(fd, backlog) == 0 else {
            let error = HTTPServerError.system("listen_failed", "cannot listen on \(host):\(port)")
            close(fd)
            throw error
        }
        return fd
    }

    /// The port a bound socket actually got (the answer to binding port 0).
    static func localPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard status == 0 else { return 0 }
        return port(of: storage)
    }

    static func port(of storage: sockaddr_storage) -> Int {
        var copy = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &copy) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &copy) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            }
        default:
            return 0
        }
    }

    /// The peer's address as text, without the port (`203.0.113.9`, `::1`).
    static func addressString(_ storage: sockaddr_storage) -> String {
        var copy = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let ok: Bool = withUnsafePointer(to: &copy) { pointer in
            switch Int32(storage.ss_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    var raw = address.pointee.sin_addr
                    return inet_ntop(AF_INET, &raw, &text, socklen_t(text.count)) != nil
                }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var raw = address.pointee.sin6_addr
                    return inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count)) != nil
                }
            default:
                return false
            }
        }
        guard ok else { return "" }
        return text.withUnsafeBufferPointer { $0.baseAddress.map { String(cString: $0) } ?? "" }
    }

    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Sends as much of `bytes` as the socket takes now. Never raises SIGPIPE.
    ///
    /// - Returns: bytes written (possibly fewer than asked when the socket is
    ///   full), or -1 when the connection is broken.
    @inline(__always)
    static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.send(fd, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if written > 0 {
                offset += written
                continue
            }
            if written < 0 && errno == EINTR { continue }
            if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return offset }
            return -1
        }
        return offset
    }
}
