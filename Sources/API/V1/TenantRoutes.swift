import ControlPlane
import Foundation
import HTTP
import Telemetry

/// `/v1` routes for partners' tenants. Each handler asks ``Authorization``
/// once, with the object it is about to touch.
///
/// Deleting a tenant drops its schema and role and cannot be undone, so it
/// takes two calls: `POST /tenants/:slug/deletion` returns a one-time
/// confirmation token, and `DELETE /tenants/:slug` with that token (header
/// `Countersign-Confirmation` or body `{"confirmation": …}`) within
/// `deletionConfirmationValidity` deletes.
public struct TenantRoutes: Sendable {
    let service: TenantService
    let authorization: Authorization
    /// How long a deletion confirmation token is accepted. Default 10 minutes.
    let deletionConfirmationValidity: Duration

    public init(service: TenantService, logger: Logger, deletionConfirmationValidity: Duration = .seconds(600)) {
        self.service = service
        self.authorization = Authorization(logger: logger)
        self.deletionConfirmationValidity = deletionConfirmationValidity
    }

    struct DeletionConfirmationBody: Codable {
        let confirmation: String
        var expiresInSeconds: Int?

        enum CodingKeys: String, CodingKey {
            case confirmation
            case expiresInSeconds = "expires_in_seconds"
        }
    }

    struct CreateTenantBody: Decodable {
        let slug: String
        let legalName: String

        enum CodingKeys: String, CodingKey {
            case slug
            case legalName = "legal_name"
        }
    }

    struct TenantBody: Encodable {
        /// Lowercase, as RFC 9562 recommends and PostgreSQL prints it.
        let id: String
        let slug: String
        let partner: String
        let legalName: String
        let status: String
        let createdAt: Date

        init(_ tenant: Tenant) {
            id = tenant.id.uuidString.lowercased()
            slug = tenant.slug.value
            partner = tenant.partnerSlug.value
            legalName = tenant.legalName
            status = tenant.status.rawValue
            createdAt = tenant.createdAt
        }

        enum CodingKeys: String, CodingKey {
            case id, slug, partner, status
            case legalName = "legal_name"
            case createdAt = "created_at"
        }
    }

    struct TenantList: Encodable {
        let data: [TenantBody]
    }

    public func register(on routes: inout some RouteRegistrar) throws {
        try routes.get("/partners/:partner/tenants") { request in
            let principal = try request.principal()
            let partner = try slug(request, "partner")
            try authorization.require(.readPartner(partner), by: principal, for: request, notFound: ControlPlaneError.partnerNotFound(partner.value))
            _ = try await service.partner(partner)
            let tenants = try await service.listTenants(partner: partner)
            return try .json(TenantList(data: tenants.map(TenantBody.init)))
        }
        try routes.post("/partners/:partner/tenants") { request in
            let principal = try request.principal()
            let partner = try slug(request, "partner")
            try authorization.require(.manageTenants(ofPartner: partner), by: principal, for: request, notFound: ControlPlaneError.partnerNotFound(partner.value))
            let body = try request.decodeJSON(CreateTenantBody.self)
            let tenant = try await service.createTenant(
                partner: partner, slug: try Slug(body.slug), legalName: body.legalName, actor: principal.actor)
            return try .json(TenantBody(tenant), status: .created)
        }
        try routes.get("/tenants/:slug") { request in
            let (principal, tenant) = try await visibleTenant(request)
            try authorization.require(.readTenant(tenant), by: principal, for: request, notFound: ControlPlaneError.tenantNotFound(tenant.slug.value))
            return try .json(TenantBody(tenant))
        }
        for (action, verb) in [("suspend", TenantService.suspend), ("resume", TenantService.resume)] {
            try routes.post("/tenants/:slug/\(action)") { request in
                let (principal, tenant) = try await visibleTenant(request)
                try authorization.require(.manageTenant(tenant), by: principal, for: request, notFound: ControlPlaneError.tenantNotFound(tenant.slug.value))
                return try .json(TenantBody(try await verb(service)(tenant.slug, principal.actor)))
            }
        }
        try routes.post("/tenants/:slug/deletion") { request in
            let (principal, tenant) = try await visibleTenant(request)
            try authorization.require(.manageTenant(tenant), by: principal, for: request, notFound: ControlPlaneError.tenantNotFound(tenant.slug.value))
            guard tenant.status != .deleted else {
                throw ControlPlaneError.conflict("invalid_tenant_state", "tenant '\(tenant.slug)' is already deleted")
            }
            let token = try await service.requestDeletion(tenant.slug, actor: principal.actor)
            return try .json(
                DeletionConfirmationBody(
                    confirmation: token, expiresInSeconds: Int(deletionConfirmationValidity.components.seconds)),
                status: .created, headers: ["Cache-Control": "no-store"])
        }
        try routes.delete("/tenants/:slug") { request in
            let (principal, tenant) = try await visibleTenant(request)
            try authorization.require(.manageTenant(tenant), by: principal, for: request, notFound: ControlPlaneError.tenantNotFound(tenant.slug.value))
            let confirmation = try request.headers["Countersign-Confirmation"]
                ?? (request.body.isEmpty ? nil : request.decodeJSON(DeletionConfirmationBody.self).confirmation)
            guard let confirmation, !confirmation.isEmpty else {
                throw ControlPlaneError.invalid(
                    "confirmation_required",
                    "send the token from POST /v1/tenants/\(tenant.slug)/deletion as Countersign-Confirmation",
                    field: "confirmation")
            }
            try await service.delete(
                tenant.slug, confirmation: confirmation, actor: principal.actor, validity: deletionConfirmationValidity)
            return try .json(TenantBody(try await service.tenant(tenant.slug)))
        }
    }

    /// The tenant named in the path, or 404 — also when it exists but belongs to someone else.
    private func visibleTenant(_ request: HTTPRequest) async throws -> (Principal, Tenant) {
        let principal = try request.principal()
        let name = try slug(request, "slug")
        let tenant = try await service.tenant(name)
        return (principal, tenant)
    }

    private func slug(_ request: HTTPRequest, _ parameter: String) throws -> Slug {
        do {
            return try Slug(try request.parameter(parameter))
        } catch let error as SlugError {
            throw HTTPError(.notFound, code: "not_found", message: error.message, field: parameter)
        }
    }
}
