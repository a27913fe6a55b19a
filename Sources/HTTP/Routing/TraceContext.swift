import Telemetry

/// The request's ``TraceContext``, set by ``TraceContextMiddleware``.
public enum TraceContextKey: RequestContextKey {
    public typealias Value = TraceContext
}

/// Continues the caller's W3C trace (or starts one), stores it in the
/// request context (`context.traceID` and ``TraceContextKey``), makes it the
/// task's ``TraceContext/current`` so every log line of the request carries
/// it, and answers with a `traceparent` naming this server's span.
public struct TraceContextMiddleware: HTTPMiddleware {
    public init() {}

    public func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        var request = request
        // Several traceparent fields are ambiguous; the specification says to start afresh.
        let incoming = request.headers.values("traceparent")
        let continued =
            incoming.count == 1
            ? TraceContext.continuing(traceparent: incoming[0], traceState: request.headers["tracestate"]) : nil
        let trace = continued ?? TraceContext.start()
        request.context.traceID = trace.traceID
        request.context[TraceContextKey.self] = trace
        var response = try await TraceContext.$current.withValue(trace) { [request] in
            try await next.respond(to: request)
        }
        response.headers.set("traceparent", trace.traceparent)
        return response
    }
}
