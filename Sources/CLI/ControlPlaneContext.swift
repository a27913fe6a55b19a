import ControlPlane
import Cryptography
import Foundation
import Platform
import Postgres
import SchemaMigration
import Telemetry

/// What operator commands that change the control plane need: an admin pool,
/// the migrator and the master key ring. Closed with ``close()``.
struct ControlPlaneContext {
    let pool: PostgresPool
    let service: TenantService
    /// Who the audit log records for commands run from a shell.
    let actor: String

    static func open(_ configuration: AppConfiguration, environment: [String: String], needsMasterKey: Bool)
        throws -> ControlPlaneContext
    {
        let logger = configuration.makeLogger(label: "cli")
        let keyRing: KeyRing
        if let ring = try configuration.masterKeyRing() {
            keyRing = ring
        } else if needsMasterKey {
            throw SettingError(
                setting: "master-key-file", source: .defaultValue,
                problem: "this command seals secrets and needs COUNTERSIGN_MASTER_KEY_FILE or --master-key-file")
        } else {
            // Commands that never seal or open secrets still need a ring to build the service.
            keyRing = try KeyRing(currentKey: SymmetricKey(data: try SecureRandom.bytes(count: 32)), id: "unused")
        }
        let pool = PostgresPool(
            configuration.postgres, configuration: PostgresPool.Configuration(maximumConnections: 2), logger: logger)
        let migrator = try Migrator(
            pool: pool, migrationsDirectory: try configuration.requireRoot().appendingPathComponent("Migrations"),
            logger: logger)
        let user = environment["USER"] ?? environment["LOGNAME"] ?? "operator"
        return ControlPlaneContext(
            pool: pool, service: TenantService(pool: pool, migrator: migrator, keyRing: keyRing, logger: logger),
            actor: "cli:\(user)")
    }

    /// Runs `body` and closes the pool whatever happens.
    func run<Result: Sendable>(_ body: (ControlPlaneContext) async throws -> Result) async throws -> Result {
        do {
            let result = try await body(self)
            await pool.close()
            return result
        } catch {
            await pool.close()
            throw error
        }
    }
}

