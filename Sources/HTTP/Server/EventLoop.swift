#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import Synchronization

/// One epoll event loop on a thread of its own: it accepts from its listener,
/// reads and parses requests, hands complete ones to the handler pool, writes
/// what handlers could not, and enforces every connection deadline.
///
/// All its state is confined to its thread; other threads reach it only
/// through ``post(_:)``, which queues a message and wakes it with an eventfd.
final class EventLoop: @unchecked Sendable {
    enum Message: Sendable {
        /// A handler finished with a connection it could not hand back with a swap.
        case completed(Connection, remaining: [UInt8], keepAlive: Bool, failed: Bool)
        /// Stop accepting; close idle connections; end at `deadline` (monotonic ns) at the latest.
        case drain(deadline: UInt64)
    }

    private struct Mailbox {
        var messages: [Message] = []
        var isClosed = false
    }

    let index: Int
    let context: ServerContext
    private let epollFD: Int32
    private let wakeFD: Int32
    private var listenerFD: Int32
    private let mailbox = Mutex(Mailbox())

    private var connections: [Connection?] = []
    private var generations: [UInt32] = []
    private var freeSlots: [Int] = []
    private var liveConnections = 0
    private var excessConnections = 0

    private let scratch: UnsafeMutableRawBufferPointer
    private static let scratchSize = 64 * 1024
    private let events: UnsafeMutableRawPointer
    private static let eventCapacity = 512

    private var now: UInt64 = 0
    private var nextScan: UInt64 = 0
    private let scanInterval: UInt64
    private var isDraining = false
    private var drainDeadline: UInt64 = 0
    private var acceptPaused = false

    private static let listenerToken: UInt64 = 0
    private static let wakeToken: UInt64 = 1
    /// Excess connections (beyond `maxConnections`) kept briefly per loop to deliver their 503.
    private static let maxExcessConnections = 256

