#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import Synchronization
import Telemetry

/// Countersign's HTTP/1.1 server: epoll event loops on threads of their own,
/// a strict incremental parser with limits, and handlers on Swift tasks.
///
/// ```swift
/// let server = HTTPServer(configuration: .init(port: 0), responder: router, logger: logger)
/// async let done: Void = server.run()
/// let port = try await server.listeningPort
/// // ...
/// server.shutdown(gracePeriod: .seconds(10))
/// try await done
/// ```
///
/// `run()` returns once the server has shut down: after ``shutdown(deadline:)``,
/// or when the task running it is cancelled (which shuts down with a 10 s grace
/// period). The server sets `Content-Length`, `Date` and `Connection`;
/// handlers never set framing. A handler that throws is answered with a 500
/// whose JSON body carries a request id, and the error is logged.
public final class HTTPServer: Sendable {
    public let configuration: Configuration
    private let responder: any HTTPResponder
    private let logger: Logger
    private let onListening: (@Sendable (Int) -> Void)?
    private let state = Mutex(State.idle(waiters: [], shutdownDeadline: nil))
    private let hasStarted = Atomic(false)

    private enum State {
        case idle(waiters: [CheckedContinuation<Int, any Error>], shutdownDeadline: UInt64?)
        case running(port: Int, loops: [EventLoop], context: ServerContext)
        case stopped(failure: HTTPServerError?)
    }

    /// - Parameters:
    ///   - responder: answers every request (usually the router with its middleware).
    ///   - logger: receives the `listening` line, handler failures and loop trouble.
    ///   - onListening: called with the bound port once connections are accepted.
    public init(
        configuration: Configuration = Configuration(), responder: any HTTPResponder, logger: Logger = .disabled,
        onListening: (@Sendable (Int) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
        self.onListening = onListening
    }

    /// The bound port, once the server accepts connections; waits until then.
    /// Throws if the server failed to start or stopped before it listened.
    public var listeningPort: Int {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let immediate: Result<Int, HTTPServerError>? = state.withLock { state in
                    switch state {
                    case .idle(var waiters, let deadline):
                        waiters.append(continuation)
                        state = .idle(waiters: waiters, shutdownDeadline: deadline)
                        return nil
                    case .running(let port, _, _):
                        return .success(port)
                    case .stopped(let failure):
                        return .failure(
                            failure ?? HTTPServerError(code: "server_stopped", message: "the server is not running"))
                    }
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        }
    }

    /// Binds, serves, and returns when the server has shut down.
    ///
    /// - Throws: ``HTTPServerError`` when the address cannot be bound or TLS
    ///   cannot be set up; nothing once serving has begun.
    public func run() async throws {
        // A peer that vanishes mid-write must cost an error code, not the process.
        signal(SIGPIPE, SIG_IGN)
        let context: ServerContext
        let loops: [EventLoop]
        let port: Int
        do {
            (context, loops, port) = try start()
        } catch let error as HTTPServerError {
            if error.code != "already_started" { fail(error) }
            throw error
        } catch {
            let wrapped = HTTPServerError(code: "start_failed", message: "\(error)")
            fail(wrapped)
            throw wrapped
        }
        let pendingShutdown: UInt64? = state.withLock { state in
            var pending: UInt64?
            if case .idle(let waiters, let deadline) = state {
                for waiter in waiters { waiter.resume(returning: port) }
                pending = deadline
            }
            state = .running(port: port, loops: loops, context: context)
            return pending
        }
        for loop in loops {
            let thread = Thread { loop.run() }
            thread.name = "http-loop-\(loop.index)"
            thread.stackSize = 4 << 20
            thread.start()
        }
        logger.info(
            "listening",
            metadata: [
                "host": configuration.host, "port": String(port), "event_loops": String(loops.count),
                "tls": configuration.tls == nil ? "off" : "on",
            ])
        onListening?(port)
        if let pendingShutdown { drain(loops: loops, context: context, deadline: pendingShutdown) }

        await withTaskCancellationHandler {
            await context.waitUntilFinished()
        } onCancel: {
            self.shutdown(gracePeriod: .seconds(10))
        }
        state.withLock { $0 = .stopped(failure: nil) }
    }

    /// Stops accepting, lets requests in flight finish until `deadline`, then
    /// closes every connection. Returns at once; ``run()`` returns when done.
    public func shutdown(deadline: ContinuousClock.Instant) {
        let remaining = ContinuousClock.now.duration(to: deadline)
        let monotonicDeadline = MonotonicClock.now() &+ (remaining > .zero ? remaining.nanoseconds : 0)
        let running: (loops: [EventLoop], context: ServerContext)? = state.withLock { state in
            switch state {
            case .idle(let waiters, let existing):
                state = .idle(waiters: waiters, shutdownDeadline: min(existing ?? UInt64.max, monotonicDeadline))
                return nil
            case .running(_, let loops, let context):
                return (loops, context)
            case .stopped:
                return nil
            }
        }
        if let running { drain(loops: running.loops, context: running.context, deadline: monotonicDeadline) }
    }

    /// ``shutdown(deadline:)`` with a deadline `gracePeriod` from now.
    public func shutdown(gracePeriod: Duration = .seconds(10)) {
        shutdown(deadline: ContinuousClock.now.advanced(by: gracePeriod))
    }

    private func drain(loops: [EventLoop], context: ServerContext, deadline: UInt64) {
        context.beginDraining()
        for loop in loops { _ = loop.post(.drain(deadline: deadline)) }
    }

    private func fail(_ error: HTTPServerError) {
        state.withLock { state in
            if case .idle(let waiters, _) = state {
                for waiter in waiters { waiter.resume(throwing: error) }
            }
            state = .stopped(failure: error)
        }
    }

    private func start() throws -> (ServerContext, [EventLoop], Int) {
        if hasStarted.exchange(true, ordering: .relaxed) {
            throw HTTPServerError(code: "already_started", message: "run() was called twice")
        }
        let loopCount = max(1, configuration.eventLoopCount)
        let tlsContext = try configuration.tls.map { try TLSContext(configuration: $0) }
        let context = ServerContext(
            configuration: configuration, responder: responder, logger: logger, tlsContext: tlsContext,
            loopCount: loopCount)
        var listeners: [Int32] = []
        var loops: [EventLoop] = []
        do {
            var port = configuration.port
            for index in 0..<loopCount {
                let fd = try Socket.makeListener(
                    host: configuration.host, port: port, reusePort: true, backlog: configuration.backlog)
                listeners.append(fd)
                if index == 0 { port = Socket.localPort(fd) }
            }
            for (index, fd) in listeners.enumerated() {
                loops.append(try EventLoop(index: index, listenerFD: fd, context: context))
            }
            return (context, loops, port)
        } catch {
            for fd in listeners { close(fd) }
            throw error
        }
    }
}

/// What every loop and handler task of one server shares.
final class ServerContext: Sendable {
    let configuration: HTTPServer.Configuration
    let responder: any HTTPResponder
    let logger: Logger
    let pool: HandlerPool
    let tlsContext: TLSContext?
    let headerReadTimeout: UInt64
    let bodyReadTimeout: UInt64
    let idleTimeout: UInt64
    let writeTimeout: UInt64
    let lingerTimeout: UInt64
    let retryAfter: Int

