import ControlPlane
import HTTP
import Platform
import Synchronization
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
/// not revealed), 403 for a missing scope or role. Every denial is logged and
/// counted (``deniedCount(_:)``), per reason, for the metrics exporter.
public struct Authorization: Sendable {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    /// Denials since the process started, for `kind`; monotonic, process-wide.
    public static func deniedCount(_ kind: AccessPolicy.Denied.Kind) -> Int {
        DenialCounters.shared.count(kind)
    }

    public func require(_ access: AccessRequest, by principal: Principal, for request: HTTPRequest, notFound: @autoclosure () -> any CodedError) throws {
        do {
            try AccessPolicy.authorize(principal, access)
        } catch {
            DenialCounters.shared.record(error.kind)
            logger.warning(
                "access denied",
                metadata: [
                    "actor": principal.actor, "organization": principal.organization.description,
                    "reason": error.reason, "denial": error.kind.rawValue, "path": request.path,
                    "request_id": request.context.requestID,
                ])
            switch error.kind {
            case .missingScope:
                throw HTTPError(.forbidden, code: "insufficient_scope", message: "The API key lacks the \(error.reason.dropFirst("missing scope ".count)) scope.", field: "scope")
            case .missingRole:
                throw HTTPError(.forbidden, code: "insufficient_role", message: "Not permitted: \(error.reason).")
            case .otherOrganization:
                throw notFound()
            }
        }
    }
}

/// One lock-free counter per denial kind: denials are counted on the request
/// path, so recording must not contend.
final class DenialCounters: Sendable {
    static let shared = DenialCounters()

    private let otherOrganization = Atomic<Int>(0)
    private let missingScope = Atomic<Int>(0)
    private let missingRole = Atomic<Int>(0)

    func record(_ kind: AccessPolicy.Denied.Kind) {
        switch kind {
        case .otherOrganization: otherOrganization.add(1, ordering: .relaxed)
        case .missingScope: missingScope.add(1, ordering: .relaxed)
        case .missingRole: missingRole.add(1, ordering: .relaxed)
        }
    }

    func count(_ kind: AccessPolicy.Denied.Kind) -> Int {
        switch kind {
        case .otherOrganization: otherOrganization.load(ordering: .relaxed)
        case .missingScope: missingScope.load(ordering: .relaxed)
        case .missingRole: missingRole.load(ordering: .relaxed)
        }
    }
}
