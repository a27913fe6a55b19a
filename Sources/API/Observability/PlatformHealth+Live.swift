import ControlPlane
import Portal
import Postgres

extension MetricsEndpoint {
    /// The connection pools as `countersign_db_pool_connections` reports them.
    static func pools(control: PostgresPool, databases: TenantDatabases?) -> [PlatformHealth.Pool] {
        let main = control.statistics
        var pools = [
            PlatformHealth.Pool(
                name: "control", open: main.open, idle: main.idle, leased: main.leased, waiting: main.waiting,
                maximum: control.configuration.maximumConnections)
        ]
        if let databases {
            let group = databases.statistics
            pools.append(
                PlatformHealth.Pool(
                    name: "tenants", open: group.open, idle: group.idle, leased: group.leased, waiting: group.waiting,
                    maximum: databases.configuration.maximumConnections))
        }
        return pools
    }

    /// Per-tenant queues from the same (cached) snapshot as the tenant gauges.
    func tenantQueues() async throws -> [PlatformHealth.TenantQueues] {
        try await snapshots.current().map { tenant, figures in
            PlatformHealth.TenantQueues(
                tenant: tenant, openExceptions: Int(figures.openExceptions), deadLetters: Int(figures.deadLetters),
                outboxPending: Int(figures.outboxPending), runnable: Int(figures.runnable))
        }.sorted { $0.tenant < $1.tenant }
    }
}

extension PlatformHealth {
    /// `/readyz`'s checks, and the pools and queues `/metrics` reports (the
    /// tenant figures only when a metrics endpoint is configured).
    static func live(probe: HealthRoutes.Probe, metrics: MetricsEndpoint?) -> PlatformHealth {
        PlatformHealth {
            async let database = probe.database()
            async let migrations = probe.migrations()
            // A failing tenant snapshot (the database down) must not hide the checks that say why.
            let tenants = try? await metrics?.tenantQueues()
            return Report(
                databaseProblem: await database, migrationProblem: await migrations,
                pools: metrics.map { MetricsEndpoint.pools(control: $0.control, databases: $0.databases) } ?? [],
                tenants: tenants)
        }
    }
}
