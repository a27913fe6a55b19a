import ControlPlane
import HTTP
import Platform
import Telemetry

/// Turns a bearer token into a ``ControlPlane/Principal``. Implemented by the
/// credential store; tests may supply their own.
public protocol Authenticator: Sendable {
    func authenticate(bearerToken: String, remoteAddress: String) async throws -> Principal
}

/// Where the authenticated principal travels with the request.
public enum PrincipalKey: RequestContextKey {
    public typealias Value = Principal
}

extension HTTPRequest {
    /// The caller, as authentication established it; 401 when the route was not authenticated.
    public func principal() throws -> Principal {
        guard let principal = context[PrincipalKey.self] else {
            throw HTTPError(.unauthorized, code: "unauthenticated", message: "This route needs an API key: Authorization: Bearer <key>.")
        }
        return principal
    }
}

/// `Authorization: Bearer <key>` → principal, or 401 with `WWW-Authenticate`.
public struct BearerAuthenticationMiddleware: HTTPMiddleware {
    private let authenticator: any Authenticator

    public init(authenticator: any Authenticator) { self.authenticator = authenticator }

    public func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        guard let header = request.headers["Authorization"], header.count > 7,
            header.prefix(7).lowercased() == "bearer "
        else {
            throw HTTPError(
                .unauthorized, code: "unauthenticated", message: "Send an API key as Authorization: Bearer <key>.",
                responseHeaders: ["WWW-Authenticate": "Bearer"])
        }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        var authenticated = request
        authenticated.context[PrincipalKey.self] = try await authenticator.authenticate(
            bearerToken: token, remoteAddress: request.remoteAddress)
        return try await next.respond(to: authenticated)
    }
}

/// Applies ``ControlPlane/AccessPolicy`` and turns a denial into the answer a
/// client may see: 404 for other organisations' objects (their existence is
/// not revealed), 403 for a missing scope. Every denial is logged.
public struct Authorization: Sendable {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func require(_ access: AccessRequest, by principal: Principal, for request: HTTPRequest, notFound: @autoclosure () -> any CodedError) throws {
        do {
            try AccessPolicy.authorize(principal, access)
        } catch {
            logger.warning(
                "access denied",
                metadata: [
                    "actor": principal.actor, "organization": principal.organization.description,
                    "reason": error.reason, "path": request.path, "request_id": request.context.requestID,
                ])
            if error.reason.hasPrefix("missing scope") {
                throw HTTPError(.forbidden, code: "insufficient_scope", message: "The API key lacks the \(error.reason.dropFirst("missing scope ".count)) scope.", field: "scope")
            }
            throw notFound()
        }
    }
}
