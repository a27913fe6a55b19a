import Cryptography
import Foundation
import Postgres
import SchemaMigration
import Telemetry

/// Partners and tenants: creation, provisioning, suspension and deletion.
///
/// Provisioning a tenant creates, in order and each step idempotently: the
/// `control.tenants` row (status `provisioning`), the tenant's login role
/// `t_<slug>` with a random password sealed under the master key, the schema
/// `t_<slug>` owned by the platform (so the tenant role cannot alter triggers
/// or drop the audit log) with default privileges for the tenant role, every
/// tenant migration, and finally status `active`. A crash at any point leaves
/// the tenant in `provisioning`; calling ``createTenant`` again completes it.
/// Every state change writes a control audit entry in the same transaction.
public struct TenantService: Sendable {
    public let pool: PostgresPool
    public let migrator: Migrator
    public let keyRing: KeyRing
    public let logger: Logger

    public init(pool: PostgresPool, migrator: Migrator, keyRing: KeyRing, logger: Logger = .disabled) {
        self.pool = pool
        self.migrator = migrator
        self.keyRing = keyRing
        self.logger = logger
    }

    // MARK: Partners

    public func createPartner(
        slug: Slug, kind: PartnerKind, displayName: String, supportEmail: String, actor: String
    ) async throws -> Partner {
        let audit = try AuditLog.control()
        do {
            return try await pool.withTransaction { tx in
                let rows = try await tx.query(
                    """
                    INSERT INTO control.partners (slug, kind, display_name, support_email)
                    VALUES (\(slug.value), \(kind.rawValue), \(displayName), \(supportEmail))
                    RETURNING id
                    """)
                let id = try rows[0].decode("id", as: UUID.self)
                try await audit.append(
                    AuditEntry(
                        actor: actor, action: "partner.created", subject: "partner:\(slug)",
                        details: ["kind": kind.rawValue, "display_name": displayName]), on: tx)
                return Partner(id: id, slug: slug, kind: kind, displayName: displayName, supportEmail: supportEmail)
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw ControlPlaneError.conflict("partner_exists", "a partner '\(slug)' already exists", field: "slug")
        } catch let error as PostgresError where error.sqlState == .checkViolation {
            throw ControlPlaneError.invalid(
                "invalid_partner", "the partner's display name or support e-mail is not valid", field: error.constraint)
        }
    }

    public func partner(_ slug: Slug) async throws -> Partner {
        let rows = try await pool.query(
            "SELECT id, kind, display_name, support_email FROM control.partners WHERE slug = \(slug.value)")
        guard let row = rows.first else { throw ControlPlaneError.partnerNotFound(slug.value) }
        guard let kind = PartnerKind(rawValue: try row.decode("kind")) else {
            throw ControlPlaneError.invalid("invalid_partner", "partner '\(slug)' has an unknown kind")
        }
        return Partner(
            id: try row.decode("id"), slug: slug, kind: kind, displayName: try row.decode("display_name"),
            supportEmail: try row.decode("support_email"))
    }

    // MARK: Tenants

    /// Creates and provisions a tenant, or completes an interrupted provisioning.
    /// Repeating a completed request returns the tenant; the same slug with
    /// different details is `tenant_exists` (409).
    public func createTenant(partner partnerSlug: Slug, slug: Slug, legalName: String, actor: String) async throws
        -> Tenant
    {
        let partner = try await partner(partnerSlug)
        let audit = try AuditLog.control()
        let existing = try await tenantIfExists(slug)
        if let existing {
            guard existing.partnerSlug == partnerSlug else {
                throw ControlPlaneError.conflict("tenant_exists", "a tenant '\(slug)' already exists", field: "slug")
            }
            guard existing.status == .provisioning else {
                // Repeating the same request is idempotent; a different one for a taken slug is a conflict.
                if existing.status == .active && existing.legalName == legalName { return existing }
                throw ControlPlaneError.conflict(
                    "tenant_exists", "tenant '\(slug)' already exists and is \(existing.status.rawValue)", field: "slug")
            }
            logger.notice("resuming interrupted provisioning", metadata: ["tenant": slug.value])
        } else {
            do {
                try await pool.withTransaction { tx in
                    try await tx.query(
                        """
                        INSERT INTO control.tenants (partner_id, slug, legal_name)
                        VALUES (\(partner.id), \(slug.value), \(legalName))
                        """)
                    try await audit.append(
                        AuditEntry(
                            actor: actor, action: "tenant.created", subject: "tenant:\(slug)",
                            details: ["partner": partnerSlug.value, "legal_name": legalName]), on: tx)
                }
            } catch let error as PostgresError where error.isUniqueViolation {
                throw ControlPlaneError.conflict("tenant_exists", "a tenant '\(slug)' already exists", field: "slug")
            } catch let error as PostgresError where error.sqlState == .checkViolation {
                throw ControlPlaneError.invalid("invalid_tenant", "the tenant's legal name is not valid", field: "legal_name")
            }
        }
        try await provision(slug, actor: actor)
        return try await tenant(slug)
    }

    /// The idempotent steps after the row exists; see the type's documentation.
    private func provision(_ slug: Slug, actor: String) async throws {
        let schema = try SQLIdentifier(slug.tenantSchemaName)
        let password = try SecureRandom.token(bytes: 32)
        let sealed = try keyRing.seal(Array(password.utf8), aad: Array("tenant-db:\(slug)".utf8))
        try await pool.withTransaction { tx in
            // A fresh password on every attempt: the sealed copy and the role change commit together.
            try await tx.query("SELECT control.ensure_tenant_role(\(schema.name), \(password))")
            try await tx.query(
                "UPDATE control.tenants SET db_password_sealed = \(ByteA(sealed.combined)) WHERE slug = \(slug.value)")
            try await tx.query("CREATE SCHEMA IF NOT EXISTS \(identifier: schema)")
            try await tx.query("GRANT USAGE ON SCHEMA \(identifier: schema) TO \(identifier: schema)")
            try await tx.query(
                """
                ALTER DEFAULT PRIVILEGES IN SCHEMA \(identifier: schema)
                GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO \(identifier: schema)
                """)
            try await tx.query(
                """
                ALTER DEFAULT PRIVILEGES IN SCHEMA \(identifier: schema)
                GRANT USAGE, SELECT ON SEQUENCES TO \(identifier: schema)
                """)
        }
        try await migrator.migrateTenant(schema)
        try await pool.withTransaction { tx in
            let updated = try await tx.execute(
                """
                UPDATE control.tenants SET status = 'active', activated_at = now()
                WHERE slug = \(slug.value) AND status = 'provisioning'
                """)
            guard updated == 1 else { return }
            try await AuditLog.control().append(
                AuditEntry(actor: actor, action: "tenant.provisioned", subject: "tenant:\(slug)",
                           details: ["schema": schema.name]), on: tx)
            try await AuditLog(schema: schema).append(
                AuditEntry(actor: actor, action: "tenant.provisioned", subject: "tenant:\(slug)"), on: tx)
        }
        logger.info("tenant provisioned", metadata: ["tenant": slug.value])
    }

    public func tenant(_ slug: Slug) async throws -> Tenant {
        guard let tenant = try await tenantIfExists(slug) else { throw ControlPlaneError.tenantNotFound(slug.value) }
        return tenant
    }

    private func tenantIfExists(_ slug: Slug) async throws -> Tenant? {
        try await tenants(where: slug, partner: nil).first
    }

    /// Tenants, optionally of one partner, in slug order (deleted ones included: they are history).
    public func listTenants(partner: Slug? = nil) async throws -> [Tenant] {
        try await tenants(where: nil, partner: partner)
    }

    private func tenants(where slug: Slug?, partner: Slug?) async throws -> [Tenant] {
        let rows = try await pool.query(
            """
            SELECT t.id, t.slug, t.legal_name, t.status, t.created_at, p.slug AS partner_slug
            FROM control.tenants t JOIN control.partners p ON p.id = t.partner_id
            WHERE (\(slug?.value)::text IS NULL OR t.slug = \(slug?.value))
              AND (\(partner?.value)::text IS NULL OR p.slug = \(partner?.value))
            ORDER BY t.slug
            """)
        return try rows.map { row in
            guard let status = TenantStatus(rawValue: try row.decode("status")) else {
                throw ControlPlaneError.invalid("invalid_tenant", "tenant has an unknown status")
            }
            return Tenant(
                id: try row.decode("id"), partnerSlug: try Slug(try row.decode("partner_slug", as: String.self)),
                slug: try Slug(try row.decode("slug", as: String.self)), legalName: try row.decode("legal_name"),
                status: status, createdAt: try row.decode("created_at"))
        }
    }

    /// Blocks API access and ingest; keeps every row.
    public func suspend(_ slug: Slug, actor: String) async throws -> Tenant {
        try await transition(slug, from: [.active], to: .suspended, action: "tenant.suspended", actor: actor)
    }

    public func resume(_ slug: Slug, actor: String) async throws -> Tenant {
        try await transition(slug, from: [.suspended], to: .active, action: "tenant.resumed", actor: actor)
    }

    private func transition(
        _ slug: Slug, from allowed: Set<TenantStatus>, to target: TenantStatus, action: String, actor: String
    ) async throws -> Tenant {
        let current = try await tenant(slug)
        guard allowed.contains(current.status) else {
            throw ControlPlaneError.conflict(
                "invalid_tenant_state", "tenant '\(slug)' is \(current.status.rawValue); cannot become \(target.rawValue)")
        }
        try await pool.withTransaction { tx in
            let updated = try await tx.execute(
                """
                UPDATE control.tenants
                SET status = \(target.rawValue),
                    suspended_at = CASE WHEN \(target.rawValue) = 'suspended' THEN now() ELSE NULL END
                WHERE slug = \(slug.value) AND status = \(current.status.rawValue)
                """)
            guard updated == 1 else {
                throw ControlPlaneError.conflict("invalid_tenant_state", "tenant '\(slug)' changed concurrently; retry")
            }
            try await AuditLog.control().append(
                AuditEntry(
                    actor: actor, action: action, subject: "tenant:\(slug)",
                    details: ["status.before": current.status.rawValue, "status.after": target.rawValue]), on: tx)
        }
        return try await tenant(slug)
    }

    /// Issues a one-time token that ``delete(_:confirmation:actor:)`` requires,
    /// valid for `validity`. Deleting is irreversible, so it takes two steps.
    public func requestDeletion(_ slug: Slug, actor: String) async throws -> String {
        _ = try await tenant(slug)
        let token = try SecureRandom.token(bytes: 16)
        let hash = try SHA256.hash(data: Array(token.utf8)).bytes
        try await pool.withTransaction { tx in
            try await tx.query(
                """
                UPDATE control.tenants SET deletion_token_hash = \(ByteA(hash)), deletion_requested_at = now()
                WHERE slug = \(slug.value)
                """)
            try await AuditLog.control().append(
                AuditEntry(actor: actor, action: "tenant.deletion_requested", subject: "tenant:\(slug)"), on: tx)
        }
        return token
    }

    /// Drops the tenant's schema and role after checking the confirmation token.
    /// Nothing is exported: export first if the data is needed.
    public func delete(_ slug: Slug, confirmation token: String, actor: String, validity: Duration = .seconds(600))
        async throws
    {
        let schema = try SQLIdentifier(slug.tenantSchemaName)
        let presented = try SHA256.hash(data: Array(token.utf8)).bytes
        let validSeconds = Int(validity.components.seconds)
        try await pool.withTransaction { tx in
            let rows = try await tx.query(
                """
                SELECT status, deletion_token_hash,
                       deletion_requested_at > now() - \(validSeconds) * interval '1 second' AS fresh
                FROM control.tenants WHERE slug = \(slug.value) FOR UPDATE
                """)
            guard let row = rows.first else { throw ControlPlaneError.tenantNotFound(slug.value) }
            guard let stored = try row.decode("deletion_token_hash", as: ByteA?.self),
                try row.decode("fresh", as: Bool?.self) == true, ConstantTime.equals(stored.bytes, presented)
            else {
                throw ControlPlaneError.invalid(
                    "invalid_confirmation", "the confirmation token is wrong or expired; request a new one",
                    field: "confirmation")
            }
            let before = try row.decode("status", as: String.self)
            try await tx.query(
                """
                UPDATE control.tenants SET status = 'deleting', deletion_token_hash = NULL WHERE slug = \(slug.value)
                """)
            try await AuditLog.control().append(
                AuditEntry(
                    actor: actor, action: "tenant.deleting", subject: "tenant:\(slug)",
                    details: ["status.before": before]), on: tx)
        }
        // Sessions of the role would block DROP ROLE.
        try await pool.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(schema.name)")
        try await pool.withTransaction { tx in
            try await tx.query("DROP SCHEMA IF EXISTS \(identifier: schema) CASCADE")
            let role = try await tx.query("SELECT 1 FROM pg_roles WHERE rolname = \(schema.name)")
            if !role.isEmpty {
                try await tx.query("DROP OWNED BY \(identifier: schema)")
                try await tx.query("DROP ROLE \(identifier: schema)")
            }
            try await tx.query(
                """
                UPDATE control.tenants SET status = 'deleted', deleted_at = now(), db_password_sealed = NULL
                WHERE slug = \(slug.value)
                """)
            try await AuditLog.control().append(
                AuditEntry(actor: actor, action: "tenant.deleted", subject: "tenant:\(slug)"), on: tx)
        }
    }

    /// How to connect as the tenant's own login role (for per-tenant pools).
    public func databaseConfiguration(for slug: Slug) async throws -> PostgresConfiguration {
        let rows = try await pool.query(
            "SELECT status, db_password_sealed FROM control.tenants WHERE slug = \(slug.value)")
        guard let row = rows.first else { throw ControlPlaneError.tenantNotFound(slug.value) }
        guard try row.decode("status", as: String.self) == TenantStatus.active.rawValue else {
            throw ControlPlaneError(
                code: "tenant_suspended", message: "tenant '\(slug)' is not active", httpStatus: 403)
        }
        guard let sealed = try row.decode("db_password_sealed", as: ByteA?.self) else {
            throw ControlPlaneError.invalid("tenant_not_provisioned", "tenant '\(slug)' has no database credentials")
        }
        let password = try keyRing.open(combined: sealed.bytes, aad: Array("tenant-db:\(slug)".utf8))
        var configuration = pool.connectionConfiguration
        configuration.overrides["user"] = slug.tenantSchemaName
        configuration.overrides["password"] = String(decoding: password, as: UTF8.self)
        configuration.applicationName = "countersign-\(slug)"
        return configuration
    }
}
