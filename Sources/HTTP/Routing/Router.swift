/// Dispatches requests by method and path pattern to handlers.
///
/// Patterns are literal segments, `:name` parameters (one segment) and a final
/// `*name` catch-all (the rest of the path). At each segment a literal wins over
/// a parameter, which wins over a catch-all. Empty segments are ignored, so
/// `/a//b/` matches `/a/b`.
///
/// Answers, by throwing ``HTTPError`` for ``ErrorMiddleware`` to render:
/// 404 when no pattern matches the path; 405 with `Allow` when one does but
/// not for this method. `HEAD` falls back to the `GET` handler (the server
/// sends the head without the body) and `OPTIONS` is answered automatically
/// with 204 and `Allow` unless routed explicitly.
///
/// A `Router` is a value: build it with `try router.get(...)` at start-up, then
/// hand it (usually behind a ``MiddlewareChain``) to the server.
public struct Router: HTTPResponder, RouteRegistrar {
    private var trie = RouteTrie()
    /// Every registered method and full pattern, in registration order; for
    /// checks such as "each route is documented in the OpenAPI file".
    public private(set) var routes: [(method: HTTPMethod, pattern: String)] = []

    public init() {}

    public mutating func add(
        _ method: HTTPMethod, _ pattern: String, middleware: [any HTTPMiddleware], responder: any HTTPResponder
    ) throws {
        let parsed = try RoutePattern(pattern)
        let wrapped: any HTTPResponder =
            middleware.isEmpty ? responder : MiddlewareChain(middleware, responder: responder)
        try trie.insert(method, parsed, responder: wrapped)
        routes.append((method: method, pattern: pattern))
    }

    public func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: true)
        guard let match = trie.match(segments) else { throw HTTPError.notFound() }
        let method = request.method
        guard let route = match.endpoints[method] ?? (method == .head ? match.endpoints[.get] : nil) else {
            let allowed = Self.allowedMethods(match.endpoints)
            if method == .options {
                return HTTPResponse(
                    status: .noContent, headers: ["Allow": allowed.map(\.rawValue).joined(separator: ", ")])
            }
            throw HTTPError.methodNotAllowed(method, allowed: allowed)
        }
        let names = route.pattern.parameterNames
        let catchAll = route.pattern.catchAllName
        if names.isEmpty && catchAll == nil {
            // The common static route: no copy of the request, no dictionary.
            var response = try await route.responder.respond(to: request)
            response.route = route.pattern.text
            return response
        }
        var routed = request
        var parameters: [String: String] = [:]
        parameters.reserveCapacity(names.count + 1)
        for (name, value) in zip(names, match.values) { parameters[name] = String(value) }
        if let catchAll { parameters[catchAll] = String(match.rest ?? "") }
        routed.pathParameters = parameters
        var response = try await route.responder.respond(to: routed)
        response.route = route.pattern.text
        return response
    }

    /// Methods for the `Allow` header: those routed, plus HEAD where GET is, plus OPTIONS.
    private static func allowedMethods(_ endpoints: RouteTrie.Endpoints) -> [HTTPMethod] {
        var methods = Set(endpoints.methods)
        if methods.contains(.get) { methods.insert(.head) }
        methods.insert(.options)
        return methods.sorted { $0.rawValue < $1.rawValue }
    }
}

/// Something routes can be added to: the ``Router`` itself or a ``RouteGroup``.
public protocol RouteRegistrar {
    /// Registers `responder` for `method` on `pattern`, behind `middleware`
    /// (first element outermost). Throws ``RouteConfigurationError`` for a
    /// malformed pattern or a method and path shape that is already routed.
    mutating func add(
        _ method: HTTPMethod, _ pattern: String, middleware: [any HTTPMiddleware], responder: any HTTPResponder
    ) throws
}

/// A handler as a closure.
public typealias RequestHandler = @Sendable (HTTPRequest) async throws -> HTTPResponse

extension RouteRegistrar {
    public mutating func add(
        _ method: HTTPMethod, _ pattern: String, middleware: [any HTTPMiddleware] = [],
        _ handler: @escaping RequestHandler
    ) throws {
        try add(method, pattern, middleware: middleware, responder: ClosureResponder(handler))
    }

    public mutating func get(
        _ pattern: String, middleware: [any HTTPMiddleware] = [], _ handler: @escaping RequestHandler
    ) throws {
        try add(.get, pattern, middleware: middleware, handler)
    }

    /// Serves `pattern` with a responder value, such as ``StaticFiles``.
    public mutating func get(
        _ pattern: String, middleware: [any HTTPMiddleware] = [], _ responder: any HTTPResponder
    ) throws {
        try add(.get, pattern, middleware: middleware, responder: responder)
    }

    public mutating func post(
        _ pattern: String, middleware: [any HTTPMiddleware] = [], _ handler: @escaping RequestHandler
    ) throws {
        try add(.post, pattern, middleware: middleware, handler)
    }

    public mutating func put(
        _ pattern: String, middleware: [any HTTPMiddleware] = [], _ handler: @escaping RequestHandler
    ) throws {
        try add(.put, pattern, middleware: middleware, handler)
    }

    public mutating func patch(
        _ pattern: String, middleware: [any HTTPMiddleware] = [], _ handler: @escaping RequestHandler
    ) throws {
        try add(.patch, pattern, middleware: middleware, handler)
    }

    public mutating func delete(
        _ pattern: String, middleware: [any HTTPMiddleware] = [], _ handler: @escaping RequestHandler
    ) throws {
        try add(.delete, pattern, middleware: middleware, handler)
    }

    /// Routes registered inside `build` get `prefix` in front of their pattern
    /// and `middleware` in front of their own, so that, say, every `/v1` route
    /// is authenticated while `/healthz` is not.
    public mutating func group(
        _ prefix: String, middleware: [any HTTPMiddleware] = [], _ build: (inout RouteGroup) throws -> Void
    ) throws {
        var group = RouteGroup()
        try build(&group)
        let trimmed = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        for route in group.routes {
            try add(
                route.method, trimmed + route.pattern, middleware: middleware + route.middleware,
                responder: route.responder)
        }
    }
}

/// Collects routes for ``RouteRegistrar/group(_:middleware:_:)``; they reach
/// the router, with the group's prefix and middleware, when the closure returns.
public struct RouteGroup: RouteRegistrar {
    fileprivate struct Pending {
        let method: HTTPMethod
        let pattern: String
        let middleware: [any HTTPMiddleware]
        let responder: any HTTPResponder
    }

    fileprivate var routes: [Pending] = []

    public mutating func add(
        _ method: HTTPMethod, _ pattern: String, middleware: [any HTTPMiddleware], responder: any HTTPResponder
    ) throws {
        // Checked here because the prefix would otherwise hide it: "/v1" + "tenants".
        guard pattern.hasPrefix("/") else {
            throw RouteConfigurationError(pattern: pattern, problem: "must start with '/'")
        }
        routes.append(Pending(method: method, pattern: pattern, middleware: middleware, responder: responder))
    }
}
