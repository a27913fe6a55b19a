import ControlPlane
import Engine
import Events
import Foundation
import HTTP
import Rendering

/// Partner admins: which template versions, with which parameters, run new
/// work in each of their client tenants (``Deployments/active(tenant:)``).
struct DeploymentPages: Sendable {
    let portal: Portal

    func show(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, partner) = try request.requirePartnerAdmin()
        guard let service = portal.dependencies.service, let catalog = portal.dependencies.templates else {
            throw PortalError(status: 503, code: "deployments_unavailable", message: "Deployments are not available on this server.")
        }
        let deployments = Deployments(databases: portal.dependencies.databases, catalog: catalog)
        let dates = portal.dates(for: request)
        var tenants: [ViewValue] = []
        for tenant in try await service.listTenants(partner: partner) where tenant.status != .deleted {
            try CredentialPages.authorize(user.principal, .readTenant(tenant))
            // Only an active tenant's runtime is reachable; the others are listed with their status.
            let active = tenant.status == .active ? try await deployments.active(tenant: tenant.slug) : []
            let rows: [ViewValue] = active.map { deployment in
                let newest = catalog.template(deployment.template.slug)?.version
                return [
                    "template": .string(deployment.template.slug), "title": .string(deployment.template.title),
                    "version": .string(deployment.template.version),
                    "newer": .string(newest.flatMap { $0 == deployment.template.version ? nil : $0 } ?? ""),
                    "parameters": .list(
                        deployment.parameters.keys.sorted().map { name in
                            ["name": .string(name), "value": .string(Self.text(deployment.parameters[name] ?? .null))]
                        }),
                    "deployed_by": .string(deployment.deployedBy), "deployed_at": .string(dates.dateTime(deployment.deployedAt)),
                ]
            }
            tenants.append([
                "slug": .string(tenant.slug.value), "name": .string(tenant.legalName), "status": .string(tenant.status.rawValue),
                "is_active": .bool(tenant.status == .active), "deployments": .list(rows),
            ])
        }
        return try portal.render("deployments", request, title: "Deployments", page: ["tenants": .list(tenants)])
    }

    /// A parameter value as a person reads it: strings without JSON quotes.
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .number(let text): text
        case .bool(let flag): flag ? "yes" : "no"
        case .null: "—"
        default: value.serialized()
        }
    }
}
