import ControlPlane
import Foundation
import HTTP
import Rendering

/// Tenant admins' webhook signing secrets per source (`/hooks/{tenant}/{source}`).
/// Rotating goes through ``WebhookSecretStore/create(tenant:source:overlap:actor:)``
/// as `POST /v1/tenants/{slug}/webhook-secrets` does: the new secret is shown
/// once, and the previous one is still accepted during the overlap, so the
/// sending system can switch without losing messages.
struct WebhookSecretPages: Sendable {
    let portal: Portal

    func list(_ request: PortalRequest) async throws -> HTTPResponse {
        try await listPage(request, source: "", error: nil, status: .ok)
    }

    func rotate(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, tenant, store) = try await requireAdmin(request)
        let form = try Portal.form(request.request)
        try request.requireCSRF(form)
        let source = (form["source"] ?? "").trimmingCharacters(in: .whitespaces)
        guard let hours = CredentialPages.overlapHours(form["overlap_hours"]) else {
            return try await listPage(
                request, source: source, error: "The overlap is 0 to \(CredentialPages.maximumOverlapHours) hours.",
                status: .unprocessableContent)
        }
        let existed = try await store.sources(tenant: tenant.slug).contains { $0.source == source }
        let secret: WebhookSecret
        do {
            secret = try await store.create(
                tenant: tenant.slug, source: source, overlap: .seconds(hours * 3_600), actor: user.principal.actor)
        } catch let error as ControlPlaneError where error.httpStatus < 500 {
            return try await listPage(request, source: source, error: error.message, status: HTTPStatus(code: error.httpStatus))
        }
        // As stored: a second rotation within an overlap never extends the older secret's life.
        let until = try await store.sources(tenant: tenant.slug).first { $0.source == source }?.previousValidUntil
        return try portal.render(
            "secret_issued", request, title: "Webhook secret", status: .created,
            page: [
                "heading": .string(existed ? "Secret for \(source) rotated" : "Secret for \(source) created"),
                "label": .string("Signing secret"), "secret": .string(secret.reveal()),
                "facts": .list([
                    CredentialPages.fact("Source", source),
                    CredentialPages.fact("Webhook address", "/hooks/\(tenant.slug.value)/\(source)"),
                    CredentialPages.fact(
                        "The previous secret is accepted until",
                        until.map(portal.dates(for: request).dateTime) ?? (existed ? "now" : "there was none")),
                ]),
                "back_href": "/settings/webhook-secrets", "back_label": "Back to webhook secrets",
            ])
    }

    private func listPage(_ request: PortalRequest, source: String, error: String?, status: HTTPStatus) async throws
        -> HTTPResponse
    {
        let (_, tenant, store) = try await requireAdmin(request)
        let dates = portal.dates(for: request)
        let sources: [ViewValue] = try await store.sources(tenant: tenant.slug).map { summary in
            [
                "source": .string(summary.source), "since": .string(dates.dateTime(summary.currentSince)),
                "overlap_until": .string(summary.previousValidUntil.map(dates.dateTime) ?? ""),
                "address": .string("/hooks/\(tenant.slug.value)/\(summary.source)"),
            ]
        }
        return try portal.render(
            "webhook_secrets", request, title: "Webhook secrets", status: status,
            page: [
                "sources": .list(sources), "default_overlap": .int(CredentialPages.defaultOverlapHours),
                "source_field": try FormField(
                    name: "source", label: "Source", value: source, isRequired: true,
                    hint: "Lower-case letters, digits, - and _, e.g. erp. The system that signs with this secret.",
                    error: error, id: "new-source"
                ).viewValue,
            ])
    }

    private func requireAdmin(_ request: PortalRequest) async throws -> (SessionStore.SignedIn, Tenant, WebhookSecretStore) {
        let (user, slug) = try request.requireTenantUser()
        try EventPages.require(user, "secrets:write")
        guard let service = portal.dependencies.service else {
            throw PortalError(status: 503, code: "secrets_unavailable", message: "Webhook secrets are not available on this server.")
        }
        let tenant = try await service.tenant(slug)
        try CredentialPages.authorize(user.principal, .writeWebhookSecrets(of: tenant))
        return (user, tenant, WebhookSecretStore(pool: portal.dependencies.control, keyRing: service.keyRing))
    }
}
