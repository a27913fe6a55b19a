import ControlPlane
import Cryptography
import Foundation
import Postgres
import SchemaMigration
import TestSupport
import Testing

let repositoryMigrations = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Migrations")

/// A migrated control plane in a fresh database, with a partner `northwind`.
func withControlPlane(_ body: (TenantService) async throws -> Void) async throws {
    try await withTestPool(configuration: .init(maximumConnections: 4, checkoutTimeout: .seconds(30))) { pool in
        let migrator = try Migrator(pool: pool, migrationsDirectory: repositoryMigrations)
        try await migrator.migrate()
        let keyRing = try KeyRing(currentKey: SymmetricKey(data: try SecureRandom.bytes(count: 32)), id: "test")
        let service = TenantService(pool: pool, migrator: migrator, keyRing: keyRing)
        _ = try await service.createPartner(
            slug: try Slug("northwind"), kind: .msp, displayName: "Northwind IT", supportEmail: "help@northwind.example",
            actor: "test")
        do {
            try await body(service)
        } catch {
            try? await dropTenantRoles(pool)
            throw error
        }
        try await dropTenantRoles(pool)
    }
}

/// Roles are cluster-wide: drop the ones a test created so that tests stay independent.
func dropTenantRoles(_ pool: PostgresPool) async throws {
    let schemas = try await pool.query("SELECT slug FROM control.tenants WHERE status <> 'deleted'")
    for row in schemas {
        let role = try SQLIdentifier("t_" + (try row.decode("slug", as: String.self)))
        try await pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(role.name)")
        try await pool.query("DROP SCHEMA IF EXISTS \(identifier: role) CASCADE")
        try await pool.query("DROP OWNED BY \(identifier: role)")
        try await pool.query("DROP ROLE IF EXISTS \(identifier: role)")
    }
}

