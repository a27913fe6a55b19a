/// Who is calling, as established by authentication — never by request input.
///
/// A principal belongs to the provider, one partner, or one tenant, and holds
/// scopes (from an API credential) and roles (from a user). Everything the
/// principal may touch is derived from `organization`.
public struct Principal: Sendable, Equatable {
    public enum Organization: Sendable, Equatable, CustomStringConvertible {
        case provider
        case partner(Slug)
        case tenant(Slug, partner: Slug)

        public var description: String {
            switch self {
            case .provider: return "provider"
            case .partner(let slug): return "partner:\(slug)"
            case .tenant(let slug, _): return "tenant:\(slug)"
            }
        }
    }

    public let organization: Organization
    public let scopes: Set<String>
    public let roles: Set<String>
    /// How the audit log names this principal: `credential:<prefix>` or `user:<id>`.
    public let actor: String

    /// The person behind a personal token; nil for an organisation's key.
    public let user: User?

    /// A user of a tenant or partner, as a personal token carries them.
    public struct User: Sendable, Equatable {
        /// Lower-case e-mail: what segregation-of-duties rules compare.
        public let email: String
        public let approvalLimitMinor: Int64?
        public let approvalCurrency: String?

        public init(email: String, approvalLimitMinor: Int64? = nil, approvalCurrency: String? = nil) {
            self.email = email.lowercased()
            self.approvalLimitMinor = approvalLimitMinor
            self.approvalCurrency = approvalCurrency
        }
    }

    public init(
        organization: Organization, scopes: Set<String>, roles: Set<String> = [], actor: String, user: User? = nil
    ) {
        self.organization = organization
        self.scopes = scopes
        self.roles = roles
        self.actor = actor
        self.user = user
    }

    /// `admin` implies every scope.
    public func has(scope: String) -> Bool { scopes.contains("admin") || scopes.contains(scope) }
}

/// What a route wants to do, for ``AccessPolicy``.
public enum AccessRequest: Sendable, Equatable {
    case readPartner(Slug)
    case manageTenants(ofPartner: Slug)
    case readTenant(Tenant)
    case manageTenant(Tenant)
    case readAudit(of: Principal.Organization)
    /// List a tenant's API keys (prefixes and metadata, never secrets).
    /// Needs `credentials:write`: only those who manage keys need to see them.
    case readCredentials(of: Tenant)
    /// Issue, revoke or rotate a tenant's API keys. `granting` is the scopes
    /// the caller would obtain a key with (a new key's, or a rotated key's):
    /// the caller must hold each of them, so `credentials:write` can never
    /// be turned into a more powerful key.
    case manageCredentials(of: Tenant, granting: ScopeSet)
    /// Create or rotate a tenant's webhook signing secrets.
    case writeWebhookSecrets(of: Tenant)
    /// List partners: the provider all of them, a partner itself alone.
    case listPartners
    /// Create a partner: the provider only.
    case createPartner
    /// Change a partner's brand (name, colours, support e-mail, domains, logo).
    case manageBrand(ofPartner: Slug)
    /// List or read the users of an organisation.
    case readUsers(of: Principal.Organization)
    /// Create, change or disable users of an organisation, roles included.
    /// Besides the scope, a caller acting as a user must administer the
    /// organisation (see ``AccessPolicy/isAdministrator(_:)``): only
    /// administrators change users, so nobody can grant a role beyond what
    /// their own administration covers.
    case manageUsers(of: Principal.Organization)
    /// Read a partner's published templates and mappings, diffs and deployment status.
    case readCatalog(ofPartner: Slug)
    /// Publish a template or mapping version for a partner.
    case publish(ofPartner: Slug)
}

/// The one place that decides whether a principal may do something.
/// Least privilege: a partner sees only its own tenants; a tenant only itself;
/// only the provider sees everything.
public enum AccessPolicy {
    public struct Denied: Error, Equatable {
        /// Why, as the caller may be told: this decides 404 or 403.
        public enum Kind: String, Sendable, CaseIterable {
            /// The object belongs to another organisation: answered as if it did not exist (404).
            case otherOrganization = "other_organization"
            /// The credential lacks a scope (403).
            case missingScope = "missing_scope"
            /// The caller's organisation or user role may not do this (403).
            case missingRole = "missing_role"
        }

        public let kind: Kind
        public let reason: String

        public init(_ kind: Kind, _ reason: String) {
            self.kind = kind
            self.reason = reason
        }
    }

