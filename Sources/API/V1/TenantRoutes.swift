import ControlPlane
import Foundation
import HTTP
import Telemetry

/// `/v1` routes for partners' tenants. Each handler asks ``Authorization``
/// once, with the object it is about to touch.
public struct TenantRoutes: Sendable {
    let service: TenantService
    let authorization: Authorization

    public init(service: TenantService, logger: Logger) {
        self.service = service
        self.authorization = Authorization(logger: logger)
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
