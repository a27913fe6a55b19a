import ControlPlane
import Cryptography
import Foundation
import Postgres
import SchemaMigration
import TestSupport

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A migrated test database with a tenant service; tenant roles made through `tenant(_:of:)` are dropped afterwards.
final class MeteringWorld: Sendable {
    let pool: PostgresPool
    let service: TenantService
    let suffix = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(6))
    private let created = TenantList()

    private init(pool: PostgresPool, service: TenantService) {
        self.pool = pool
        self.service = service
    }

    /// A partner slug unique to this test (tenant roles are cluster-wide, partners are not, but both read alike).
    func partner(_ name: String) async throws -> Slug {
        let slug = try Slug("\(name)_\(suffix)")
        _ = try await service.createPartner(
            slug: slug, kind: .msp, displayName: "Partner \(name)", supportEmail: "billing@\(name).example", actor: "test")
        return slug
    }

    /// Provisions a tenant for real (schema, role, migrations).
    func tenant(_ name: String, of partner: Slug, legalName: String? = nil) async throws -> Slug {
        let slug = try Slug("\(name)_\(suffix)")
        created.append(slug)
        _ = try await service.createTenant(partner: partner, slug: slug, legalName: legalName ?? "\(name) Ltd", actor: "test")
        return slug
    }

    /// Moves the recorded time of a tenant's lifecycle event: tests state when things happened.
    func setLifecycle(_ tenant: Slug, _ kind: String, at time: String) async throws {
        let updated = try await pool.query(
            """
            UPDATE control.tenant_lifecycle SET at = \(time)::timestamptz
            WHERE kind = \(kind) AND tenant_id = (SELECT id FROM control.tenants WHERE slug = \(tenant.value))
            RETURNING id
            """)
        guard updated.count == 1 else { throw Missing(what: "\(kind) event of \(tenant)") }
    }

    /// Adds a usage counter row, as the writers of each meter would.
    func addUsage(_ tenant: Slug, day: String, metric: String, shard: Int16 = 0, quantity: Int64) async throws {
        let schema = try SQLIdentifier(tenant.tenantSchemaName)
        try await pool.query(
            """
            INSERT INTO \(identifier: schema, try SQLIdentifier("usage_counters")) (day, metric, shard, quantity)
            VALUES (\(day)::date, \(metric), \(shard), \(quantity))
            ON CONFLICT (day, metric, shard) DO UPDATE SET quantity = usage_counters.quantity + EXCLUDED.quantity
            """)
    }

    /// The counter of `metric` summed over shards (and days, unless one is given).
    func counted(_ tenant: Slug, _ metric: String, day: String? = nil) async throws -> Int64 {
        let schema = try SQLIdentifier(tenant.tenantSchemaName)
        let rows = try await pool.query(
            """
            SELECT coalesce(sum(quantity), 0)::bigint AS n FROM \(identifier: schema, try SQLIdentifier("usage_counters"))
            WHERE metric = \(metric) AND (\(day)::date IS NULL OR day = \(day)::date)
            """)
        return try rows[0].decode("n", as: Int64.self)
    }

    struct Missing: Error { let what: String }

    static func with(_ body: (MeteringWorld) async throws -> Void) async throws {
        try await withTestPool(configuration: .init(maximumConnections: 6, checkoutTimeout: .seconds(30))) { pool in
            let migrator = try Migrator(pool: pool, migrationsDirectory: repositoryRoot.appendingPathComponent("Migrations"))
            try await migrator.migrate()
            let keyRing = try KeyRing(currentKey: SymmetricKey(data: try SecureRandom.bytes(count: 32)), id: "test")
            let world = MeteringWorld(pool: pool, service: TenantService(pool: pool, migrator: migrator, keyRing: keyRing))
            do {
                try await body(world)
            } catch {
                try? await world.dropRoles()
                throw error
            }
            try await world.dropRoles()
        }
    }

    /// Tenant login roles are cluster-wide and outlive the test database.
    private func dropRoles() async throws {
        for tenant in created.all {
            let role = try SQLIdentifier(tenant.tenantSchemaName)
            try await pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(role.name)")
            try await pool.query("DROP SCHEMA IF EXISTS \(identifier: role) CASCADE")
            if try await !pool.query("SELECT 1 FROM pg_roles WHERE rolname = \(role.name)").isEmpty {
                try await pool.query("DROP OWNED BY \(identifier: role)")
                try await pool.query("DROP ROLE \(identifier: role)")
            }
        }
    }
}

import Synchronization

final class TenantList: Sendable {
    private let slugs = Mutex<[Slug]>([])
    func append(_ slug: Slug) { slugs.withLock { $0.append(slug) } }
    var all: [Slug] { slugs.withLock { $0 } }
}
