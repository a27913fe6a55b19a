/// The roles a user can hold. Which ones depend on the kind of organisation
/// the user belongs to: a role of another kind would mean nothing there, or
/// worse, something elsewhere, so it is refused.
public enum UserRole: String, Sendable, CaseIterable, Comparable {
    case providerOps = "provider_ops"
    case partnerAdmin = "partner_admin"
    case partnerPublisher = "partner_publisher"
    case apClerk = "ap_clerk"
    case apManager = "ap_manager"
    case controller
    case warehouseLead = "warehouse_lead"
    case auditor
    case tenantAdmin = "tenant_admin"

    /// The roles a user of `organization` may hold.
    public static func allowed(in organization: Principal.Organization) -> [UserRole] {
        switch organization {
        case .provider: return [.providerOps]
        case .partner: return [.partnerAdmin, .partnerPublisher]
        case .tenant: return [.apClerk, .apManager, .controller, .warehouseLead, .auditor, .tenantAdmin]
        }
    }

    /// Parses role names for a user of `organization`, sorted and without duplicates.
    ///
    /// - Throws: `invalid_role` (422, field `roles`) naming the first unknown
    ///   role or one that does not belong to this kind of organisation, or
    ///   when no role is given (a user without roles can do nothing).
    public static func parse(_ names: [String], for organization: Principal.Organization) throws(ControlPlaneError)
        -> [UserRole]
    {
        let allowed = allowed(in: organization)
        var roles: Set<UserRole> = []
        for name in names {
            guard let role = UserRole(rawValue: name), allowed.contains(role) else {
                let shown = name.count <= 40 && name.allSatisfy { $0.isASCII && !$0.isNewline } ? name : "(value)"
                throw .invalid(
                    "invalid_role",
                    "'\(shown)' is not a role for this organisation; roles here: \(allowed.map(\.rawValue).joined(separator: ", "))",
                    field: "roles")
            }
            roles.insert(role)
        }
        guard !roles.isEmpty else { throw .invalid("invalid_role", "give at least one role", field: "roles") }
        return roles.sorted()
    }

    public static func < (lhs: UserRole, rhs: UserRole) -> Bool { lhs.rawValue < rhs.rawValue }
}
