/// What a signed-in person may do through the portal, from their roles.
///
/// API keys carry scopes chosen when they are issued; a portal session has
/// none of its own, so its scopes follow from the user's roles — least
/// privilege: an auditor reads, a clerk also decides tasks, only admins
/// manage keys, secrets and tenants. ``AccessPolicy`` then applies the same
/// organisation rules as for keys.
public enum RoleScopes {
    static let byRole: [String: [Scope]] = [
        "provider_ops": [.tenantsRead, .tenantsWrite, .auditRead, .runsRead, .tasksRead, .usersRead, .usersWrite],
        "partner_admin": [
            .tenantsRead, .tenantsWrite, .auditRead, .credentialsWrite, .secretsWrite, .usersRead, .usersWrite,
            .catalogRead, .catalogPublish,
        ],
        "partner_publisher": [.tenantsRead, .catalogRead, .catalogPublish],
        "ap_clerk": [.runsRead, .tasksRead, .tasksWrite, .eventsRead],
        "ap_manager": [.runsRead, .runsWrite, .tasksRead, .tasksWrite, .eventsRead, .auditRead],
        "controller": [.runsRead, .runsWrite, .tasksRead, .tasksWrite, .eventsRead, .auditRead],
        "warehouse_lead": [.runsRead, .tasksRead, .tasksWrite, .eventsRead],
        "auditor": [.runsRead, .tasksRead, .eventsRead, .auditRead],
        "tenant_admin": [
            .runsRead, .runsWrite, .tasksRead, .eventsRead, .eventsWrite, .endpointsWrite, .auditRead, .credentialsWrite,
            .secretsWrite, .tenantsRead, .usersRead, .usersWrite,
        ],
    ]

    public static func scopes(for roles: Set<String>) -> Set<String> {
        Set(roles.flatMap { byRole[$0] ?? [] }.map(\.rawValue))
    }
}