    /// Returns normally when allowed; throws ``Denied`` (mapped to 404 or 403 by the caller).
    public static func authorize(_ principal: Principal, _ request: AccessRequest) throws(Denied) {
        let otherPartner = Denied(.otherOrganization, "another partner's tenant")
        switch (principal.organization, request) {
        case (.provider, _):
            break
        case (.partner(let mine), .readPartner(let partner)), (.partner(let mine), .manageTenants(let partner)),
            (.partner(let mine), .manageBrand(let partner)), (.partner(let mine), .readCatalog(let partner)),
            (.partner(let mine), .publish(let partner)):
            guard mine == partner else { throw Denied(.otherOrganization, "another partner") }
        case (.partner(let mine), .readTenant(let tenant)), (.partner(let mine), .manageTenant(let tenant)):
            guard tenant.partnerSlug == mine else { throw otherPartner }
        case (.tenant(let mine, _), .readTenant(let tenant)):
            guard tenant.slug == mine else { throw Denied(.otherOrganization, "another tenant") }
        case (.partner(let mine), .readAudit(let organization)):
            guard organization == .partner(mine) else {
                throw Denied(.otherOrganization, "another organisation's audit log")
            }
        case (.tenant(let mine, let partner), .readAudit(let organization)):
            guard organization == .tenant(mine, partner: partner) else {
                throw Denied(.otherOrganization, "another organisation's audit log")
            }
        case (.partner, .listPartners):
            break  // the route lists the caller's own partner only
        case (.tenant, .readPartner), (.tenant, .manageTenants), (.tenant, .manageTenant), (.tenant, .manageBrand),
            (.tenant, .listPartners), (.tenant, .readCatalog), (.tenant, .publish):
            throw Denied(.otherOrganization, "tenants cannot manage tenants")
        case (.partner, .createPartner), (.tenant, .createPartner):
            throw Denied(.missingRole, "only the provider creates partners")
        case (.partner(let mine), .readCredentials(let tenant)),
            (.partner(let mine), .manageCredentials(let tenant, _)),
            (.partner(let mine), .writeWebhookSecrets(let tenant)):
            guard tenant.partnerSlug == mine else { throw otherPartner }
        case (.tenant(let mine, _), .readCredentials(let tenant)),
            (.tenant(let mine, _), .manageCredentials(let tenant, _)),
            (.tenant(let mine, _), .writeWebhookSecrets(let tenant)):
            guard tenant.slug == mine else { throw Denied(.otherOrganization, "another tenant") }
        case (.partner(let mine), .readUsers(let organization)), (.partner(let mine), .manageUsers(let organization)):
            switch organization {
            case .partner(mine), .tenant(_, partner: mine): break
            default: throw Denied(.otherOrganization, "another organisation's users")
            }
        case (.tenant(let mine, _), .readUsers(let organization)), (.tenant(let mine, _), .manageUsers(let organization)):
            guard case .tenant(mine, _) = organization else {
                throw Denied(.otherOrganization, "another organisation's users")
            }
        }
        let scope: String
        switch request {
        case .readPartner, .readTenant, .listPartners: scope = "tenants:read"
        case .manageTenants, .manageTenant, .createPartner, .manageBrand: scope = "tenants:write"
        case .readAudit: scope = "audit:read"
        case .readCredentials, .manageCredentials: scope = "credentials:write"
        case .writeWebhookSecrets: scope = "secrets:write"
        case .readUsers: scope = "users:read"
        case .manageUsers: scope = "users:write"
        case .readCatalog: scope = "catalog:read"
        case .publish: scope = "catalog:publish"
        }
        let implied = ["tenants:read": "tenants:write", "users:read": "users:write", "catalog:read": "catalog:publish"][scope]
        guard principal.has(scope: scope) || implied.map(principal.has(scope:)) == true else {
            throw Denied(.missingScope, "missing scope \(scope)")
        }
        if case .manageCredentials(_, let granting) = request {
            for granted in granting.names where !principal.has(scope: granted) {
                throw Denied(.missingScope, "missing scope \(granted)")
            }
        }
        if case .manageUsers = request, !isAdministrator(principal) {
            throw Denied(.missingRole, "only an administrator of the organisation manages its users")
        }
    }

    /// The role that administers an organisation's users.
    public static func administratorRole(of organization: Principal.Organization) -> String {
        switch organization {
        case .provider: return "provider_ops"
        case .partner: return "partner_admin"
        case .tenant: return "tenant_admin"
        }
    }

    /// Whether `principal` administers users within its reach (its own
    /// organisation and, for a partner, its tenants): provider ops, a partner
    /// admin, a tenant admin. An organisation's own API key (no user behind
    /// it) acts as the organisation, bounded by its scopes, as it does on
    /// every other route: keys are issued only by those who could do the same.
    public static func isAdministrator(_ principal: Principal) -> Bool {
        guard principal.user != nil else { return true }
        return principal.roles.contains(administratorRole(of: principal.organization))
    }
}
