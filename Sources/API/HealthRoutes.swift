import HTTP
import Postgres
import SchemaMigration

/// `GET /healthz` (the process is alive) and `GET /readyz` (it can do useful
/// work: the database answers and the control schema is fully migrated).
///
/// Load balancers route on `/readyz`; orchestrators restart on `/healthz`. So
/// `/healthz` never touches the database: a database outage must not make
/// every process restart.
public struct HealthRoutes: Sendable {
    /// What `/readyz` checks. Each check returns nil when fine, or a short reason.
    public struct Probe: Sendable {
        public var database: @Sendable () async -> String?
        public var migrations: @Sendable () async -> String?

        public init(database: @escaping @Sendable () async -> String?, migrations: @escaping @Sendable () async -> String?) {
            self.database = database
            self.migrations = migrations
        }

        /// Checks the pool with `SELECT 1` and the migrator's pending control migrations.
        public static func live(pool: PostgresPool, migrator: Migrator) -> Probe {
            Probe(
                database: {
                    do {
                        try await pool.query("SELECT 1")
                        return nil
                    } catch let error as PostgresError {
                        return error.code
                    } catch {
                        return "database_error"
                    }
                },
                migrations: {
                    do {
                        let pending = try await migrator.pendingControlMigrations()
                        return pending.isEmpty ? nil : "\(pending.count) pending migration(s)"
                    } catch let error as PostgresError {
                        return error.code
                    } catch {
                        return "migration_status_unknown"
                    }
                })
        }
    }

    private let probe: Probe

    public init(probe: Probe) { self.probe = probe }

    public func register(on router: inout Router) throws {
        try router.get("/healthz") { _ in try .json(HealthBody(status: "ok")) }
        let probe = self.probe
        try router.get("/readyz") { _ in
            async let database = probe.database()
            async let migrations = probe.migrations()
            let checks = ReadinessBody.Checks(database: await database ?? "ok", migrations: await migrations ?? "current")
            let ready = checks.database == "ok" && checks.migrations == "current"
            var response = try HTTPResponse.json(
                ReadinessBody(status: ready ? "ready" : "not_ready", checks: checks),
                status: ready ? .ok : .serviceUnavailable)
            response.headers.set("Cache-Control", "no-store")
            return response
        }
    }

    struct HealthBody: Encodable { let status: String }

    struct ReadinessBody: Encodable {
        struct Checks: Encodable {
            let database: String
            let migrations: String
        }
        let status: String
        let checks: Checks
    }
}
