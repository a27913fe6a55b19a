import ControlPlane
import Cryptography
import Foundation
import Postgres
import SchemaMigration

// Usage: TenantsBench <count> <migrations-dir>   (DATABASE_URL: an empty database, superuser)
let arguments = CommandLine.arguments
guard arguments.count == 3, let count = Int(arguments[1]), count > 0 else {
    FileHandle.standardError.write(Data("usage: TenantsBench <count> <migrations-dir>\n".utf8))
    exit(64)
}
let migrations = URL(fileURLWithPath: arguments[2])
let configuration = PostgresConfiguration.fromEnvironment()
let pool = PostgresPool(configuration, configuration: .init(maximumConnections: 4))

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

let migrator = try Migrator(pool: pool, migrationsDirectory: migrations)
try await migrator.migrate()
let keyRing = try KeyRing(currentKey: SymmetricKey(data: try SecureRandom.bytes(count: 32)), id: "bench")
let service = TenantService(pool: pool, migrator: migrator, keyRing: keyRing)
let partner = try Slug("bench_partner")
_ = try await service.createPartner(
    slug: partner, kind: .msp, displayName: "Bench", supportEmail: "bench@example.com", actor: "bench")

let clock = ContinuousClock()
var timings: [Double] = []
let started = clock.now
for index in 0..<count {
    let slug = try Slug(String(format: "bench_%05d", index))
    let before = clock.now
    _ = try await service.createTenant(partner: partner, slug: slug, legalName: "Bench Tenant \(index)", actor: "bench")
    timings.append(milliseconds(clock.now - before))
}
let total = clock.now - started
timings.sort()
print(String(format: "provisioned %d tenants in %.1f s", count, milliseconds(total) / 1000))
print(String(format: "per tenant: median %.1f ms, p99 %.1f ms, max %.1f ms (target: median < 150 ms)",
             percentile(timings, 0.5), percentile(timings, 0.99), timings.last ?? 0))

// Roll a new tenant migration out to every tenant schema.
let extended = FileManager.default.temporaryDirectory.appendingPathComponent("bench-migrations-\(UUID().uuidString)")
try FileManager.default.copyItem(at: migrations, to: extended)
try """
    CREATE TABLE bench_rollout (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text NOT NULL);
    CREATE INDEX bench_rollout_note_idx ON bench_rollout (note);
    """.write(to: extended.appendingPathComponent("tenant/9999_bench_rollout.sql"), atomically: true, encoding: .utf8)
let rollout = try Migrator(pool: pool, migrationsDirectory: extended)
let rolloutStart = clock.now
let report = try await rollout.migrate()
let rolloutTime = clock.now - rolloutStart
print(String(format: "rolled one new tenant migration out to %d schemas in %.1f s (%.1f ms per schema)",
             report.applied.count, milliseconds(rolloutTime) / 1000, milliseconds(rolloutTime) / Double(max(1, report.applied.count))))
try? FileManager.default.removeItem(at: extended)
await pool.close()
