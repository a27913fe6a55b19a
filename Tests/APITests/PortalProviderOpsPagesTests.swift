import API
import ControlPlane
import Foundation
import HTTP
import Metrics
import Portal
import Postgres
import SchemaMigration
import TestSupport
import Testing

/// The portal inside an application that also runs `/readyz` and `/metrics`, as `serve` does.
private func opsApplication(_ world: IngestWorld, probe: HealthRoutes.Probe) throws -> Application {
    let portal = Portal(
        Portal.Dependencies(
            views: try Portal.loadViews(root: repositoryRoot),
            sessions: try SessionStore(pool: world.pool, hasher: testHasher),
            brands: BrandDirectory(pool: world.pool, provider: try BrandDirectory.defaultProvider(), lifetime: 0),
            databases: world.databases, control: world.pool, service: world.service))
    return try Application(
        .init(
            logger: .disabled, health: probe, staticRoot: nil, portal: portal,
            metrics: try MetricsEndpoint(registry: MetricsRegistry(), control: world.pool, databases: world.databases)))
}

@Suite("Portal: provider ops' partners and platform health")
struct PortalProviderOpsPagesTests {
    @Test func providerOpsSeePartnersAndTheHealthFiguresMetricsReport() async throws {
        try await withIngestWorld { world in
            let email = "ops.\(world.tenant.value)@provider.example"
            try await world.pool.query(
                "INSERT INTO control.users (scope, email, display_name, roles) VALUES ('provider', \(email), 'Olu Ops', \(["provider_ops"]))")
            try await addUser(
                world, tenant: world.tenant, email: "clerk.\(world.tenant.value)@client.example", name: "Clerk",
                roles: ["ap_clerk"], password: "clerk-password-1")
            do {
                try await SessionStore(pool: world.pool, hasher: testHasher).setPassword(
                    email: email, password: "provider-ops-pw1", actor: "test")
                // Refused by the catalog: one dead letter in the tenant.
                #expect(try await world.post(#"{"type":"no.such.event","id":"x-1","occurred_at":"2026-11-20T10:00:00Z","source":"erp","data":{}}"#).status == 422)
                let migrator = try Migrator(pool: world.pool, migrationsDirectory: repositoryRoot.appendingPathComponent("Migrations"))
                let application = try opsApplication(world, probe: .live(pool: world.pool, migrator: migrator))
                let ops = Browser(application)
                #expect(try await ops.signIn(email, "provider-ops-pw1").status == 303)
                let home = try await ops.get("/")
                #expect(home.html.contains("href=\"/ops/health\""))
                #expect(home.html.contains("href=\"/ops/partners\""))

                let partners = try await ops.get("/ops/partners")
                #expect(partners.status == 200)
                #expect(partners.html.contains("Ingest Partner"))
                #expect(partners.html.contains("help@ip.example"))

                let health = try await ops.get("/ops/health")
                #expect(health.status == 200)
                #expect(health.html.contains("Database: reachable"))
                #expect(health.html.contains("Control-plane migrations: all applied"))
                #expect(health.html.contains("<th scope=\"row\">control</th>"))
                #expect(health.html.contains("<th scope=\"row\">tenants</th>"))
                let row = try #require(health.html.range(of: "<code>\(world.tenant.value)</code></th>").map {
                    health.html[$0.upperBound...].prefix { $0 != "\n" }
                })
                // open exceptions, dead letters, delivery backlog, runs due
                #expect(row.hasPrefix("<td class=\"num\">0</td><td class=\"num\">1</td>"), "\(row)")

                let clerk = Browser(application)
                _ = try await clerk.signIn("clerk.\(world.tenant.value)@client.example", "clerk-password-1")
                #expect(try await clerk.get("/ops/health").status == 403)
                #expect(try await clerk.get("/ops/partners").status == 403)

                // A database the probe cannot reach is said plainly, with 503 for monitors.
                let down = Browser(try opsApplication(world, probe: .init(database: { "connection_refused" }, migrations: { nil })))
                _ = try await down.signIn(email, "provider-ops-pw1")
                let failing = try await down.get("/ops/health")
                #expect(failing.status == 503)
                #expect(failing.html.contains("Database: connection_refused"))
            } catch {
                _ = try? await world.pool.query("DELETE FROM control.users WHERE email = \(email)")
                try? await removeUsers(world, tenants: [world.tenant])
                throw error
            }
            try await world.pool.query("DELETE FROM control.users WHERE email = \(email)")
            try await removeUsers(world, tenants: [world.tenant])
        }
    }
}
