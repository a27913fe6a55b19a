import ControlPlane
import Foundation
import HTTP
import Platform
import Telemetry

/// `/v1` routes for a tenant's API keys and webhook signing secrets.
///
/// Each handler loads the tenant (and, for one key, that key within the
/// tenant) and asks ``Authorization`` once with it: another organisation's
/// tenant answers 404 as if it did not exist, a missing scope 403. Secrets
/// appear in exactly two responses, the creation and rotation of a key and
/// the creation of a webhook secret; every other answer carries prefixes
/// and metadata only.
public struct CredentialRoutes: Sendable {
    /// Limits on request values; every limit is configuration.
    public struct Configuration: Sendable {
        /// Longest webhook secret overlap. Default 30 days, as for API keys.
        public var maximumSecretOverlapSeconds: Int = 30 * 24 * 3600
        /// Webhook secret overlap when the body gives none. Default one day.
        public var defaultSecretOverlapSeconds: Int = 86_400
        /// Longest key name. Default 200 characters.
        public var maximumNameLength: Int = 200
        public init() {}
    }

    let service: TenantService
    let credentials: CredentialStore
    let webhookSecrets: WebhookSecretStore
    let authorization: Authorization
    let configuration: Configuration
    let now: @Sendable () -> Date

    public init(
        service: TenantService, credentials: CredentialStore, webhookSecrets: WebhookSecretStore, logger: Logger,
        configuration: Configuration = Configuration(), now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.service = service
        self.credentials = credentials
        self.webhookSecrets = webhookSecrets
        self.authorization = Authorization(logger: logger)
        self.configuration = configuration
        self.now = now
    }

    // MARK: Bodies

    struct CreateCredentialBody: Decodable {
        let scopes: [String]
        let ipAllow: [String]?
        let expiresAt: Date?
        let name: String?

        enum CodingKeys: String, CodingKey {
            case scopes, name
            case ipAllow = "ip_allow"
            case expiresAt = "expires_at"
        }
    }

    struct RotateCredentialBody: Decodable {
        let overlapSeconds: Int

        enum CodingKeys: String, CodingKey { case overlapSeconds = "overlap_seconds" }
    }

    struct CreateWebhookSecretBody: Decodable {
        let source: String
        let overlapSeconds: Int?

        enum CodingKeys: String, CodingKey {
            case source
            case overlapSeconds = "overlap_seconds"
        }
    }

    /// A key's metadata; `key` only in the one response that creates it.
    struct CredentialBody: Encodable {
        let summary: CredentialSummary
        var key: String?
        /// On rotation: the replaced key and when it stops working.
        var replaces: String?
        var replacedKeyValidUntil: Date?

        enum CodingKeys: String, CodingKey {
            case id, prefix, name, scopes, key, replaces
            case ipAllow = "ip_allow"
            case createdAt = "created_at"
            case expiresAt = "expires_at"
            case lastUsedAt = "last_used_at"
            case revokedAt = "revoked_at"
            case replacedBy = "replaced_by"
            case validUntil = "valid_until"
            case replacedKeyValidUntil = "replaced_key_valid_until"
        }

