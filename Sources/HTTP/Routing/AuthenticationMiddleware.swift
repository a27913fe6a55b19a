/// The hook where credentials are checked: `authenticate` inspects the
/// request (API key, session cookie, signature) and returns it with the
/// principal stored in its context, or throws a ``CodedError`` (401/403).
///
/// The HTTP layer knows nothing of credentials; later modules supply the
/// closure, and handlers read the principal from the context with their own key.
public struct AuthenticationMiddleware: HTTPMiddleware {
    private let authenticate: @Sendable (HTTPRequest) async throws -> HTTPRequest

    public init(_ authenticate: @escaping @Sendable (HTTPRequest) async throws -> HTTPRequest) {
        self.authenticate = authenticate
    }

    public func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        try await next.respond(to: try await authenticate(request))
    }
}