    private let openConnections = Atomic<Int>(0)
    private let draining = Atomic<Bool>(false)
    private let runningLoops: Atomic<Int>
    private let completion = Mutex<(finished: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    init(
        configuration: HTTPServer.Configuration, responder: any HTTPResponder, logger: Logger, tlsContext: TLSContext?,
        loopCount: Int
    ) {
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
        self.tlsContext = tlsContext
        pool = HandlerPool(
            maxConcurrent: configuration.handlers.maxConcurrent, queueCapacity: configuration.handlers.queueCapacity)
        let timeouts = configuration.timeouts
        headerReadTimeout = max(timeouts.headerRead.nanoseconds, 1_000_000)
        bodyReadTimeout = max(timeouts.bodyRead.nanoseconds, 1_000_000)
        idleTimeout = max(timeouts.idle.nanoseconds, 1_000_000)
        writeTimeout = max(timeouts.write.nanoseconds, 1_000_000)
        lingerTimeout = max(timeouts.linger.nanoseconds, 1_000_000)
        retryAfter = max(0, configuration.handlers.retryAfterSeconds)
        runningLoops = Atomic(loopCount)
    }

    var isDraining: Bool { draining.load(ordering: .relaxed) }

    func beginDraining() { draining.store(true, ordering: .sequentiallyConsistent) }

    /// Counts a new connection; false when it is one too many (it is then not counted).
    func connectionOpened() -> Bool {
        let count = openConnections.wrappingAdd(1, ordering: .relaxed).newValue
        if count > configuration.maxConnections {
            openConnections.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func connectionClosed() { openConnections.wrappingSubtract(1, ordering: .relaxed) }

    var connectionCount: Int { openConnections.load(ordering: .relaxed) }

    /// Runs handlers on this task until the pool's queue is empty.
    func runHandlers(startingWith first: HandlerPool.Job) async {
        var job = first
        while true {
            await job.connection.respond(to: job.request, context: self)
            guard let next = pool.next() else { return }
            job = next
        }
    }

    /// The last line of defence: a handler threw something no middleware mapped.
    /// The body names a request id and nothing of the error itself.
    func internalErrorResponse(for request: HTTPRequest, error: any Error) -> HTTPResponse {
        let requestID =
            Self.isSafeIdentifier(request.context.requestID) ? request.context.requestID : Self.makeRequestID()
        logger.error(
            "request handler failed",
            metadata: [
                "request_id": requestID, "method": request.method.rawValue, "path": request.path,
                "error": String(describing: error), "error_type": String(reflecting: type(of: error)),
            ])
        let body =
            #"{"error":{"code":"internal_error","message":"The server could not complete the request.","request_id":""#
            + requestID + #""}}"#
        return HTTPResponse(
            status: .internalServerError,
            headers: ["Content-Type": "application/json", "X-Request-Id": requestID],
            body: Array(body.utf8))
    }

    static func makeRequestID() -> String {
        var generator = SystemRandomNumberGenerator()
        var digits = ""
        for _ in 0..<2 {
            let half = String(generator.next() as UInt64, radix: 16)
            digits += String(repeating: "0", count: 16 - half.utf8.count) + half
        }
        return digits
    }

    private static func isSafeIdentifier(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= 128 else { return false }
        return id.utf8.allSatisfy { ByteClass.isToken($0) && $0 != 0x22 && $0 != 0x5C }
    }

    func loopFinished() {
        guard runningLoops.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
        let waiter = completion.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    func waitUntilFinished() async {
        await withCheckedContinuation { continuation in
            let finished = completion.withLock { state -> Bool in
                if state.finished { return true }
                state.waiter = continuation
                return false
            }
            if finished { continuation.resume() }
        }
    }
}
