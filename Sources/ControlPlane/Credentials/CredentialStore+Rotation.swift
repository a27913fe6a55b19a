import Foundation
import Postgres

/// What a credential list shows about one key: everything a person needs to
/// decide whether the key is still in use, and nothing that helps use it
/// (no hash, let alone the key).
public struct CredentialSummary: Sendable, Equatable {
    public let id: UUID
    /// `cs_<env>_<identifier>`: public, the handle for revoke and rotate.
    public let prefix: String
    public let name: String
    public let owner: CredentialOwner
    public let scopes: ScopeSet
    public let ipAllowList: IPAllowList
    public let createdAt: Date
    public let expiresAt: Date?
    public let lastUsedAt: Date?
    public let revokedAt: Date?
    /// The prefix of the key that replaced this one in a rotation.
    public let replacedBy: String?
    /// End of the rotation overlap, after which a replaced key is refused.
    public let validUntil: Date?
}

extension CredentialStore {
    /// Replaces the key `prefix` with a new one; the old key keeps working for
    /// `overlap` so integrations can switch without downtime.
    ///
    /// One transaction locks the old row, inserts the new one (same owner,
    /// name, scopes, allow-list and expiry), sets the old row's `replaced_by`
    /// and `valid_until`, and appends `credential.rotated` to the control audit
    /// log, so a crash leaves either both keys or only the old one.
    ///
    /// - Parameters:
    ///   - owner: when given, a key of anyone else is `credential_not_found`
    ///     (404), so a route can never rotate a key outside the path's tenant.
    ///   - now: the rotation time (injected so tests need not wait).
    /// - Returns: the new key, the only time its secret exists outside the caller.
    /// - Throws: `credential_not_found` (404); the errors of
    ///   ``CredentialRotation/rotate(_:overlap:now:newID:configuration:)``
    ///   (422 for the overlap, 409 for a revoked, expired or already rotated key).
    public func rotate(
        prefix: String, overlap: Duration, actor: String, owner: CredentialOwner? = nil, now: Date = Date(),
        configuration: CredentialRotation.Configuration = CredentialRotation.Configuration()
    ) async throws -> IssuedAPIKey {
        try await pool.withTransaction { tx in
            let rows = try await tx.query(
                """
                SELECT c.id, c.key_prefix, c.key_hash, c.scopes, c.ip_allow::text[] AS ip_allow, c.expires_at,
                       c.revoked_at, c.replaced_by, c.valid_until, c.last_used_at,
                       t.slug AS tenant_slug, p.slug AS partner_slug
                FROM control.api_credentials c
                LEFT JOIN control.tenants t ON t.id = c.tenant_id
                LEFT JOIN control.partners p ON p.id = c.partner_id
                WHERE c.key_prefix = \(prefix)
                FOR UPDATE OF c
                """)
            guard let row = rows.first else { throw Self.notFound(prefix) }
            let rowOwner = try Self.owner(of: row)
            guard owner == nil || rowOwner == owner else { throw Self.notFound(prefix) }
            let old = try Self.storedCredential(row)
            let rotation = try CredentialRotation.rotate(old, overlap: overlap, now: now, configuration: configuration)
            let new = rotation.replacement
            try await tx.query(
                """
                INSERT INTO control.api_credentials
                    (id, key_prefix, key_hash, name, tenant_id, partner_id, user_id, scopes, ip_allow, expires_at)
                SELECT \(new.id), \(new.prefix), \(ByteA(new.keyHash)), name, tenant_id, partner_id, user_id,
                       \(new.scopes.names), \(new.ipAllowList.storedValues)::cidr[], \(new.expiresAt)
                FROM control.api_credentials WHERE id = \(old.id)
                """)
            try await tx.query(
                """
                UPDATE control.api_credentials
                SET replaced_by = \(rotation.retired.replacedBy), valid_until = \(rotation.retired.validUntil)
                WHERE id = \(old.id)
                """)
            try await AuditLog.control().append(
                AuditEntry(
                    actor: actor, action: "credential.rotated", subject: "credential:\(old.prefix)",
                    details: [
                        "owner": rowOwner.auditName, "replaced_by": new.prefix,
                        "valid_until": ISO8601DateFormatter().string(from: rotation.oldValidUntil),
                    ]), on: tx, at: now)
            return rotation.newKey
        }
    }

