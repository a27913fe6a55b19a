import ControlPlane
import Foundation
import Postgres

/// Which template version each of a partner's tenants runs: what a publisher
/// checks before and after publishing a version.
///
/// Reads each active tenant's `deployments` through that tenant's own login
/// role (one tenant at a time; suspended and deleted tenants have no runtime
/// to report). Only active deployments are listed: older ones still serve
/// their in-flight runs but start none.
public struct DeploymentStatus: Sendable {
    let service: TenantService
    let databases: TenantDatabases

    public init(service: TenantService, databases: TenantDatabases) {
        self.service = service
        self.databases = databases
    }

    public struct Item: Sendable, Equatable {
        public let tenant: Slug
        public let tenantName: String
        public let template: String
        public let version: String
        public let deployedBy: String
        public let deployedAt: Date
    }

    /// Active template deployments of every active tenant of `partner`, by tenant then template.
    public func templates(partner: Slug) async throws -> [Item] {
        var items: [Item] = []
        for tenant in try await service.listTenants(partner: partner) where tenant.status == .active {
            let rows = try await databases.withConnection(for: tenant.slug) { connection in
                try await connection.query(
                    """
                    SELECT template_slug, template_version, deployed_by, deployed_at FROM deployments
                    WHERE active ORDER BY template_slug
                    """)
            }
            for row in rows {
                items.append(
                    Item(
                        tenant: tenant.slug, tenantName: tenant.legalName, template: try row.decode("template_slug"),
                        version: try row.decode("template_version"), deployedBy: try row.decode("deployed_by"),
                        deployedAt: try row.decode("deployed_at")))
            }
        }
        return items
    }
}
