#if canImport(Glibc)
    import Glibc
#endif
import Synchronization

/// One client connection.
///
/// Ownership, not locking, keeps it safe. The event loop owns every mutable
/// field while `ownership` is `loopOwned`. When a request is complete the loop
/// sets `handlerOwned` and hands the connection to a handler task, which may
/// then touch the fields (and the socket) until it hands it back: either with
/// one compare-and-swap (the common case: response sent whole, nothing else to
/// do) or by posting a message to the loop. While a handler owns it, the loop
/// does not read, write or close it; events that arrive meanwhile only flip
/// `ownership` to `handlerOwnedWithEvents`, which makes the handler's swap fail
/// and sends it down the message path. One request is in flight per connection,
/// which is also what keeps pipelined responses in order.
final class Connection: @unchecked Sendable {
    enum Phase {
        /// Between requests, waiting for the first byte (idle timeout).
        case idle
        /// Reading a header section (header-read timeout).
        case head
        /// Reading a body (body-read timeout).
        case body
        /// A handler has the request.
        case handling
        /// A response is draining into a full socket (write timeout).
        case writing
        /// Error sent and write side shut: discarding input until EOF (linger timeout).
        case lingering
    }

    static let loopOwned: UInt8 = 0
    static let handlerOwned: UInt8 = 1
    static let handlerOwnedWithEvents: UInt8 = 2
    /// The loop has stopped; whoever holds the connection last closes it.
    static let abandoned: UInt8 = 3

    let fd: Int32
    let slot: Int
    let token: UInt64
    let remoteAddress: String
    let loop: EventLoop
    /// Whether this connection is counted against `maxConnections` (excess ones are not).
    let isCounted: Bool
    let ownership = Atomic<UInt8>(Connection.loopOwned)
    let tls: TLSSession?

    var parser: HTTPRequestParser
    /// Received bytes not yet consumed by the parser (an incomplete line, or pipelined requests).
    var pending: [UInt8] = []
    var outbound: [UInt8] = []
    var outboundOffset = 0
    var phase = Phase.idle
    /// Monotonic nanoseconds after which the phase has timed out; 0 for none.
    var deadline: UInt64 = 0
    var keepAlive = true
    var closeAfterWrite = false
    /// The response was an error sent before the request was fully read: drain before closing.
    var requiresLinger = false
    var peerClosed = false
    /// Reading stopped before the socket was drained; the loop must read again before waiting.
    var mayHaveUnreadInput = false
    var isClosed = false
    /// A request was begun on this connection since the last response (decides 408 vs silent close).
    var hasPartialRequest = false

    init(
        fd: Int32, slot: Int, token: UInt64, remoteAddress: String, loop: EventLoop, limits: HTTPRequestParser.Limits,
        isCounted: Bool, tls: TLSSession?
    ) {
        self.fd = fd
        self.slot = slot
        self.token = token
        self.remoteAddress = remoteAddress
        self.loop = loop
        self.parser = HTTPRequestParser(limits: limits)
        self.isCounted = isCounted
        self.tls = tls
    }

    enum ReceiveResult {
        case bytes(Int)
        case wouldBlock
        case endOfStream
        case failed
    }

    /// Reads what is available into `buffer`.
    func receive(into buffer: UnsafeMutableRawBufferPointer) -> ReceiveResult {
        if let tls { return tls.read(into: buffer) }
        guard let base = buffer.baseAddress else { return .failed }
        while true {
            let count = read(fd, base, buffer.count)
            if count > 0 { return .bytes(count) }
            if count == 0 { return .endOfStream }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .failed
            }
        }
    }

    /// Writes as much as the socket takes now; -1 when the connection is broken.
    func transmit(_ bytes: UnsafeRawBufferPointer) -> Int {
        if let tls { return tls.write(bytes) }
        return Socket.send(fd, bytes)
    }

    // MARK: Handler side

    /// Runs the responder and sends the response. Called on a handler task, with `handlerOwned`.
    func respond(to request: HTTPRequest, context: ServerContext) async {
        var response: HTTPResponse
        do {
            response = try await context.responder.respond(to: request)
        } catch {
            response = context.internalErrorResponse(for: request, error: error)
        }
        var keepAlive = self.keepAlive && !context.isDraining
        if keepAlive, let connection = response.headers["Connection"], connection.caseInsensitiveEquals("close") {
            keepAlive = false
        }
        let isHead = request.method == .head
        let sendsBody = HTTPResponseSerializer.hasBody(status: response.status.code, isHead: isHead)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(192 + response.headers.count * 48 + (sendsBody ? response.body.count : 0))
        HTTPResponseSerializer.appendHead(
            response, isHead: isHead, keepAlive: keepAlive, requestVersion: request.version, to: &bytes)
        if sendsBody { bytes.append(contentsOf: response.body) }
        deliver(bytes, keepAlive: keepAlive, context: context)
    }

    /// Sends a serialized response from the handler's thread and returns the
    /// connection to its loop.
    func deliver(_ bytes: [UInt8], keepAlive: Bool, context: ServerContext) {
        var written = 0
        // Anything the loop queued (a `100 Continue` that did not fit) must go first.
        if outbound.count == outboundOffset {
            written = bytes.withUnsafeBytes { transmit($0) }
        }
        if written < 0 {
            handBack(.completed(self, remaining: [], keepAlive: false, failed: true))
            return
        }
        if written == bytes.count && keepAlive && pending.isEmpty && !mayHaveUnreadInput && !peerClosed {
            phase = .idle
            hasPartialRequest = false
            deadline = MonotonicClock.now() &+ context.idleTimeout
            if ownership.compareExchange(
                expected: Connection.handlerOwned, desired: Connection.loopOwned, ordering: .acquiringAndReleasing
            ).exchanged {
                return
            }
        }
        let remaining = written == bytes.count ? [] : Array(bytes[written...])
        handBack(.completed(self, remaining: remaining, keepAlive: keepAlive, failed: false))
    }

    private func handBack(_ message: EventLoop.Message) {
        if !loop.post(message) {
            // The loop has stopped (shutdown deadline passed), so nobody else will close this socket.
            abandon()
        }
    }

    /// Closes the socket from whichever thread owns the connection last.
    func abandon() {
        guard !isClosed else { return }
        isClosed = true
        tls?.close()
        close(fd)
        if isCounted { loop.context.connectionClosed() }
    }
}

/// Monotonic time in nanoseconds, the clock every deadline is on.
enum MonotonicClock {
    @inline(__always)
    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }
}