    /// The keys of `owner`, newest first, revoked and replaced ones included
    /// (they are history a person may ask about). Never hashes.
    public func list(owner: CredentialOwner) async throws -> [CredentialSummary] {
        try await summaries(owner: owner, prefix: nil)
    }

    /// One key's summary, or nil when `owner` has no key `prefix` (so a
    /// caller cannot tell another owner's key from a missing one).
    public func credential(prefix: String, owner: CredentialOwner) async throws -> CredentialSummary? {
        try await summaries(owner: owner, prefix: prefix).first
    }

    private func summaries(owner: CredentialOwner, prefix: String?) async throws -> [CredentialSummary] {
        let rows = try await pool.query(
            """
            SELECT c.id, c.key_prefix, c.name, c.scopes, c.ip_allow::text[] AS ip_allow, c.created_at, c.expires_at,
                   c.last_used_at, c.revoked_at, c.valid_until, r.key_prefix AS replaced_by_prefix,
                   t.slug AS tenant_slug, p.slug AS partner_slug
            FROM control.api_credentials c
            LEFT JOIN control.tenants t ON t.id = c.tenant_id
            LEFT JOIN control.partners p ON p.id = c.partner_id
            LEFT JOIN control.api_credentials r ON r.id = c.replaced_by
            WHERE ((\(owner.tenantSlug)::text IS NOT NULL AND t.slug = \(owner.tenantSlug))
                OR (\(owner.partnerSlug)::text IS NOT NULL AND p.slug = \(owner.partnerSlug)))
              AND (\(prefix)::text IS NULL OR c.key_prefix = \(prefix))
            ORDER BY c.created_at DESC, c.key_prefix
            """)
        return try rows.map(Self.summary)
    }

    // MARK: Rows

    /// `credential_not_found` (404). The prefix is repeated only when it has
    /// the public prefix format: a caller who pasted a whole key into the
    /// path must not find its secret echoed into responses and logs.
    static func notFound(_ prefix: String, active: Bool = false) -> ControlPlaneError {
        let shown = APIKey.environment(ofPrefix: prefix) != nil ? prefix : "(value not shown)"
        return ControlPlaneError(
            code: "credential_not_found", message: "no \(active ? "active " : "")API key with prefix \(shown)",
            httpStatus: 404, field: "prefix")
    }

    static func owner(of row: PostgresRow) throws -> CredentialOwner {
        if let tenant = try row.decode("tenant_slug", as: String?.self) { return .tenant(try Slug(tenant)) }
        return .partner(try Slug(try row.decode("partner_slug", as: String.self)))
    }

    static func summary(_ row: PostgresRow) throws -> CredentialSummary {
        CredentialSummary(
            id: try row.decode("id"), prefix: try row.decode("key_prefix"), name: try row.decode("name"),
            owner: try owner(of: row), scopes: try ScopeSet(parsing: try row.decode("scopes", as: [String].self)),
            ipAllowList: IPAllowList(try row.decode("ip_allow", as: [String].self).map { try CIDR(parsing: $0) }),
            createdAt: try row.decode("created_at"), expiresAt: try row.decode("expires_at"),
            lastUsedAt: try row.decode("last_used_at"), revokedAt: try row.decode("revoked_at"),
            replacedBy: try row.decode("replaced_by_prefix"), validUntil: try row.decode("valid_until"))
    }

    static func storedCredential(_ row: PostgresRow) throws -> StoredCredential {
        StoredCredential(
            id: try row.decode("id"), prefix: try row.decode("key_prefix"),
            keyHash: try row.decode("key_hash", as: ByteA.self).bytes,
            scopes: try ScopeSet(parsing: try row.decode("scopes", as: [String].self)),
            ipAllowList: IPAllowList(try row.decode("ip_allow", as: [String].self).map { try CIDR(parsing: $0) }),
            expiresAt: try row.decode("expires_at"), revokedAt: try row.decode("revoked_at"),
            replacedBy: try row.decode("replaced_by"), validUntil: try row.decode("valid_until"),
            lastUsedAt: try row.decode("last_used_at"))
    }
}

extension CredentialOwner {
    var tenantSlug: String? {
        if case .tenant(let slug) = self { return slug.value }
        return nil
    }

    var partnerSlug: String? {
        if case .partner(let slug) = self { return slug.value }
        return nil
    }

    /// `tenant:<slug>` or `partner:<slug>`, as audit entries name owners.
    var auditName: String {
        switch self {
        case .tenant(let slug): "tenant:\(slug)"
        case .partner(let slug): "partner:\(slug)"
        }
    }
}
