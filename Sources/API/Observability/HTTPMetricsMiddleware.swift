import HTTP
import Metrics

/// Counts requests by method, route pattern and status, and times them.
///
/// Labelled by the pattern that answered (`/v1/runs/:id`), never the raw
/// path, so ids do not create series. ``HTTP/ErrorMiddleware`` sits inside
/// this one, so errors are counted with the status the client gets; their
/// responses were not made by a route, so they share the route label
/// `unmatched` with paths no route matched.
public struct HTTPMetricsMiddleware: HTTPMiddleware {
    let requests: CounterFamily
    let durations: HistogramFamily

    public init(registry: MetricsRegistry) throws {
        requests = try registry.counter(
            "countersign_http_requests_total", help: "HTTP requests answered, by method, route and status.",
            labelNames: ["method", "route", "status"])
        durations = try registry.histogram(
            "countersign_http_request_duration_seconds", help: "Time to answer HTTP requests, by method and route.",
            labelNames: ["method", "route"])
    }

    public func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        let start = ContinuousClock.now
        let response = try await next.respond(to: request)
        let route = response.route ?? "unmatched"
        // Handles are cheap to look up; a failure (a full family folds into `other`) never fails a request.
        try? requests.labels(request.method.rawValue, route, String(response.status.code)).increment()
        try? durations.labels(request.method.rawValue, route).observe(ContinuousClock.now - start)
        return response
    }
}
