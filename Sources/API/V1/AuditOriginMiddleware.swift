import ControlPlane
import HTTP

/// Binds the request's origin (peer address, request id, trace id) as
/// ``ControlPlane/AuditOrigin/current`` while the route runs, so that every
/// audit entry a `/v1` change writes records where it came from — whichever
/// store writes it.
///
/// The peer address is the socket's, not a forwarded header: behind a proxy
/// it is the proxy's, which is what can be proven; a client-supplied
/// `X-Forwarded-For` would let any caller write a chosen address into the log.
public struct AuditOriginMiddleware: HTTPMiddleware {
    public init() {}

    public func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        let origin = AuditOrigin(
            sourceIP: request.remoteAddress, requestID: request.context.requestID, traceID: request.context.traceID)
        return try await AuditOrigin.$current.withValue(origin) {
            try await next.respond(to: request)
        }
    }
}
