import ControlPlane
import Foundation
import HTTP
import Platform
import Telemetry

/// `/v1` routes for users: the caller's own organisation's (`/users`), a
/// partner's (`/partners/:partner/users`), a tenant's (`/tenants/:slug/users`),
/// and one user by id (`/users/:id`).
///
/// ``ControlPlane/AccessPolicy`` decides with the organisation the user
/// belongs to: the provider reaches every user, a partner its own and its
/// tenants' users, a tenant its own; anything else answers 404 as if it did
/// not exist. Changing users also needs `users:write` and, for a person's
/// token, the organisation's administrator role. The organisation is always
/// loaded and authorised before the body is read, so a body error never
/// confirms that another organisation's user exists.
public struct UserRoutes: Sendable {
    let service: TenantService
    let users: UserStore
    let authorization: Authorization
    let limits: PageParameters.Limits

    public init(service: TenantService, logger: Logger) {
        self.service = service
        self.users = UserStore(pool: service.pool)
        self.authorization = Authorization(logger: logger)
        self.limits = PageParameters.Limits()
    }

    // MARK: Bodies

    struct MoneyBody: Codable {
        let amount: String
        let currency: String

        func limit() throws -> ApprovalLimit { try ApprovalLimit(amount: amount, currency: currency) }
    }

    struct CreateUserBody: Decodable {
        let email: String
        let displayName: String
        let roles: [String]
        let approvalLimit: MoneyBody?

        enum CodingKeys: String, CodingKey {
            case email, roles
            case displayName = "display_name"
            case approvalLimit = "approval_limit"
        }
    }

    struct UpdateUserBody: Decodable {
        let displayName: String?
        let roles: [String]?
        /// Absent: unchanged; null: removed.
        let approvalLimit: MoneyBody??
        let status: String?

        enum CodingKeys: String, CodingKey {
            case roles, status
            case displayName = "display_name"
            case approvalLimit = "approval_limit"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            displayName = try container.decodeIfPresent(String.self, forKey: .displayName)
            roles = try container.decodeIfPresent([String].self, forKey: .roles)
            status = try container.decodeIfPresent(String.self, forKey: .status)
            if container.contains(.approvalLimit) {
                approvalLimit = .some(
                    try container.decodeNil(forKey: .approvalLimit)
                        ? nil : try container.decode(MoneyBody.self, forKey: .approvalLimit))
            } else {
                approvalLimit = nil
            }
        }

        func changes() throws -> UserChanges {
            var changes = UserChanges(displayName: displayName, roles: roles)
            if let approvalLimit { changes.approvalLimit = .some(try approvalLimit?.limit()) }
            if let status {
                guard let parsed = UserAccount.Status(rawValue: status) else {
                    throw ControlPlaneError.invalid("invalid_status", "status is active or disabled", field: "status")
                }
                changes.status = parsed
            }
            return changes
        }
    }

    struct UserBody: Encodable {
        let user: UserAccount

        enum CodingKeys: String, CodingKey {
            case id, email, roles, status, organization
            case displayName = "display_name"
            case approvalLimit = "approval_limit"
            case createdAt = "created_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(user.id.uuidString.lowercased(), forKey: .id)
            try container.encode(user.email, forKey: .email)
            try container.encode(user.displayName, forKey: .displayName)
            try container.encode(user.roles.map(\.rawValue), forKey: .roles)
            try container.encode(user.status.rawValue, forKey: .status)
            try container.encode(user.organization.description, forKey: .organization)
            try container.encode(
                user.approvalLimit.map { MoneyBody(amount: $0.amount, currency: $0.currency) }, forKey: .approvalLimit)
            try container.encode(user.createdAt, forKey: .createdAt)
        }
    }

    // MARK: Routes

