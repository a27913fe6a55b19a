import Telemetry

/// Writes one log record per request once it is answered: method, path,
/// status, duration_ms, request_id and trace_id.
///
/// Only the path is logged, never the query string or headers, because those
/// carry tokens and signatures. Place it outside ``ErrorMiddleware`` so that
/// it records the status the client actually got; if something inside still
/// throws, the request is logged as 500 and the error passed on.
public struct AccessLogMiddleware<C: Clock>: HTTPMiddleware where C.Duration == Duration {
    private let logger: Logger
    private let level: LogLevel
    private let clock: C

    /// - Parameters:
    ///   - clock: measures durations; tests inject one they advance.
    public init(logger: Logger, level: LogLevel = .info, clock: C) {
        self.logger = logger
        self.level = level
        self.clock = clock
    }

    public func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        let start = clock.now
        do {
            let response = try await next.respond(to: request)
            record(request, status: response.status.code, elapsed: start.duration(to: clock.now))
            return response
        } catch {
            record(request, status: 500, elapsed: start.duration(to: clock.now))
            throw error
        }
    }

    private func record(_ request: HTTPRequest, status: Int, elapsed: Duration) {
        guard logger.isEnabled(level) else { return }
        logger.log(
            level, "request",
            metadata: [
                "method": request.method.rawValue,
                "path": request.path,
                "status": String(status),
                "duration_ms": DurationFormat.milliseconds(elapsed),
                "request_id": request.context.requestID,
                "trace_id": request.context.traceID,
            ])
    }
}

extension AccessLogMiddleware where C == ContinuousClock {
    public init(logger: Logger, level: LogLevel = .info) {
        self.init(logger: logger, level: level, clock: ContinuousClock())
    }
}

/// Adds `Server-Timing: app;dur=<ms>` so that browser dev tools and load
/// tests see how long the application took, apart from the network.
///
/// Optional: it tells callers how long each request took, which some
/// deployments would rather not reveal; the access log records it regardless.
public struct TimingMiddleware<C: Clock>: HTTPMiddleware where C.Duration == Duration {
    private let clock: C

    public init(clock: C) { self.clock = clock }

    public func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        let start = clock.now
        var response = try await next.respond(to: request)
        response.headers.add("Server-Timing", "app;dur=\(DurationFormat.milliseconds(start.duration(to: clock.now)))")
        return response
    }
}

extension TimingMiddleware where C == ContinuousClock {
    public init() { self.init(clock: ContinuousClock()) }
}

/// Milliseconds with microsecond precision (`12.345`), without Foundation's
/// formatters, which are slow enough to show on a hot path.
enum DurationFormat {
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micros = max(0, seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        let fraction = String(micros % 1000)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
