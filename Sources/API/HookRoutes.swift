import ControlPlane
import Foundation
import HTTP
import Ingest
import Mapping
import Middleware
import Webhooks

/// `POST /hooks/{tenant}/{source}`: canonical events signed per the Standard
/// Webhooks specification with the tenant's secret for that source.
///
/// The path names the tenant, but only a valid signature made with that
/// tenant's secret lets anything in: until then the request is unauthenticated
/// and learns nothing (an unknown tenant and a source without a secret get the
/// same 401). The `webhook-id` is the idempotency key. A source with a
/// deployed mapping takes the partner's own payload: it is mapped, then
/// ingested with the raw payload as lineage; a mapping error answers 422
/// with where it failed, and the payload is kept as a dead letter.
public struct HookRoutes: Sendable {
    let ingest: IngestService
    let mapped: MappedIngest?
    let secrets: WebhookSecretCache
    let tolerance: Duration
    let now: @Sendable () -> Date

    public init(
        ingest: IngestService, secrets: WebhookSecretCache, tolerance: Duration = .seconds(300),
        now: @escaping @Sendable () -> Date = Date.init, mapped: MappedIngest? = nil
    ) {
        self.ingest = ingest
        self.mapped = mapped
        self.secrets = secrets
        self.tolerance = tolerance
        self.now = now
    }

    public func register(on routes: inout some RouteRegistrar) throws {
        try routes.post("/hooks/:tenant/:source") { request in
            let (tenant, source) = try target(request)
            let keys = try await secrets.keys(tenant: tenant, source: source)
            let time = now()
            let verified = try StandardWebhooks.verify(
                headers: { request.headers[$0] }, body: request.body, keys: keys?.keys(at: time) ?? [], now: time,
                tolerance: tolerance)
            guard keys?.status == .active else {
                throw ControlPlaneError(
                    code: "tenant_suspended", message: "The tenant is suspended; its webhooks are refused.",
                    httpStatus: 403)
            }
            let context = IngestContext(
                ingress: .webhook, detail: source, requestID: request.context.requestID,
                traceparent: request.context[TraceContextKey.self]?.traceparent)
            if let mapped, let deployment = try await mapped.deployments.active(tenant: tenant, source: source) {
                do {
                    let answer = try await mapped.ingest(
                        body: request.body, contentType: request.headers["Content-Type"], deployment: deployment,
                        tenant: tenant, idempotencyKey: "webhook:\(source):\(verified.id)", context: context)
                    return .jsonText(answer.body, status: answer.status)
                } catch let error as MappingError {
                    return MappingErrorResponse.response(error, requestID: request.context.requestID)
                }
            }
            let answer = try await ingest.ingest(
                body: request.body, tenant: tenant, idempotencyKey: "webhook:\(source):\(verified.id)",
                context: context)
            return .jsonText(answer.body, status: answer.status)
        }
    }

    /// Malformed names are answered like a missing secret: 401, nothing revealed.
    private func target(_ request: HTTPRequest) throws -> (Slug, String) {
        guard let tenant = try? Slug(request.pathParameters["tenant"] ?? ""),
            let source = request.pathParameters["source"], WebhookSecret.isValidSource(source)
        else {
            throw WebhookVerificationError(
                .noSecret, "no webhook secret is configured for this tenant and source", header: nil)
        }
        return (tenant, source)
    }
}
