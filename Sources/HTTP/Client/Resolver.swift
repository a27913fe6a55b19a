import Platform
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Name resolution with `getaddrinfo`, under the request's time limits.
///
/// `getaddrinfo` blocks and has no time-out of its own (a silent authoritative
/// server holds it for the resolver's full retry schedule), so it runs on a
/// short-lived thread of its own while the request thread polls for its
/// answer, the deadline and cancellation. A lookup that outlives the request
/// finishes in the background and its answer is dropped.
enum Resolver {
    static func resolve(_ url: HTTPClientURL, waiter: Waiter, limit: Duration) throws(HTTPClientError)
        -> [SocketAddress]
    {
        if url.hostKind != .name {
            guard let address = SocketAddress(numeric: url.host, port: url.port) else {
                throw HTTPClientError(.invalidURL, "the host \(url.host) is not a valid address")
            }
            return [address]
        }
        let lookup = PendingLookup()
        guard lookup.fd >= 0 else {
            let code = errno
            throw HTTPClientError(
                .resolutionFailed, "cannot create an eventfd for name resolution\(HTTPClientError.reason(code))",
                systemError: code)
        }
        let thread = DedicatedThread(name: "http-client-resolver")
        let host = url.host
        let port = url.port
        let accepted = thread.submit { lookup.complete(Self.lookUp(host: host, port: port)) }
        thread.stop()
        guard accepted else { throw HTTPClientError(.resolutionFailed, "the resolver thread did not start") }
        while true {
            if let outcome = lookup.outcome { return try outcome.get() }
            try waiter.wait(for: lookup.fd, events: Int16(POLLIN), phase: .resolving, limit: limit)
        }
    }

    /// The blocking lookup; returns addresses in `getaddrinfo`'s (RFC 6724) order, without duplicates.
    static func lookUp(host: String, port: Int) -> Result<[SocketAddress], HTTPClientError> {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0 else {
            let systemError = status == EAI_SYSTEM ? errno : nil
            let reason: String
            switch status {
            case EAI_NONAME: reason = "the name does not exist or has no addresses"
            case EAI_AGAIN: reason = "temporary resolver failure"
            case EAI_SYSTEM: reason = "system error\(HTTPClientError.reason(systemError ?? 0))"
            default: reason = String(cString: gai_strerror(status))
            }
            return .failure(
                HTTPClientError(.resolutionFailed, "cannot resolve \(host): \(reason)", systemError: systemError))
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry = list
        while let current = entry {
            if let address = current.pointee.ai_addr,
                let resolved = SocketAddress(UnsafePointer(address), length: current.pointee.ai_addrlen),
                !addresses.contains(resolved)
            {
                addresses.append(resolved)
            }
            entry = current.pointee.ai_next
        }
        guard !addresses.isEmpty else {
            return .failure(HTTPClientError(.resolutionFailed, "\(host) has no IPv4 or IPv6 addresses"))
        }
        return .success(addresses)
    }
}

/// The hand-off between the resolver thread and the request thread: the answer,
/// and an eventfd that becomes readable when it is there. Closed in `deinit`,
/// after both threads have let go.
private final class PendingLookup: Sendable {
    let fd: Int32
    private let result = Mutex<Result<[SocketAddress], HTTPClientError>?>(nil)

    init() { fd = SystemCalls.eventFD() }

    deinit { if fd >= 0 { close(fd) } }

    var outcome: Result<[SocketAddress], HTTPClientError>? { result.withLock { $0 } }

    func complete(_ outcome: Result<[SocketAddress], HTTPClientError>) {
        result.withLock { $0 = outcome }
        var one: UInt64 = 1
        _ = write(fd, &one, MemoryLayout<UInt64>.size)
    }
}