/// A unique slug per test run, because roles are shared by the whole cluster.
func uniqueSlug(_ base: String) throws -> Slug {
    try Slug(base + "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(8))
}

@Suite("Tenant provisioning and lifecycle")
struct TenantServiceTests {
    @Test func provisioningCreatesAnIsolatedSchemaAndRole() async throws {
        try await withControlPlane { service in
            let slug = try uniqueSlug("acme")
            let tenant = try await service.createTenant(
                partner: try Slug("northwind"), slug: slug, legalName: "Acme Foods Ltd", actor: "test")
            #expect(tenant.status == .active)
            #expect(tenant.schemaName == "t_\(slug)")
            let pool = service.pool
            let owner = try await pool.query(
                "SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = \(tenant.schemaName)")
            #expect(try owner[0].decode("owner", as: String.self) == "countersign")
            let role = try await pool.query(
                "SELECT rolcanlogin, rolsuper, rolinherit FROM pg_roles WHERE rolname = \(tenant.schemaName)")
            #expect(try role[0].decode("rolcanlogin", as: Bool.self))
            #expect(try !role[0].decode("rolsuper", as: Bool.self))
            // The tenant's own login sees its schema and its audit log, which it may append to but not rewrite.
            let tenantConnection = try await PostgresConnection.connect(try await service.databaseConfiguration(for: slug))
            let current = try await tenantConnection.query("SELECT current_user AS u, current_schema() AS s")
            #expect(try current[0].decode("u", as: String.self) == tenant.schemaName)
            #expect(try current[0].decode("s", as: String.self) == tenant.schemaName)
            let entries = try await tenantConnection.query("SELECT action FROM audit_log")
            #expect(try entries.map { try $0.decode("action", as: String.self) } == ["tenant.provisioned"])
            let update = await #expect(throws: PostgresError.self) {
                try await tenantConnection.query("UPDATE audit_log SET actor = 'mallory'")
            }
            #expect(update?.isInsufficientPrivilege == true)
            let control = await #expect(throws: PostgresError.self) {
                try await tenantConnection.query("SELECT * FROM control.tenants")
            }
            #expect(control?.isInsufficientPrivilege == true)
            await tenantConnection.close()
        }
    }

    @Test func aTenantCannotReachAnotherTenantEvenAfterResetRole() async throws {
        try await withControlPlane { service in
            let a = try uniqueSlug("alpha")
            let b = try uniqueSlug("beta")
            for slug in [a, b] {
                _ = try await service.createTenant(partner: try Slug("northwind"), slug: slug, legalName: "Co \(slug)", actor: "test")
            }
            let connection = try await PostgresConnection.connect(try await service.databaseConfiguration(for: a))
            for attempt in [
                "SELECT * FROM t_\(b).audit_log",
                "RESET ROLE; SELECT * FROM t_\(b).audit_log",
                "SET ROLE t_\(b)",
                "SET SESSION AUTHORIZATION countersign",
                "CREATE TABLE public.leak (x int)",
                "CREATE TABLE t_\(a).sneaky (x int)",
                "CREATE TEMPORARY TABLE scratch (x int)",
            ] {
                let error = await #expect(throws: PostgresError.self, "\(attempt)") {
                    try await connection.executeScript(unsafeSQL: attempt)
                }
                #expect(error?.isInsufficientPrivilege == true, "\(attempt): \(String(reflecting: error))")
            }
            await connection.close()
        }
    }

    @Test func anInterruptedProvisioningIsCompletedByARetry() async throws {
        try await withControlPlane { service in
            let slug = try uniqueSlug("crashy")
            // What a crash right after the first step leaves behind: the row, nothing else.
            try await service.pool.query(
                """
                INSERT INTO control.tenants (partner_id, slug, legal_name)
                SELECT id, \(slug.value), 'Crashy Ltd' FROM control.partners WHERE slug = 'northwind'
                """)
            #expect(try await service.tenant(slug).status == .provisioning)
            let tenant = try await service.createTenant(
                partner: try Slug("northwind"), slug: slug, legalName: "Crashy Ltd", actor: "test")
            #expect(tenant.status == .active)
            // And again: idempotent.
            #expect(try await service.createTenant(partner: try Slug("northwind"), slug: slug, legalName: "Crashy Ltd", actor: "test") == tenant)
        }
    }

    @Test func suspendResumeAndConfirmedDeletion() async throws {
        try await withControlPlane { service in
            let slug = try uniqueSlug("gone")
            _ = try await service.createTenant(partner: try Slug("northwind"), slug: slug, legalName: "Gone Ltd", actor: "test")
            #expect(try await service.suspend(slug, actor: "test").status == .suspended)
            let blocked = await #expect(throws: ControlPlaneError.self) { try await service.databaseConfiguration(for: slug) }
            #expect(blocked?.code == "tenant_suspended")
            await #expect(throws: ControlPlaneError.self) { try await service.suspend(slug, actor: "test") }
            #expect(try await service.resume(slug, actor: "test").status == .active)

            let wrong = await #expect(throws: ControlPlaneError.self) {
                try await service.delete(slug, confirmation: "guess", actor: "test")
            }
            #expect(wrong?.code == "invalid_confirmation")
            let token = try await service.requestDeletion(slug, actor: "test")
            try await service.delete(slug, confirmation: token, actor: "test")
            #expect(try await service.tenant(slug).status == .deleted)
            let leftovers = try await service.pool.query(
                """
                SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = \(slug.tenantSchemaName))
                     + (SELECT count(*) FROM pg_roles WHERE rolname = \(slug.tenantSchemaName)) AS n
                """)
            #expect(try leftovers[0].decode("n", as: Int.self) == 0)
            // A token works once.
            await #expect(throws: ControlPlaneError.self) { try await service.delete(slug, confirmation: token, actor: "test") }
        }
    }

    @Test func badInputGetsClearErrors() async throws {
        try await withControlPlane { service in
            let missing = await #expect(throws: ControlPlaneError.self) {
                try await service.createTenant(partner: try Slug("nobody"), slug: try uniqueSlug("x"), legalName: "X", actor: "test")
            }
            #expect(missing?.code == "partner_not_found")
            let duplicate = await #expect(throws: ControlPlaneError.self) {
                try await service.createPartner(
                    slug: try Slug("northwind"), kind: .si, displayName: "Again", supportEmail: "a@b.example", actor: "test")
            }
            #expect(duplicate?.code == "partner_exists")
            let badEmail = await #expect(throws: ControlPlaneError.self) {
                try await service.createPartner(
                    slug: try uniqueSlug("p"), kind: .si, displayName: "P", supportEmail: "not-an-email", actor: "test")
            }
            #expect(badEmail?.httpStatus == 422)
        }
    }
}
