import Foundation
import Postgres

/// Who an API credential acts for.
public enum CredentialOwner: Sendable, Equatable {
    case tenant(Slug)
    case partner(Slug)
}

/// API credentials in `control.api_credentials`: issuing (the key is shown
/// once and only its hash is stored), authenticating, revoking and rotating.
/// Every change writes a control audit entry in the same transaction, naming
/// the key by its public prefix only.
public struct CredentialStore: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// Issues a key. The returned ``IssuedAPIKey`` is the only copy of the secret.
    public func issue(
        for owner: CredentialOwner, scopes: ScopeSet, ipAllowList: IPAllowList = IPAllowList(), expiresAt: Date? = nil,
        name: String = "", environment: APIKey.Environment = .live, user: String? = nil, actor: String
    ) async throws -> (id: UUID, key: IssuedAPIKey) {
        guard !scopes.isEmpty else {
            throw ControlPlaneError.invalid("invalid_scope", "give at least one scope", field: "scopes")
        }
        let issued = try IssuedAPIKey.generate(environment: environment)
        let (tenant, partner): (String?, String?) = {
            switch owner {
            case .tenant(let slug): return (slug.value, nil)
            case .partner(let slug): return (nil, slug.value)
            }
        }()
        let id: UUID = try await pool.withTransaction { tx in
            let rows = try await tx.query(
                """
                INSERT INTO control.api_credentials (key_prefix, key_hash, name, tenant_id, partner_id, user_id, scopes,
                                                     ip_allow, expires_at)
                SELECT \(issued.prefix), \(ByteA(issued.hash)), \(name), t.id, p.id, u.id, \(scopes.names),
                       \(ipAllowList.entries.map(\.description))::cidr[], \(expiresAt)
                FROM (SELECT 1) one
                LEFT JOIN control.tenants t ON t.slug = \(tenant) AND t.status IN ('active', 'suspended')
                LEFT JOIN control.partners p ON p.slug = \(partner)
                LEFT JOIN control.users u ON u.email = lower(\(user)) AND u.status = 'active'
                    AND (u.tenant_id = t.id OR (u.scope = 'partner' AND u.partner_id = p.id))
                WHERE (\(tenant)::text IS NULL OR t.id IS NOT NULL) AND (\(partner)::text IS NULL OR p.id IS NOT NULL)
                  AND (\(user)::text IS NULL OR u.id IS NOT NULL)
                RETURNING id
                """)
            guard let id = try rows.first?.decode("id", as: UUID.self) else {
                if let user {
                    throw ControlPlaneError(
                        code: "user_not_found", message: "no active user \(user) belongs to that tenant or partner", httpStatus: 404)
                }
                switch owner {
                case .tenant(let slug): throw ControlPlaneError.tenantNotFound(slug.value)
                case .partner(let slug): throw ControlPlaneError.partnerNotFound(slug.value)
                }
            }
            try await AuditLog.control().append(
                AuditEntry(
                    actor: actor, action: "credential.created", subject: "credential:\(issued.prefix)",
                    details: [
                        "owner": tenant.map { "tenant:\($0)" } ?? "partner:\(partner ?? "")", "user": user ?? "",
                        "scopes": scopes.description, "expires_at": expiresAt.map { "\($0)" } ?? "",
                    ]), on: tx)
            return id
        }
        return (id, issued)
    }

    /// What ``authenticate(_:remoteAddress:now:)`` establishes.
    public struct Authenticated: Sendable {
        public let credential: AuthenticatedCredential
        public let principal: Principal
    }

    /// Checks a presented key. Refusals are ``CredentialError`` (401/403);
    /// a key of a suspended tenant is `tenant_suspended` (403).
    public func authenticate(_ presented: String, remoteAddress: String, now: Date = Date()) async throws
        -> Authenticated
    {
        let key = try APIKey(parsing: presented)
        let rows = try await pool.query(
            """
            SELECT c.id, c.key_prefix, c.key_hash, c.scopes, c.ip_allow::text[] AS ip_allow, c.expires_at,
                   c.revoked_at, c.replaced_by, c.valid_until, c.last_used_at,
                   t.slug AS tenant_slug, t.status AS tenant_status, tp.slug AS tenant_partner, p.slug AS partner_slug,
                   c.user_id, u.email AS user_email, u.roles AS user_roles, u.status AS user_status,
                   u.approval_limit_minor, u.approval_currency
            FROM control.api_credentials c
            LEFT JOIN control.users u ON u.id = c.user_id
            LEFT JOIN control.tenants t ON t.id = c.tenant_id
            LEFT JOIN control.partners tp ON tp.id = t.partner_id
            LEFT JOIN control.partners p ON p.id = c.partner_id
            WHERE c.key_prefix = \(key.prefix)
            """)
        let row = rows.first
        let stored = try row.map { row in
            StoredCredential(
                id: try row.decode("id"), prefix: try row.decode("key_prefix"),
                keyHash: try row.decode("key_hash", as: ByteA.self).bytes,
                scopes: try ScopeSet(parsing: try row.decode("scopes", as: [String].self)),
                ipAllowList: IPAllowList(try row.decode("ip_allow", as: [String].self).map { try CIDR(parsing: $0) }),
                expiresAt: try row.decode("expires_at"), revokedAt: try row.decode("revoked_at"),
                replacedBy: try row.decode("replaced_by"), validUntil: try row.decode("valid_until"),
                lastUsedAt: try row.decode("last_used_at"))
        }
        let credential = try CredentialCheck.evaluate(
            stored: stored, presentedKey: key, remoteAddress: remoteAddress, requiredScope: nil, now: now)
        guard let row, let stored else { throw CredentialError.invalidKey("no such key") }
        let organization: Principal.Organization
        if let tenant = try row.decode("tenant_slug", as: String?.self) {
            guard try row.decode("tenant_status", as: String?.self) == TenantStatus.active.rawValue else {
                throw ControlPlaneError(
                    code: "tenant_suspended", message: "The tenant is suspended or being deleted; its API keys are blocked.",
                    httpStatus: 403)
            }
            organization = .tenant(try Slug(tenant), partner: try Slug(try row.decode("tenant_partner", as: String.self)))
        } else {
            organization = .partner(try Slug(try row.decode("partner_slug", as: String.self)))
        }
        var user: Principal.User?
        var roles: Set<String> = []
        if try row.decode("user_id", as: UUID?.self) != nil {
            // A personal token is only as good as its user: a disabled user's tokens stop at once.
            guard try row.decode("user_status", as: String?.self) == "active",
                let email = try row.decode("user_email", as: String?.self)
            else { throw CredentialError.invalidKey("the token's user is disabled") }
            user = Principal.User(
                email: email, approvalLimitMinor: try row.decode("approval_limit_minor", as: Int64?.self),
                approvalCurrency: try row.decode("approval_currency", as: String?.self))
            roles = Set(try row.decode("user_roles", as: [String].self))
        }
        if stored.needsLastUsedUpdate(at: now) {
            // Best effort and bounded to once a minute per key: a failure must not fail the request.
            _ = try? await pool.query("UPDATE control.api_credentials SET last_used_at = \(now) WHERE id = \(stored.id)")
        }
        return Authenticated(
            credential: credential,
            principal: Principal(
                organization: organization, scopes: Set(credential.scopes.names), roles: roles,
                actor: user.map { "user:\($0.email)" } ?? "credential:\(stored.prefix)", user: user))
    }

    /// Revokes a key at once; its next use is refused.
    ///
    /// - Parameter owner: when given, a key of anyone else is
    ///   `credential_not_found` (404), like a missing one, so a route scoped to
    ///   one tenant can never revoke another's key.
    public func revoke(prefix: String, owner: CredentialOwner? = nil, actor: String) async throws {
        try await pool.withTransaction { tx in
            let updated = try await tx.execute(
                """
                UPDATE control.api_credentials c SET revoked_at = now()
                WHERE c.key_prefix = \(prefix) AND c.revoked_at IS NULL
                  AND (\(owner?.tenantSlug)::text IS NULL
                       OR c.tenant_id = (SELECT id FROM control.tenants WHERE slug = \(owner?.tenantSlug)))
                  AND (\(owner?.partnerSlug)::text IS NULL
                       OR c.partner_id = (SELECT id FROM control.partners WHERE slug = \(owner?.partnerSlug)))
                """)
            guard updated == 1 else {
                throw Self.notFound(prefix, active: true)
            }
            try await AuditLog.control().append(
                AuditEntry(actor: actor, action: "credential.revoked", subject: "credential:\(prefix)"), on: tx)
        }
    }
}
