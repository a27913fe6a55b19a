/// Code that runs around a responder: it may change the request, answer
/// early, or change the response (request ids, logging, authentication).
public protocol HTTPMiddleware: Sendable {
    func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse
}

/// Middleware in front of a responder, the first element outermost.
///
/// The links are built once, here, so a request pays one call per
/// middleware and no allocation for the chain itself.
public struct MiddlewareChain: HTTPResponder {
    private let entry: any HTTPResponder

    public init(_ middleware: [any HTTPMiddleware], responder: any HTTPResponder) {
        var next = responder
        for item in middleware.reversed() { next = Link(middleware: item, next: next) }
        entry = next
    }

    public func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        try await entry.respond(to: request)
    }

    private struct Link: HTTPResponder {
        let middleware: any HTTPMiddleware
        let next: any HTTPResponder

        func respond(to request: HTTPRequest) async throws -> HTTPResponse {
            try await middleware.respond(to: request, next: next)
        }
    }
}

extension HTTPResponder {
    /// This responder behind `middleware`, the first element outermost.
    public func withMiddleware(_ middleware: [any HTTPMiddleware]) -> MiddlewareChain {
        MiddlewareChain(middleware, responder: self)
    }
}

/// Adapts a closure to ``HTTPMiddleware``, for one-off middleware and tests.
public struct ClosureMiddleware: HTTPMiddleware {
    private let body: @Sendable (HTTPRequest, any HTTPResponder) async throws -> HTTPResponse

    public init(_ body: @escaping @Sendable (HTTPRequest, any HTTPResponder) async throws -> HTTPResponse) {
        self.body = body
    }

    public func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        try await body(request, next)
    }
}
