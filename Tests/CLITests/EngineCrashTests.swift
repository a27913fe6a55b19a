#if canImport(Glibc)
    import Glibc
#endif
import ControlPlane
import Cryptography
import Engine
import Events
import Foundation
import Ingest
import Postgres
import SchemaMigration
import TestSupport
import Testing

@Suite("Crash safety of the workflow engine", .serialized)
struct EngineCrashTests {
    /// A worker SIGKILLed in the middle of a burst of runs: after another
    /// worker takes over, every run completes, and no step's effect (emitted
    /// event, audit entry, usage count) appears twice.
    @Test func killingAWorkerMidBurstCompletesEveryRunExactlyOnce() async throws {
        let executable = try countersignExecutablePath()
        try await withTestDatabase { database in
            let databaseURL = try connectionURL(database)
            let masterKeyFile = try makeMasterKeyFile()
            let keyRing = try MasterKey.keyRing(
                contents: try Array(Data(contentsOf: URL(fileURLWithPath: masterKeyFile))), source: masterKeyFile)
            let slug = try Slug("engcrash_\(UUID().uuidString.prefix(6).lowercased())")
            let pool = PostgresPool(database)
            let root = URL(fileURLWithPath: repositoryRoot)
            let migrator = try Migrator(pool: pool, migrationsDirectory: root.appendingPathComponent("Migrations"))
            try await migrator.migrate()
            let service = TenantService(pool: pool, migrator: migrator, keyRing: keyRing)
            let databases = TenantDatabases(service: service)
            do {
                let partner = try Slug("engine_partner")
                _ = try await service.createPartner(
                    slug: partner, kind: .msp, displayName: "Engine MSP", supportEmail: "ops@engine.example", actor: "test")
                _ = try await service.createTenant(partner: partner, slug: slug, legalName: "Engine Co", actor: "test")
                let events = try EventCatalog.load(from: root.appendingPathComponent("Templates/events"))
                let catalog = try TemplateCatalog.load(
                    from: root.appendingPathComponent("Templates"), knownEventTypes: Set(events.types.map(\.type)))
                _ = try await Deployments(databases: databases, catalog: catalog).deploy(
                    tenant: slug, slug: "three-way-match", version: nil, parameters: [:], actor: "test")
                // Clean matches: every run goes documents → match → route → release without a person.
                let runs = 1_200
                let ingest = IngestService(catalog: events, databases: databases)
                let context = IngestContext(ingress: .api, detail: "test")
                for batch in stride(from: 0, to: runs, by: 100) {
                    let trios = (batch..<batch + 100).flatMap(cleanMatchEvents)
                    let body = #"{"events":["# + trios.joined(separator: ",") + "]}"
                    _ = try await ingest.ingest(body: Array(body.utf8), tenant: slug, idempotencyKey: nil, context: context)
                }
                let schema = try SQLIdentifier(slug.tenantSchemaName)

                // The second half's invoices are held back from dispatch (their queue rows locked; dispatch
                // skips locked rows), so however fast the first worker is, it is killed with runs unfinished.
                let (locked, lockedSignal) = AsyncStream<Void>.makeStream()
                let (release, releaseSignal) = AsyncStream<Void>.makeStream()
                let holder = Task {
                    try await pool.withTransaction { tx in
                        try await tx.query(
                            PostgresQuery(
                                unsafeSQL: """
                                    SELECT i.event_seq FROM \(schema.quoted).engine_inbox i
                                    JOIN \(schema.quoted).events e ON e.seq = i.event_seq
                                    WHERE e.event_id LIKE 'inv-%' AND substring(e.event_id FROM 5)::int >= \(runs / 2)
                                    FOR UPDATE OF i
                                    """))
                        lockedSignal.yield()
                        for await _ in release { break }
                    }
                }
                for await _ in locked { break }

                let arguments = [
                    "worker", "--database-url", databaseURL, "--master-key-file", masterKeyFile, "--root", repositoryRoot,
                    // The second worker takes the tenant's runtime over once the killed one's lease expires.
                    "--log-level", "warning", "--engine-lease", "2",
                ]
                let first = try ChildProcess(executable: executable, arguments: arguments)
                func completed() async throws -> Int {
                    let rows = try await pool.query(
                        "SELECT count(*)::int AS n FROM \(identifier: schema, try SQLIdentifier("runs")) WHERE status = 'completed'")
                    return try rows[0].decode("n", as: Int.self)
                }
                // Killed as soon as its first pass has committed, in the middle of the runs it can take.
                for _ in 0..<1_500 where try await completed() == 0 {
                    try await Task.sleep(for: .milliseconds(10))
                }
                first.kill(SIGKILL)
                let atKill = try await completed()
                #expect(atKill > 0 && atKill <= runs / 2, "killed at \(atKill) completed runs")
                releaseSignal.yield()
                try await holder.value

                let second = try ChildProcess(executable: executable, arguments: arguments)
                defer { second.kill(SIGTERM) }
                for _ in 0..<3_000 where try await completed() < runs {
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(try await completed() == runs)

                func scalar(_ sql: String) async throws -> Int {
                    let rows = try await pool.query(PostgresQuery(unsafeSQL: sql.replacingOccurrences(of: "$S", with: schema.quoted)))
                    return try rows[0].decode("n", as: Int.self)
                }
                // Stopped gracefully, a worker gives the tenant's runtime up at once rather than when its lease expires.
                second.kill(SIGTERM)
                #expect(try await scalar("SELECT count(*)::int AS n FROM $S.engine_lease") == 0)
                #expect(try await scalar("SELECT count(*)::int AS n FROM $S.runs") == runs)
                #expect(try await scalar("SELECT count(*)::int AS n FROM $S.events WHERE ingress = 'internal'") == runs)
                #expect(try await scalar("SELECT count(*)::int AS n FROM $S.run_steps WHERE step_id = 'release'") == runs)
                #expect(
                    try await scalar(
                        "SELECT count(*)::int AS n FROM (SELECT run_id, step_id FROM $S.run_steps GROUP BY 1, 2 HAVING count(*) > 1) d")
                        == 0)
                #expect(try await scalar("SELECT count(*)::int AS n FROM $S.audit_log WHERE action = 'run.completed'") == runs)
                #expect(
                    try await scalar(
                        "SELECT coalesce(sum(quantity), 0)::int AS n FROM $S.usage_counters WHERE metric = 'engine.runs_completed'")
                        == runs)
                #expect(
                    try await scalar(
                        "SELECT coalesce(sum(quantity), 0)::int AS n FROM $S.usage_counters WHERE metric = 'engine.steps'")
                        == runs * 4)
            } catch {
                await databases.close()
                await pool.close()
                try? await dropTenantRoles(database, [slug.tenantSchemaName])
                throw error
            }
            await databases.close()
            await pool.close()
            try await dropTenantRoles(database, [slug.tenantSchemaName])
        }
    }
}

/// The `countersign` executable built next to this test bundle.
func countersignExecutablePath() throws -> String {
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = folder.appendingPathComponent("countersign")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
        folder = folder.deletingLastPathComponent()
    }
    let fallback = URL(fileURLWithPath: repositoryRoot).appendingPathComponent(".build/debug/countersign").path
    try #require(FileManager.default.isExecutableFile(atPath: fallback), "build the countersign executable first")
    return fallback
}
