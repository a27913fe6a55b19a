import Foundation
import Postgres
import SchemaMigration
import TestSupport
import Testing

/// A throwaway `Migrations/` folder with `control/` and `tenant/` subfolders.
struct MigrationsFolder {
    let root: URL

    init(control: [String: String], tenant: [String: String] = [:]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        for (scope, files) in [("control", control), ("tenant", tenant)] {
            let folder = root.appendingPathComponent(scope)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (name, sql) in files {
                try sql.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
        }
    }

    func write(_ scope: String, _ name: String, _ sql: String) throws {
        try sql.write(to: root.appendingPathComponent(scope).appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func remove(_ scope: String, _ name: String) throws {
        try FileManager.default.removeItem(at: root.appendingPathComponent(scope).appendingPathComponent(name))
    }
}

let controlFiles = [
    "0001_first.sql": "CREATE TABLE control.first (id int PRIMARY KEY);",
    "0002_second.sql": "CREATE TABLE control.second (id int); INSERT INTO control.second VALUES (1), (2);",
]
let tenantFiles = [
    "0001_docs.sql": "CREATE TABLE docs (id int PRIMARY KEY, body text);",
    "0002_more.sql": "ALTER TABLE docs ADD COLUMN status text NOT NULL DEFAULT 'open';",
]

@Suite("Migrations")
struct MigratorTests {
    @Test func appliesInOrderOnceAndRecordsChecksums() async throws {
        let folder = try MigrationsFolder(control: controlFiles, tenant: tenantFiles)
        try await withTestPool { pool in
            let migrator = try Migrator(pool: pool, migrationsDirectory: folder.root)
            let first = try await migrator.migrate()
            #expect(first.applied.map(\.fileName) == ["0001_first.sql", "0002_second.sql"])
            let second = try await migrator.migrate()
            #expect(second.applied.isEmpty)
            let rows = try await pool.query("SELECT file_name, checksum FROM control.schema_migrations ORDER BY version")
            #expect(try rows.map { try $0.decode("file_name", as: String.self) } == ["0001_first.sql", "0002_second.sql"])
            #expect(try rows[0].decode("checksum", as: String.self) == migrator.controlMigrations[0].checksum)
            #expect(try await pool.query("SELECT count(*) AS n FROM control.second")[0].decode("n", as: Int.self) == 2)
        }
    }

    @Test func anEditedAppliedMigrationIsAnErrorNamingTheFile() async throws {
        let folder = try MigrationsFolder(control: controlFiles)
        try await withTestPool { pool in
            try await Migrator(pool: pool, migrationsDirectory: folder.root).migrate()
            try folder.write("control", "0001_first.sql", "CREATE TABLE control.first (id bigint PRIMARY KEY);")
            let error = await #expect(throws: MigrationError.self) {
                try await Migrator(pool: pool, migrationsDirectory: folder.root).migrate()
            }
            #expect(error?.kind == .checksumMismatch)
            #expect(error?.message.contains("0001_first.sql") == true)
        }
    }

    @Test func aMissingAppliedFileIsAnError() async throws {
        let folder = try MigrationsFolder(control: controlFiles)
        try await withTestPool { pool in
            try await Migrator(pool: pool, migrationsDirectory: folder.root).migrate()
            try folder.remove("control", "0002_second.sql")
            let error = await #expect(throws: MigrationError.self) {
                try await Migrator(pool: pool, migrationsDirectory: folder.root).migrate()
            }
            #expect(error?.kind == .missingFile)
            #expect(error?.message.contains("0002_second.sql") == true)
        }
    }

    @Test func aFailingMigrationLeavesNothingHalfApplied() async throws {
        let folder = try MigrationsFolder(control: [
            "0001_ok.sql": "CREATE TABLE control.ok (id int);",
            "0002_bad.sql": "CREATE TABLE control.half (id int); SELECT no_such_function();",
        ])
        try await withTestPool { pool in
            let error = await #expect(throws: MigrationError.self) {
                try await Migrator(pool: pool, migrationsDirectory: folder.root).migrate()
            }
            #expect(error?.message.contains("0002_bad.sql") == true)
            let tables = try await pool.query(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'control' ORDER BY tablename")
            #expect(try tables.map { try $0.decode("tablename", as: String.self) } == ["ok", "schema_migrations"])
            let status = try await Migrator(pool: pool, migrationsDirectory: folder.root).status()
            #expect(status.map(\.state) == [.applied, .pending])
        }
    }

    @Test func concurrentMigratorsApplyEachMigrationOnce() async throws {
        let folder = try MigrationsFolder(control: [
            "0001_counter.sql": "CREATE TABLE control.runs (n int); INSERT INTO control.runs VALUES (1);",
            "0002_slow.sql": "SELECT pg_sleep(0.2); INSERT INTO control.runs VALUES (2);",
        ])
        try await withTestPool(configuration: .init(maximumConnections: 4)) { pool in
            let reports = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await Migrator(pool: pool, migrationsDirectory: folder.root).migrate().applied.count
                    }
                }
                var counts: [Int] = []
                for try await count in group { counts.append(count) }
                return counts.sorted()
            }
            #expect(reports == [0, 0, 2])
            let runs = try await pool.query("SELECT n FROM control.runs ORDER BY n")
            #expect(try runs.map { try $0.decode("n", as: Int.self) } == [1, 2])
        }
    }

    @Test func tenantMigrationsRollOutToEveryTenantSchemaResumably() async throws {
        let folder = try MigrationsFolder(control: controlFiles, tenant: tenantFiles)
        try await withTestPool { pool in
            for schema in ["t_alpha", "t_beta", "t_gamma"] {
                try await pool.query("CREATE SCHEMA \(identifier: try SQLIdentifier(schema))")
            }
            // t_beta already has a conflicting table: the rollout stops there.
            try await pool.query("CREATE TABLE t_beta.docs (conflict int)")
            let migrator = try Migrator(pool: pool, migrationsDirectory: folder.root)
            let error = await #expect(throws: MigrationError.self) { try await migrator.migrate() }
            #expect(error?.message.contains("t_beta") == true)
            var status = try await migrator.status()
            #expect(status.filter { $0.schema == "t_alpha" }.allSatisfy { $0.state == .applied })
            #expect(status.filter { $0.schema == "t_beta" || $0.schema == "t_gamma" }.allSatisfy { $0.state == .pending })

            // After the operator fixes t_beta, a second run continues where the first stopped.
            try await pool.query("DROP TABLE t_beta.docs")
            let progress = ProgressLog()
            let report = try await migrator.migrate { progress.append($0.schema) }
            #expect(Set(report.applied.map(\.schema)) == ["t_beta", "t_gamma"])
            #expect(progress.items == ["control", "t_alpha", "t_beta", "t_gamma"])
            status = try await migrator.status()
            #expect(status.allSatisfy { $0.state == .applied })
            // Tables landed in each tenant's own schema, with its own ledger.
            let tables = try await pool.query(
                "SELECT schemaname FROM pg_tables WHERE tablename = 'docs' ORDER BY schemaname")
            #expect(try tables.map { try $0.decode("schemaname", as: String.self) } == ["t_alpha", "t_beta", "t_gamma"])
        }
    }

    @Test func migrateTenantBringsOneSchemaUpToDate() async throws {
        let folder = try MigrationsFolder(control: controlFiles, tenant: tenantFiles)
        try await withTestPool { pool in
            let schema = try SQLIdentifier("t_solo")
            try await pool.query("CREATE SCHEMA \(identifier: schema)")
            let migrator = try Migrator(pool: pool, migrationsDirectory: folder.root)
            #expect(try await migrator.migrateTenant(schema) == ["0001_docs.sql", "0002_more.sql"])
            #expect(try await migrator.migrateTenant(schema) == [])
            let missing = await #expect(throws: MigrationError.self) {
                try await migrator.migrateTenant(try SQLIdentifier("t_absent"))
            }
            #expect(missing?.message.contains("t_absent") == true)
        }
    }

    @Test func theRepositoryMigrationsApplyCleanly() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Migrations")
        try await withTestPool { pool in
            try await pool.query("CREATE SCHEMA t_repo")
            let migrator = try Migrator(pool: pool, migrationsDirectory: root)
            try await migrator.migrate()
            #expect(try await migrator.status().allSatisfy { $0.state == .applied })
        }
    }
}

@Suite("Migration files")
struct MigrationLoaderTests {
    @Test(arguments: ["1_short.sql", "00001_long.sql", "0001.sql", "0001-dash.sql", "abcd_x.sql"])
    func badFileNamesAreErrorsNamingTheFile(name: String) throws {
        let folder = try MigrationsFolder(control: [name: "SELECT 1;"])
        let error = #expect(throws: MigrationError.self) {
            try MigrationLoader.load(from: folder.root.appendingPathComponent("control"))
        }
        #expect(error?.message.contains(name) == true)
    }

    @Test func duplicateVersionsAreRefused() throws {
        let folder = try MigrationsFolder(control: ["0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 2;"])
        let error = #expect(throws: MigrationError.self) {
            try MigrationLoader.load(from: folder.root.appendingPathComponent("control"))
        }
        #expect(error?.kind == .duplicateVersion)
    }

    @Test func checksumsAreSHA256OfTheFile() throws {
        let migration = try Migration(version: 1, fileName: "0001_a.sql", sql: "abc")
        #expect(migration.checksum == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

/// Collects progress callbacks from the migrator.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ item: String) { lock.withLock { storage.append(item) } }
    var items: [String] { lock.withLock { storage } }
}