        /// Metadata fields are always present (null when unset), so clients
        /// see one shape; the secret fields only when there is something to show.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(summary.id.uuidString.lowercased(), forKey: .id)
            try container.encode(summary.prefix, forKey: .prefix)
            try container.encode(summary.name, forKey: .name)
            try container.encode(summary.scopes.names, forKey: .scopes)
            try container.encode(summary.ipAllowList.storedValues, forKey: .ipAllow)
            try container.encode(summary.createdAt, forKey: .createdAt)
            try container.encode(summary.expiresAt, forKey: .expiresAt)
            try container.encode(summary.lastUsedAt, forKey: .lastUsedAt)
            try container.encode(summary.revokedAt, forKey: .revokedAt)
            try container.encode(summary.replacedBy, forKey: .replacedBy)
            try container.encode(summary.validUntil, forKey: .validUntil)
            try container.encodeIfPresent(key, forKey: .key)
            try container.encodeIfPresent(replaces, forKey: .replaces)
            try container.encodeIfPresent(replacedKeyValidUntil, forKey: .replacedKeyValidUntil)
        }
    }

    struct CredentialList: Encodable {
        let data: [CredentialBody]
    }

    struct WebhookSecretBody: Encodable {
        let secret: String
        let source: String
    }

    // MARK: Routes

    public func register(on routes: inout some RouteRegistrar) throws {
        try routes.get("/tenants/:slug/credentials") { request in
            let (principal, tenant) = try await visibleTenant(request)
            try authorization.require(
                .readCredentials(of: tenant), by: principal, for: request,
                notFound: ControlPlaneError.tenantNotFound(tenant.slug.value))
            let keys = try await credentials.list(owner: .tenant(tenant.slug))
            return try .json(CredentialList(data: keys.map { CredentialBody(summary: $0) }))
        }
        try routes.post("/tenants/:slug/credentials") { request in
            let (principal, tenant) = try await visibleTenant(request)
            // The scopes are part of what is authorised (no key may exceed its
            // issuer's), so the body is read first; its errors are reported
            // only after authorization, so that a body error never confirms
            // that another organisation's tenant exists.
            let parsed = Result { () throws -> (CreateCredentialBody, ScopeSet) in
                let body = try request.decodeJSON(CreateCredentialBody.self)
                return (body, try ScopeSet(parsing: body.scopes))
            }
            try authorization.require(
                .manageCredentials(of: tenant, granting: (try? parsed.get())?.1 ?? ScopeSet([])), by: principal,
                for: request, notFound: ControlPlaneError.tenantNotFound(tenant.slug.value))
            let (body, scopes) = try parsed.get()
            let ipAllowList = try IPAllowList(parsing: body.ipAllow ?? [])
            if let expiresAt = body.expiresAt, expiresAt <= now() {
                throw ControlPlaneError.invalid(
                    "invalid_expiry", "expires_at must be in the future", field: "expires_at")
            }
            let name = body.name ?? ""
            guard name.count <= configuration.maximumNameLength else {
                throw ControlPlaneError.invalid(
                    "invalid_name", "name is at most \(configuration.maximumNameLength) characters", field: "name")
            }
            let (_, issued) = try await credentials.issue(
                for: .tenant(tenant.slug), scopes: scopes, ipAllowList: ipAllowList, expiresAt: body.expiresAt,
                name: name, actor: principal.actor)
            var response = CredentialBody(summary: try await summary(issued.prefix, of: tenant))
            response.key = issued.reveal()
            return try .json(response, status: .created, headers: ["Cache-Control": "no-store"])
        }
        try routes.post("/tenants/:slug/credentials/:prefix/revoke") { request in
            let (principal, tenant) = try await visibleTenant(request)
            let prefix = try request.parameter("prefix")
            try authorization.require(
                .manageCredentials(of: tenant, granting: ScopeSet([])), by: principal, for: request,
                notFound: ControlPlaneError.tenantNotFound(tenant.slug.value))
            try await credentials.revoke(prefix: prefix, owner: .tenant(tenant.slug), actor: principal.actor)
            return try .json(CredentialBody(summary: try await summary(prefix, of: tenant)))
        }
        try routes.post("/tenants/:slug/credentials/:prefix/rotate") { request in
            let (principal, tenant) = try await visibleTenant(request)
            let prefix = try request.parameter("prefix")
            let existing = try await credentials.credential(prefix: prefix, owner: .tenant(tenant.slug))
            // Rotating hands the caller a key with the old key's scopes, so
            // the caller must hold them; an unknown key grants nothing.
            try authorization.require(
                .manageCredentials(of: tenant, granting: existing?.scopes ?? ScopeSet([])), by: principal,
                for: request, notFound: ControlPlaneError.tenantNotFound(tenant.slug.value))
            guard existing != nil else {
                throw ControlPlaneError(
                    code: "credential_not_found", message: "no API key with this prefix", httpStatus: 404,
                    field: "prefix")
            }
            let body = try request.decodeJSON(RotateCredentialBody.self)
            let issued: IssuedAPIKey
            do {
                issued = try await credentials.rotate(
                    prefix: prefix, overlap: .seconds(body.overlapSeconds), actor: principal.actor,
                    owner: .tenant(tenant.slug), now: now())
            } catch let error as ControlPlaneError where error.field == "overlap" {
                // The store names its own parameter; the client sent overlap_seconds.
                throw ControlPlaneError(
                    code: error.code, message: error.message, httpStatus: error.httpStatus, field: "overlap_seconds")
            }
            let old = try await summary(prefix, of: tenant)
            var response = CredentialBody(summary: try await summary(issued.prefix, of: tenant))
            response.key = issued.reveal()
            response.replaces = old.prefix
            response.replacedKeyValidUntil = old.validUntil
            return try .json(response, status: .created, headers: ["Cache-Control": "no-store"])
        }
        try routes.post("/tenants/:slug/webhook-secrets") { request in
            let (principal, tenant) = try await visibleTenant(request)
            try authorization.require(
                .writeWebhookSecrets(of: tenant), by: principal, for: request,
                notFound: ControlPlaneError.tenantNotFound(tenant.slug.value))
            let body = try request.decodeJSON(CreateWebhookSecretBody.self)
            let overlap = body.overlapSeconds ?? configuration.defaultSecretOverlapSeconds
            guard (0...configuration.maximumSecretOverlapSeconds).contains(overlap) else {
                throw ControlPlaneError.invalid(
                    "invalid_rotation_overlap",
                    "overlap_seconds must be between 0 and \(configuration.maximumSecretOverlapSeconds)",
                    field: "overlap_seconds")
            }
            let secret = try await webhookSecrets.create(
                tenant: tenant.slug, source: body.source, overlap: .seconds(overlap), actor: principal.actor)
            return try .json(
                WebhookSecretBody(secret: secret.reveal(), source: body.source), status: .created,
                headers: ["Cache-Control": "no-store"])
        }
    }

    // MARK: Helpers

    /// The tenant named in the path, or 404 — also when it exists but belongs to someone else.
    private func visibleTenant(_ request: HTTPRequest) async throws -> (Principal, Tenant) {
        let principal = try request.principal()
        let name: Slug
        do {
            name = try Slug(try request.parameter("slug"))
        } catch let error as SlugError {
            throw HTTPError(.notFound, code: "not_found", message: error.message, field: "slug")
        }
        return (principal, try await service.tenant(name))
    }

    /// A key of `tenant` that this request just touched.
    private func summary(_ prefix: String, of tenant: Tenant) async throws -> CredentialSummary {
        guard let summary = try await credentials.credential(prefix: prefix, owner: .tenant(tenant.slug)) else {
            throw ControlPlaneError(
                code: "credential_not_found", message: "no API key with this prefix", httpStatus: 404, field: "prefix")
        }
        return summary
    }
}
