import Foundation
import Postgres

/// Users in `control.users`: listing, creation, changes and deletion.
///
/// Users are never removed: deleting disables the user and revokes every
/// session and personal token, and the row stays so that the audit log's
/// entries keep naming someone. Disabling takes effect at once: sessions are
/// revoked in the same transaction, and personal tokens are refused by
/// ``CredentialStore/authenticate(_:remoteAddress:now:)`` as long as the
/// user is disabled. Each change writes an audit entry (subject
/// `user:<id>`, before/after values, never passwords) in its transaction.
/// Who may call what is decided before, by ``AccessPolicy``.
public struct UserStore: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    public static let maximumDisplayName = 200

    /// Users of one organisation in e-mail order, a page at a time (only the
    /// organisation's own users: a partner's list holds no tenant users).
    public func list(in organization: Principal.Organization, after cursor: ListCursor? = nil, limit: Int)
        async throws -> (users: [UserAccount], next: ListCursor?)
    {
        let (scope, partner, tenant) = Self.columns(of: organization)
        let rows = try await pool.query(
            """
            \(fragment: Self.userSelect)
            WHERE u.scope = \(scope)
              AND (\(partner)::text IS NULL OR p.slug = \(partner))
              AND (\(tenant)::text IS NULL OR t.slug = \(tenant))
              AND (\(cursor?.after)::text IS NULL OR u.email > \(cursor?.after))
            ORDER BY u.email
            LIMIT \(limit + 1)
            """)
        let users = try rows.prefix(limit).map(Self.user)
        let next = rows.count > limit ? users.last.map { ListCursor(list: "users", after: $0.email) } : nil
        return (users, next)
    }

    /// The user with this id; `user_not_found` (404) when there is none.
    public func user(_ id: UUID) async throws -> UserAccount {
        let rows = try await pool.query("\(fragment: Self.userSelect) WHERE u.id = \(id)")
        guard let row = rows.first else { throw Self.notFound() }
        return try Self.user(row)
    }

    /// Creates an active user without a password (they set it through the portal).
    ///
    /// - Parameter roles: role names, each valid for `organization` (see ``UserRole/allowed(in:)``).
    /// - Throws: `user_exists` (409) for a taken e-mail; `invalid_*` (422) for
    ///   a field that is not valid, or an approval limit on a user outside a tenant;
    ///   `partner_not_found` / `tenant_not_found` (404).
    public func create(
        in organization: Principal.Organization, email: String, displayName: String, roles: [String],
        approvalLimit: ApprovalLimit?, actor: String
    ) async throws -> UserAccount {
        let email = email.lowercased()
        guard EmailAddress.isPlausible(email) else {
            throw ControlPlaneError.invalid("invalid_email", "email must be an e-mail address", field: "email")
        }
        try Self.checkDisplayName(displayName)
        let parsedRoles = try UserRole.parse(roles, for: organization)
        try Self.checkApprovalLimit(approvalLimit, in: organization)
        let (scope, partner, tenant) = Self.columns(of: organization)
        let id: UUID
        do {
            id = try await pool.withTransaction { tx in
                let rows = try await tx.query(
                    """
                    INSERT INTO control.users (scope, partner_id, tenant_id, email, display_name, roles,
                                               approval_limit_minor, approval_currency)
                    SELECT \(scope), p.id, t.id, \(email), \(displayName), \(parsedRoles.map(\.rawValue)),
                           \(approvalLimit?.minorUnits), \(approvalLimit?.currency)
                    FROM (SELECT 1) one
                    LEFT JOIN control.partners p ON p.slug = \(partner)
                    LEFT JOIN control.tenants t ON t.slug = \(tenant) AND t.status NOT IN ('deleting', 'deleted')
                    WHERE (\(partner)::text IS NULL OR p.id IS NOT NULL) AND (\(tenant)::text IS NULL OR t.id IS NOT NULL)
                    RETURNING id
                    """)
                guard let id = try rows.first?.decode("id", as: UUID.self) else {
                    if let tenant { throw ControlPlaneError.tenantNotFound(tenant) }
                    throw ControlPlaneError.partnerNotFound(partner ?? "")
                }
                var details = [
                    "organization": organization.description, "email": email, "display_name": displayName,
                    "roles": parsedRoles.map(\.rawValue).joined(separator: ","), "status": "active",
                ]
                details["approval_limit"] = approvalLimit?.description
                try await AuditLog.control().append(
                    AuditEntry(actor: actor, action: "user.created", subject: Self.subject(id), details: details),
                    on: tx)
                return id
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw ControlPlaneError.conflict("user_exists", "a user with this e-mail already exists", field: "email")
        }
        return try await user(id)
    }

    // MARK: Shared with changes

    static func notFound() -> ControlPlaneError {
        ControlPlaneError(code: "user_not_found", message: "no such user", httpStatus: 404, field: "id")
    }

    static func subject(_ id: UUID) -> String { "user:\(id.uuidString.lowercased())" }

    static func checkDisplayName(_ name: String) throws(ControlPlaneError) {
        guard (1...maximumDisplayName).contains(name.count), !name.allSatisfy(\.isWhitespace) else {
            throw .invalid(
                "invalid_display_name", "display_name is 1 to \(maximumDisplayName) characters", field: "display_name")
        }
    }

    /// Approval limits bound what a tenant user may approve; elsewhere they would mean nothing.
    static func checkApprovalLimit(_ limit: ApprovalLimit?, in organization: Principal.Organization)
        throws(ControlPlaneError)
    {
        guard limit != nil else { return }
        guard case .tenant = organization else {
            throw .invalid(
                "invalid_approval_limit", "approval limits apply to tenant users only", field: "approval_limit")
        }
    }

    /// `control.users.scope` and the partner or tenant slug it is matched on.
    static func columns(of organization: Principal.Organization) -> (scope: String, partner: String?, tenant: String?) {
        switch organization {
        case .provider: return ("provider", nil, nil)
        case .partner(let slug): return ("partner", slug.value, nil)
        case .tenant(let slug, _): return ("tenant", nil, slug.value)
        }
    }

    static let userSelect: StaticString = """
        SELECT u.id, u.scope, u.email, u.display_name, u.roles, u.approval_limit_minor, u.approval_currency, u.status,
               u.created_at, p.slug AS partner_slug, t.slug AS tenant_slug, tp.slug AS tenant_partner_slug
        FROM control.users u
        LEFT JOIN control.partners p ON p.id = u.partner_id
        LEFT JOIN control.tenants t ON t.id = u.tenant_id
        LEFT JOIN control.partners tp ON tp.id = t.partner_id
        """

    static func user(_ row: PostgresRow) throws -> UserAccount {
        let organization: Principal.Organization
        switch try row.decode("scope", as: String.self) {
        case "provider":
            organization = .provider
        case "partner":
            organization = .partner(try Slug(try row.decode("partner_slug", as: String.self)))
        default:
            organization = .tenant(
                try Slug(try row.decode("tenant_slug", as: String.self)),
                partner: try Slug(try row.decode("tenant_partner_slug", as: String.self)))
        }
        let limit: ApprovalLimit? = try {
            guard let minor = try row.decode("approval_limit_minor", as: Int64?.self),
                let currency = try row.decode("approval_currency", as: String?.self)
            else { return nil }
            return ApprovalLimit(minorUnits: minor, currency: currency)
        }()
        return UserAccount(
            id: try row.decode("id"), organization: organization, email: try row.decode("email"),
            displayName: try row.decode("display_name"),
            // Roles outside the enumeration cannot be stored (a check constraint), so none is dropped here.
            roles: try row.decode("roles", as: [String].self).compactMap(UserRole.init(rawValue:)).sorted(),
            approvalLimit: limit, status: UserAccount.Status(rawValue: try row.decode("status")) ?? .disabled,
            createdAt: try row.decode("created_at"))
    }
}