    public func register(on routes: inout some RouteRegistrar) throws {
        try routes.get("/users") { request in
            let principal = try request.principal()
            return try await list(principal.organization, principal, request, notFound: HTTPError.notFound())
        }
        try routes.post("/users") { request in
            let principal = try request.principal()
            return try await create(principal.organization, principal, request, notFound: HTTPError.notFound())
        }
        try routes.get("/partners/:partner/users") { request in
            let (principal, partner) = try await visiblePartner(request)
            return try await list(
                .partner(partner), principal, request, notFound: ControlPlaneError.partnerNotFound(partner.value))
        }
        try routes.post("/partners/:partner/users") { request in
            let (principal, partner) = try await visiblePartner(request)
            return try await create(
                .partner(partner), principal, request, notFound: ControlPlaneError.partnerNotFound(partner.value))
        }
        try routes.get("/tenants/:slug/users") { request in
            let (principal, tenant) = try await visibleTenant(request)
            return try await list(
                .tenant(tenant.slug, partner: tenant.partnerSlug), principal, request,
                notFound: ControlPlaneError.tenantNotFound(tenant.slug.value))
        }
        try routes.post("/tenants/:slug/users") { request in
            let (principal, tenant) = try await visibleTenant(request)
            return try await create(
                .tenant(tenant.slug, partner: tenant.partnerSlug), principal, request,
                notFound: ControlPlaneError.tenantNotFound(tenant.slug.value))
        }
        try routes.get("/users/:id") { request in
            let (principal, user) = try await visibleUser(request)
            try authorization.require(
                .readUsers(of: user.organization), by: principal, for: request, notFound: Self.userNotFound())
            return try .json(UserBody(user: user))
        }
        try routes.patch("/users/:id") { request in
            let (principal, user) = try await visibleUser(request)
            try authorization.require(
                .manageUsers(of: user.organization), by: principal, for: request, notFound: Self.userNotFound())
            let changes = try request.decodeJSON(UpdateUserBody.self).changes()
            return try .json(UserBody(user: try await users.update(user.id, changes, actor: principal.actor)))
        }
        try routes.delete("/users/:id") { request in
            let (principal, user) = try await visibleUser(request)
            try authorization.require(
                .manageUsers(of: user.organization), by: principal, for: request, notFound: Self.userNotFound())
            return try .json(UserBody(user: try await users.delete(user.id, actor: principal.actor)))
        }
    }

    // MARK: Handlers shared by the three kinds of organisation

    private func list(
        _ organization: Principal.Organization, _ principal: Principal, _ request: HTTPRequest,
        notFound: @autoclosure () -> any CodedError
    ) async throws -> HTTPResponse {
        try authorization.require(.readUsers(of: organization), by: principal, for: request, notFound: notFound())
        let page = try PageParameters(request, list: "users", limits: limits)
        let (found, next) = try await users.list(in: organization, after: page.cursor, limit: page.limit)
        return try .json(ListPage(data: found.map(UserBody.init), nextCursor: next?.token))
    }

    private func create(
        _ organization: Principal.Organization, _ principal: Principal, _ request: HTTPRequest,
        notFound: @autoclosure () -> any CodedError
    ) async throws -> HTTPResponse {
        try authorization.require(.manageUsers(of: organization), by: principal, for: request, notFound: notFound())
        let body = try request.decodeJSON(CreateUserBody.self)
        let user = try await users.create(
            in: organization, email: body.email, displayName: body.displayName, roles: body.roles,
            approvalLimit: try body.approvalLimit?.limit(), actor: principal.actor)
        return try .json(UserBody(user: user), status: .created)
    }

    // MARK: Helpers

    /// The partner named in the path; it must exist, but its existence is
    /// only checked once the caller may see it.
    private func visiblePartner(_ request: HTTPRequest) async throws -> (Principal, Slug) {
        let principal = try request.principal()
        let slug: Slug
        do {
            slug = try Slug(try request.parameter("partner"))
        } catch let error as SlugError {
            throw HTTPError(.notFound, code: "not_found", message: error.message, field: "partner")
        }
        // Authorise first (a foreign partner is 404 whether or not it exists), then check that it does.
        try authorization.require(
            .readUsers(of: .partner(slug)), by: principal, for: request,
            notFound: ControlPlaneError.partnerNotFound(slug.value))
        _ = try await service.partner(slug)
        return (principal, slug)
    }

    /// The tenant named in the path, or 404 — also when it exists but belongs to someone else.
    private func visibleTenant(_ request: HTTPRequest) async throws -> (Principal, Tenant) {
        let principal = try request.principal()
        do {
            return (principal, try await service.tenant(try Slug(try request.parameter("slug"))))
        } catch let error as SlugError {
            throw HTTPError(.notFound, code: "not_found", message: error.message, field: "slug")
        }
    }

    /// The user named in the path; a malformed id is 404 like a missing user.
    private func visibleUser(_ request: HTTPRequest) async throws -> (Principal, UserAccount) {
        let principal = try request.principal()
        guard let id = UUID(uuidString: try request.parameter("id")) else { throw Self.userNotFound() }
        return (principal, try await users.user(id))
    }

    static func userNotFound() -> ControlPlaneError {
        ControlPlaneError(code: "user_not_found", message: "no such user", httpStatus: 404, field: "id")
    }
}