    private static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    init(index: Int, listenerFD: Int32, context: ServerContext) throws {
        self.index = index
        self.context = context
        self.listenerFD = listenerFD
        let epollFD = SystemCalls.epollCreate()
        guard epollFD >= 0 else { throw HTTPServerError.system("epoll_failed", "cannot create an epoll instance") }
        let wakeFD = SystemCalls.eventFD()
        guard wakeFD >= 0 else {
            let error = HTTPServerError.system("epoll_failed", "cannot create an eventfd")
            close(epollFD)
            throw error
        }
        self.epollFD = epollFD
        self.wakeFD = wakeFD
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.scratchSize, alignment: 16)
        events = UnsafeMutableRawPointer.allocate(
            byteCount: Self.eventCapacity * SystemCalls.eventSize, alignment: 16)
        // Timers are checked on a tick: fine enough for the shortest timeout, coarse enough to cost nothing.
        let shortest = min(
            context.headerReadTimeout, context.bodyReadTimeout, context.idleTimeout, context.writeTimeout,
            context.lingerTimeout)
        scanInterval = min(max(shortest / 8, 2_000_000), 250_000_000)
        do {
            try register(wakeFD, token: Self.wakeToken, events: SystemCalls.epollIn)
            try register(listenerFD, token: Self.listenerToken, events: SystemCalls.epollIn)
        } catch {
            close(epollFD)
            close(wakeFD)
            scratch.deallocate()
            events.deallocate()
            throw error
        }
    }

    deinit {
        scratch.deallocate()
        events.deallocate()
    }

    private func register(_ fd: Int32, token: UInt64, events: UInt32) throws {
        guard SystemCalls.epollAdd(epollFD, fd, events: events, token: token) == 0 else {
            throw HTTPServerError.system("epoll_failed", "cannot register a descriptor with epoll")
        }
    }

    /// Queues a message for the loop; false once the loop has stopped.
    func post(_ message: Message) -> Bool {
        let accepted = mailbox.withLock { mailbox -> Bool in
            guard !mailbox.isClosed else { return false }
            mailbox.messages.append(message)
            return true
        }
        if accepted {
            var one: UInt64 = 1
            _ = Glibc.write(wakeFD, &one, 8)
        }
        return accepted
    }

    // MARK: The loop

    /// Runs until drained; called on the loop's own thread.
    func run() {
        now = MonotonicClock.now()
        nextScan = now &+ scanInterval
        while true {
            let waitMilliseconds = Int32(clamping: (nextScan > now ? (nextScan - now + 999_999) / 1_000_000 : 0))
            let count = SystemCalls.epollWait(
                epollFD, events, capacity: Int32(Self.eventCapacity), timeout: waitMilliseconds)
            now = MonotonicClock.now()
            if count > 0 {
                for position in 0..<Int(count) {
                    let event = SystemCalls.event(at: position, in: events, capacity: Self.eventCapacity)
                    dispatch(token: event.token, events: event.events)
                }
            } else if count < 0 && errno != EINTR {
                context.logger.error("epoll_wait failed", metadata: ["errno": String(errno)])
                break
            }
            if now >= nextScan {
                scanDeadlines()
                nextScan = now &+ scanInterval
                if acceptPaused { acceptConnections() }
            }
            if isDraining && (liveConnections == 0 || now >= drainDeadline) { break }
        }
        finish()
    }

    private func dispatch(token: UInt64, events: UInt32) {
        switch token {
        case Self.listenerToken:
            acceptConnections()
        case Self.wakeToken:
            var value: UInt64 = 0
            _ = read(wakeFD, &value, 8)
            processMailbox()
        default:
            let slot = Int(token & 0xFFFF_FFFF) - 2
            guard slot >= 0, slot < connections.count, let connection = connections[slot], connection.token == token
            else { return }
            handle(connection, events: events)
        }
    }

    private func processMailbox() {
        let messages = mailbox.withLock { mailbox -> [Message] in
            let messages = mailbox.messages
            mailbox.messages.removeAll(keepingCapacity: true)
            return messages
        }
        for message in messages {
            switch message {
            case .completed(let connection, let remaining, let keepAlive, let failed):
                completed(connection, remaining: remaining, keepAlive: keepAlive, failed: failed)
            case .drain(let deadline):
                beginDraining(deadline: deadline)
            }
        }
    }

    // MARK: Accepting

    private func acceptConnections() {
        guard listenerFD >= 0 else { return }
        acceptPaused = false
        while true {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    SystemCalls.accept(listenerFD, $0, &length)
                }
            }
            if fd < 0 {
                switch errno {
                case EINTR, ECONNABORTED, EPROTO:
                    continue
                case EAGAIN, EWOULDBLOCK:
                    return
                default:
                    // Out of descriptors or memory: retry on the next tick rather than spin.
                    context.logger.warning("accept failed", metadata: ["errno": String(errno)])
                    acceptPaused = true
                    return
                }
            }
            let counted = context.connectionOpened()
            if !counted && excessConnections >= Self.maxExcessConnections {
                close(fd)
                continue
            }
            Socket.setNoDelay(fd)
            var session: TLSSession?
            if let tlsContext = context.tlsContext {
                guard let made = TLSSession(context: tlsContext, fd: fd) else {
                    close(fd)
                    if counted { context.connectionClosed() }
                    continue
                }
                session = made
            }
            let slot = freeSlots.popLast() ?? appendSlot()
            generations[slot] &+= 1
            let token = UInt64(generations[slot]) << 32 | UInt64(slot + 2)
            let connection = Connection(
                fd: fd, slot: slot, token: token, remoteAddress: Socket.addressString(address), loop: self,
                limits: context.configuration.limits, isCounted: counted, tls: session)
            connections[slot] = connection
            liveConnections += 1
            if !counted { excessConnections += 1 }
            do {
                try register(
                    fd, token: token,
                    events: SystemCalls.epollIn | SystemCalls.epollOut | SystemCalls.epollReadHangUp
                        | SystemCalls.epollEdgeTriggered)
            } catch {
                closeConnection(connection)
                continue
            }
            if counted {
                connection.deadline = now &+ context.headerReadTimeout
                connection.phase = .idle
                if isDraining { closeConnection(connection) }
            } else {
                let body = Self.errorBody(code: "too_many_connections", message: "The server has too many connections.")
                let response = HTTPResponseSerializer.simpleResponse(
                    .serviceUnavailable, headers: Self.jsonHeaders(retryAfter: context.retryAfter), body: body,
                    keepAlive: false)
                connection.closeAfterWrite = true
                connection.requiresLinger = true
                connection.phase = .writing
                write(response, to: connection)
                if !connection.isClosed && connection.outboundOffset == connection.outbound.count {
                    beginLingering(connection)
                }
            }
        }
    }

    private func appendSlot() -> Int {
        connections.append(nil)
        generations.append(0)
        return connections.count - 1
    }

    // MARK: Connection events

    private func handle(_ connection: Connection, events: UInt32) {
        var state = connection.ownership.load(ordering: .acquiring)
        while state == Connection.handlerOwned {
            let (exchanged, original) = connection.ownership.compareExchange(
                expected: Connection.handlerOwned, desired: Connection.handlerOwnedWithEvents,
                ordering: .acquiringAndReleasing)
            if exchanged { return }
            state = original
        }
        if state != Connection.loopOwned { return }
        if events & (SystemCalls.epollError | SystemCalls.epollHangUp) != 0 {
            closeConnection(connection)
            return
        }
        if connection.outboundOffset < connection.outbound.count {
            flush(connection)
            // A finished response continues by itself; only a `100 Continue` that was stuck resumes reading here.
            guard !connection.isClosed, connection.outboundOffset == connection.outbound.count,
                connection.phase == .head || connection.phase == .body
            else { return }
        }
        readAndProcess(connection)
    }

    /// Reads until the socket is drained or a request goes to a handler.
    private func readAndProcess(_ connection: Connection) {
        // Bytes discarded while lingering are bounded per event so that one client
        // streaming garbage cannot hold the loop; its deadline ends it anyway.
        var lingeringReads = 0
        while !connection.isClosed {
            let result = connection.receive(into: scratch)
            switch result {
            case .bytes(let count):
                if connection.phase == .lingering {
                    lingeringReads += 1
                    if lingeringReads >= 16 { return }
                    continue
                }
                if connection.phase == .idle {
                    connection.phase = .head
                    connection.deadline = now &+ context.headerReadTimeout
                }
                // If reading stops now, edge-triggered epoll will not report what is left in the
                // socket again, so whoever resumes the connection must read first. TLS may hold
                // decrypted bytes of its own, so it always counts as possibly unread.
                let drained = count < scratch.count && connection.tls == nil
                connection.mayHaveUnreadInput = !drained
                guard process(connection, UnsafeRawBufferPointer(rebasing: scratch[0..<count])) else { return }
                if connection.outboundOffset < connection.outbound.count { return }
                if drained { return }
            case .wouldBlock:
                connection.mayHaveUnreadInput = false
                return
            case .endOfStream:
                connection.peerClosed = true
                connection.mayHaveUnreadInput = false
                closeConnection(connection)
                return
            case .failed:
                closeConnection(connection)
                return
            }
        }
    }

    /// Parses `bytes` (new input) after any bytes left over from before, answering
    /// or dispatching what completes.
    ///
    /// - Returns: true if the loop still owns the connection and should read on;
    ///   false once it went to a handler, is closed, lingering, or waiting to write.
    private func process(_ connection: Connection, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var input = bytes
        while true {
            let consumed: Int
            let outcome: Outcome
            if connection.pending.isEmpty {
                (consumed, outcome) = parse(connection, input)
                if consumed < input.count {
                    connection.pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[consumed...]))
                }
            } else {
                if !input.isEmpty { connection.pending.append(contentsOf: input) }
                (consumed, outcome) = connection.pending.withUnsafeBytes { parse(connection, $0) }
                connection.pending.removeFirst(consumed)
            }
            input = UnsafeRawBufferPointer(start: nil, count: 0)
            switch outcome {
            case .needMore:
                return !connection.isClosed
            case .request(let request, let keepAlive):
                // After a hand-off the connection is the handler's: touch nothing more.
                guard keepsConnection(afterHandingOff: request, keepAlive: keepAlive, on: connection) else {
                    return false
                }
                guard !connection.isClosed, connection.phase == .idle else { return false }
                if connection.pending.isEmpty { return true }
                connection.phase = .head
                connection.deadline = now &+ context.headerReadTimeout
            case .error(let error):
                respond(to: error, on: connection)
                return false
            }
        }
    }

    private enum Outcome {
        case needMore
        case request(HTTPRequest, keepAlive: Bool)
        case error(HTTPParserError)
    }

    private func parse(_ connection: Connection, _ bytes: UnsafeRawBufferPointer) -> (Int, Outcome) {
        var offset = 0
        do {
            while true {
                let (consumed, event) = try connection.parser.parse(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                offset += consumed
                if consumed > 0 { connection.hasPartialRequest = true }
                switch event {
                case nil:
                    return (offset, .needMore)
                case .head(let expectsContinue):
                    connection.phase = .body
                    connection.deadline = now &+ context.bodyReadTimeout
                    // Only ask for the body if the client is waiting for permission to send it.
                    if expectsContinue && offset == bytes.count { write(Self.continueResponse, to: connection) }
                case .request(let request, let keepAlive):
                    return (offset, .request(request, keepAlive: keepAlive))
                }
            }
        } catch {
            return (offset, .error(error))
        }
    }

    /// Hands the request to the pool, or answers 503 when the pool is full.
    ///
    /// - Returns: true when the loop kept the connection (and answered 503
    ///   itself); false when it went to a handler.
    private func keepsConnection(afterHandingOff request: HTTPRequest, keepAlive: Bool, on connection: Connection)
        -> Bool
    {
        var request = request
        request.remoteAddress = connection.remoteAddress
        connection.keepAlive = keepAlive && !isDraining
        connection.phase = .handling
        connection.deadline = 0
        // Ownership passes before the job is visible to any handler thread.
        connection.ownership.store(Connection.handlerOwned, ordering: .releasing)
        let job = HandlerPool.Job(connection: connection, request: request)
        switch context.pool.admit(job) {
        case .run:
            let context = self.context
            Task { await context.runHandlers(startingWith: job) }
            return false
        case .queued:
            return false
        case .rejected:
            connection.ownership.store(Connection.loopOwned, ordering: .relaxed)
            let body = Self.errorBody(code: "overloaded", message: "The server is busy; retry later.")
            let response = HTTPResponseSerializer.simpleResponse(
                .serviceUnavailable, headers: Self.jsonHeaders(retryAfter: context.retryAfter), body: body,
                keepAlive: connection.keepAlive)
            connection.closeAfterWrite = !connection.keepAlive
            connection.phase = .writing
            write(response, to: connection)
            if connection.isClosed || connection.outboundOffset < connection.outbound.count { return true }
            if connection.closeAfterWrite {
                beginLingering(connection)
            } else {
                connection.phase = .idle
                connection.hasPartialRequest = false
                connection.deadline = now &+ context.idleTimeout
            }
            return true
        }
    }

    private func respond(to error: HTTPParserError, on connection: Connection) {
        let body = Self.errorBody(code: error.code, message: error.message)
        let response = HTTPResponseSerializer.simpleResponse(
            error.status, headers: Self.jsonHeaders(retryAfter: nil), body: body, keepAlive: false)
        connection.pending.removeAll()
        connection.closeAfterWrite = true
        connection.requiresLinger = true
        connection.phase = .writing
        connection.deadline = now &+ context.writeTimeout
        write(response, to: connection)
        if !connection.isClosed && connection.outboundOffset == connection.outbound.count {
            responseWritten(connection)
        }
    }

    // MARK: Writing and resuming

    /// Writes now what the socket takes and keeps the rest for EPOLLOUT.
    private func write(_ bytes: [UInt8], to connection: Connection) {
        if connection.outboundOffset == connection.outbound.count {
            let written = bytes.withUnsafeBytes { connection.transmit($0) }
            if written < 0 {
                closeConnection(connection)
                return
            }
            if written == bytes.count { return }
            connection.outbound = Array(bytes[written...])
            connection.outboundOffset = 0
        } else {
            connection.outbound.append(contentsOf: bytes)
        }
        connection.deadline = now &+ context.writeTimeout
        if connection.phase != .body && connection.phase != .head { connection.phase = .writing }
    }

    private func flush(_ connection: Connection) {
        let written = connection.outbound.withUnsafeBytes {
            connection.transmit(UnsafeRawBufferPointer(rebasing: $0[connection.outboundOffset...]))
        }
        if written < 0 {
            closeConnection(connection)
            return
        }
        connection.outboundOffset += written
        guard connection.outboundOffset == connection.outbound.count else { return }
        connection.outbound.removeAll(keepingCapacity: false)
        connection.outboundOffset = 0
        if connection.phase == .writing { responseWritten(connection) }
    }

    private func completed(_ connection: Connection, remaining: [UInt8], keepAlive: Bool, failed: Bool) {
        connection.ownership.store(Connection.loopOwned, ordering: .relaxed)
        guard !connection.isClosed else { return }
        if failed {
            closeConnection(connection)
            return
        }
        connection.closeAfterWrite = !keepAlive || isDraining
        if remaining.isEmpty && connection.outboundOffset == connection.outbound.count {
            responseWritten(connection)
            return
        }
        connection.phase = .writing
        write(remaining, to: connection)
        if !connection.isClosed && connection.outboundOffset == connection.outbound.count {
            responseWritten(connection)
        }
    }

    /// The response is out: close, linger, or go back to reading the next request.
    private func responseWritten(_ connection: Connection) {
        if connection.closeAfterWrite {
            beginLingering(connection)
            return
        }
        connection.phase = .idle
        connection.hasPartialRequest = false
        connection.deadline = now &+ context.idleTimeout
        if isDraining {
            closeConnection(connection)
            return
        }
        if !connection.pending.isEmpty {
            connection.phase = .head
            connection.deadline = now &+ context.headerReadTimeout
            guard process(connection, UnsafeRawBufferPointer(start: nil, count: 0)) else { return }
            if connection.outboundOffset < connection.outbound.count { return }
        }
        if connection.peerClosed {
            closeConnection(connection)
            return
        }
        readAndProcess(connection)
    }

    /// Shuts the write side and discards input for a while, so that a client
    /// still sending reads our response instead of a connection reset.
    private func beginLingering(_ connection: Connection) {
        if connection.peerClosed || connection.tls != nil {
            closeConnection(connection)
            return
        }
        // After a complete exchange with nothing more sent, closing at once is safe.
        // After an error the client may still be sending, so it always gets the linger.
        if !connection.requiresLinger && connection.pending.isEmpty && !connection.mayHaveUnreadInput {
            switch connection.receive(into: scratch) {
            case .wouldBlock, .endOfStream, .failed:
                closeConnection(connection)
                return
            case .bytes:
                break
            }
        }
        shutdown(connection.fd, Int32(SHUT_WR))
        connection.phase = .lingering
        connection.deadline = now &+ context.lingerTimeout
        connection.pending.removeAll()
        readAndProcess(connection)
    }

    private func closeConnection(_ connection: Connection) {
        guard !connection.isClosed else { return }
        connections[connection.slot] = nil
        freeSlots.append(connection.slot)
        liveConnections -= 1
        if !connection.isCounted { excessConnections -= 1 }
        connection.abandon()
    }

    // MARK: Deadlines and shutdown

    private func scanDeadlines() {
        for case let connection? in connections {
            guard connection.ownership.load(ordering: .acquiring) == Connection.loopOwned else { continue }
            if isDraining && connection.phase == .idle && connection.pending.isEmpty {
                closeConnection(connection)
                continue
            }
            guard connection.deadline != 0, now >= connection.deadline else { continue }
            switch connection.phase {
            case .head, .body:
                if connection.hasPartialRequest {
                    let body = Self.errorBody(code: "request_timeout", message: "The request was not received in time.")
                    let response = HTTPResponseSerializer.simpleResponse(
                        .requestTimeout, headers: Self.jsonHeaders(retryAfter: nil), body: body, keepAlive: false)
                    _ = response.withUnsafeBytes { connection.transmit($0) }
                }
                closeConnection(connection)
            case .idle, .writing, .lingering, .handling:
                closeConnection(connection)
            }
        }
    }

    private func beginDraining(deadline: UInt64) {
        guard !isDraining else { return }
        isDraining = true
        drainDeadline = deadline
        if listenerFD >= 0 {
            SystemCalls.epollRemove(epollFD, listenerFD)
            close(listenerFD)
            listenerFD = -1
        }
        for case let connection? in connections
        where connection.ownership.load(ordering: .acquiring) == Connection.loopOwned
            && connection.phase == .idle && connection.pending.isEmpty
        {
            closeConnection(connection)
        }
        nextScan = now
    }

    /// Closes what is left and tells the server this loop is done.
    ///
    /// Order matters for connections a handler still holds: their clients are cut
    /// off while the mailbox still accepts, so the handler cannot have closed the
    /// descriptor yet; once the mailbox is closed a handler's hand-back fails and
    /// the handler closes the descriptor itself, and this loop never touches it again.
    private func finish() {
        for case let connection? in connections
        where connection.ownership.load(ordering: .acquiring) != Connection.loopOwned {
            shutdown(connection.fd, Int32(SHUT_RDWR))
        }
        let leftovers = mailbox.withLock { mailbox -> [Message] in
            mailbox.isClosed = true
            let messages = mailbox.messages
            mailbox.messages.removeAll()
            return messages
        }
        for case .completed(let connection, _, _, _) in leftovers {
            connection.ownership.store(Connection.loopOwned, ordering: .relaxed)
            closeConnection(connection)
        }
        for case let connection? in connections
        where connection.ownership.exchange(Connection.abandoned, ordering: .acquiringAndReleasing)
            == Connection.loopOwned
        {
            closeConnection(connection)
        }
        if listenerFD >= 0 {
            close(listenerFD)
            listenerFD = -1
        }
        close(epollFD)
        close(wakeFD)
        context.loopFinished()
    }

    // MARK: Canned responses

    static func errorBody(code: String, message: String) -> [UInt8] {
        Array(#"{"error":{"code":""#.utf8) + Array(code.utf8) + Array(#"","message":""#.utf8) + Array(message.utf8)
            + Array(#""}}"#.utf8)
    }

    static func jsonHeaders(retryAfter: Int?) -> HTTPHeaders {
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        if let retryAfter { headers.add("Retry-After", String(retryAfter)) }
        return headers
    }
}
