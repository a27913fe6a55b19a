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
}

/// The one place that decides whether a principal may do something.
/// Least privilege: a partner sees only its own tenants; a tenant only itself;
/// only the provider sees everything.
public enum AccessPolicy {
    public struct Denied: Error, Equatable {
        public let reason: String
    }

    /// Returns normally when allowed; throws ``Denied`` (mapped to 404 or 403 by the caller).
    public static func authorize(_ principal: Principal, _ request: AccessRequest) throws(Denied) {
        switch (principal.organization, request) {
        case (.provider, _):
            break
        case (.partner(let mine), .readPartner(let partner)), (.partner(let mine), .manageTenants(let partner)):
            guard mine == partner else { throw Denied(reason: "another partner") }
        case (.partner(let mine), .readTenant(let tenant)), (.partner(let mine), .manageTenant(let tenant)):
            guard tenant.partnerSlug == mine else { throw Denied(reason: "another partner's tenant") }
        case (.tenant(let mine, _), .readTenant(let tenant)):
            guard tenant.slug == mine else { throw Denied(reason: "another tenant") }
        case (.partner(let mine), .readAudit(let organization)):
            guard organization == .partner(mine) else { throw Denied(reason: "another organisation's audit log") }
        case (.tenant(let mine, let partner), .readAudit(let organization)):
            guard organization == .tenant(mine, partner: partner) else {
                throw Denied(reason: "another organisation's audit log")
            }
        case (.tenant, .readPartner), (.tenant, .manageTenants), (.tenant, .manageTenant):
            throw Denied(reason: "tenants cannot manage tenants")
        case (.partner(let mine), .readCredentials(let tenant)),
            (.partner(let mine), .manageCredentials(let tenant, _)),
            (.partner(let mine), .writeWebhookSecrets(let tenant)):
            guard tenant.partnerSlug == mine else { throw Denied(reason: "another partner's tenant") }
        case (.tenant(let mine, _), .readCredentials(let tenant)),
            (.tenant(let mine, _), .manageCredentials(let tenant, _)),
            (.tenant(let mine, _), .writeWebhookSecrets(let tenant)):
            guard tenant.slug == mine else { throw Denied(reason: "another tenant") }
        }
        let scope: String
        switch request {
        case .readPartner, .readTenant: scope = "tenants:read"
        case .manageTenants, .manageTenant: scope = "tenants:write"
        case .readAudit: scope = "audit:read"
        case .readCredentials, .manageCredentials: scope = "credentials:write"
        case .writeWebhookSecrets: scope = "secrets:write"
        }
        guard principal.has(scope: scope) || (scope == "tenants:read" && principal.has(scope: "tenants:write")) else {
            throw Denied(reason: "missing scope \(scope)")
        }
        if case .manageCredentials(_, let granting) = request {
            for granted in granting.names where !principal.has(scope: granted) {
                throw Denied(reason: "missing scope \(granted)")
            }
        }
    }
}
