import ControlPlane
import Foundation
import Postgres

extension Deployments {
    /// The columns ``TemplateCache/deployment(from:)`` decodes, shared by the
    /// engine (which runs them) and by ``active(tenant:)`` (which shows them).
    static let deploymentColumns: StaticString =
        "id, document::text AS document, parameters::text AS parameters, deployed_by, deployed_at"

    /// The template versions active in `tenant` for new runs, each with its
    /// parameters (given or defaulted), in template order.
    public func active(tenant: Slug) async throws -> [Deployment] {
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                "SELECT \(fragment: Self.deploymentColumns) FROM deployments WHERE active ORDER BY template_slug")
        }
        let decoder = TemplateCache()
        var deployments: [Deployment] = []
        for row in rows { deployments.append(try decoder.deployment(from: row)) }
        return deployments
    }
}
