import ControlPlane
import Foundation
import HTTP
import Ingest
import Webhooks

/// `POST /hooks/{tenant}/{source}`: canonical events signed per the Standard
/// Webhooks specification with the tenant's secret for that source.
///
/// The path names the tenant, but only a valid signature made with that
/// tenant's secret lets anything in: until then the request is unauthenticated
/// and learns nothing (an unknown tenant and a source without a secret get the
/// same 401). The `webhook-id` is the idempotency key.
public struct HookRoutes: Sendable {
    let ingest: IngestService
    let secrets: WebhookSecretCache
    let tolerance: Duration
    let now: @Sendable () -> Date

    public init(
        ingest: IngestService, secrets: WebhookSecretCache, tolerance: Duration = .seconds(300),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.ingest = ingest
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
            let answer = try await ingest.ingest(
                body: request.body, tenant: tenant, idempotencyKey: "webhook:\(source):\(verified.id)",
                context: IngestContext(
                    ingress: .webhook, detail: source, requestID: request.context.requestID,
                    traceparent: request.context[TraceContextKey.self]?.traceparent))
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
