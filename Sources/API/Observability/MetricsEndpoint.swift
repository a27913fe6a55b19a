import ControlPlane
import Engine
import Finance
import Foundation
import HTTP
import Metrics
import Postgres
import Synchronization
import Telemetry

/// `GET /metrics` in Prometheus text format: HTTP traffic (``HTTPMetricsMiddleware``),
/// connection pools, queue depths, and per-tenant business gauges.
///
/// Tenant gauges cost one query per active tenant, so they are refreshed at
/// most every `tenantRefresh` (a scrape in between reads the last figures)
/// and labelled for the `topTenants` tenants with the most open exceptions
/// only; the rest are summed under `tenant="other"`, so thousands of tenants
/// give a bounded number of series. Unauthenticated, like most exporters:
/// serve it on an internal interface or behind the proxy's access rules.
public struct MetricsEndpoint: Sendable {
    public let registry: MetricsRegistry
    let snapshots: TenantSnapshots
    let control: PostgresPool
    let databases: TenantDatabases?

    public init(
        registry: MetricsRegistry, control: PostgresPool, databases: TenantDatabases?, topTenants: Int = 20,
        tenantRefresh: TimeInterval = 30, logger: Logger = .disabled
    ) throws {
        self.registry = registry
        snapshots = TenantSnapshots(control: control, databases: databases, refresh: tenantRefresh, logger: logger)
        let top = TopN(topTenants)
        let snapshots = snapshots
        self.control = control
        self.databases = databases
        try registry.registerCollector(named: "pools") {
            var samples = [CollectedSample]()
            for pool in Self.pools(control: control, databases: databases) {
                for (state, value) in [("open", pool.open), ("idle", pool.idle), ("leased", pool.leased), ("waiting", pool.waiting)] {
                    samples.append(CollectedSample(labelValues: [pool.name, state], value: Double(value)))
                }
            }
            return [
                CollectedFamily(
                    name: "countersign_db_pool_connections", help: "Database connections by pool and state.", kind: .gauge,
                    labelNames: ["pool", "state"], samples: samples)
            ]
        }
        try registry.registerCollector(named: "access") {
            [
                CollectedFamily(
                    name: "countersign_access_denied_total", help: "Requests refused by the access policy, by reason.",
                    kind: .counter, labelNames: ["reason"],
                    samples: AccessPolicy.Denied.Kind.allCases.map {
                        CollectedSample(labelValues: [$0.rawValue], value: Double(Authorization.deniedCount($0)))
                    })
            ]
        }
        try registry.registerCollector(named: "tenants") {
            let figures = try await snapshots.current()
            func perTenant(_ name: String, _ help: String, _ value: (TenantSnapshots.Figures) -> Double) -> CollectedFamily {
                let ranked = top.select(figures.map { (label: $0.key, value: value($0.value)) })
                return CollectedFamily(
                    name: name, help: help, kind: .gauge, labelNames: ["tenant"],
                    samples: ranked.map { CollectedSample(labelValues: [$0.label], value: $0.value) })
            }
            var buckets = [Double](repeating: 0, count: TenantSnapshots.ageBuckets.count)
            for tenant in figures.values {
                for (index, count) in tenant.aging.enumerated() { buckets[index] += count }
            }
            return [
                perTenant("countersign_open_exceptions", "Open exceptions (runs parked or waiting on a task).") { $0.openExceptions },
                {
                    // Per tenant and currency: amounts in different currencies are never added up.
                    let pairs = figures.flatMap { tenant, figures in
                        figures.openValue.map { (label: "\(tenant)\u{0}\($0.key)", value: $0.value) }
                    }
                    let ranked = top.select(pairs)
                    return CollectedFamily(
                        name: "countersign_open_exception_value",
                        help: "Amount at stake in open approval tasks, in major units of the currency.", kind: .gauge,
                        labelNames: ["tenant", "currency"],
                        samples: ranked.map { entry in
                            let parts = entry.label.split(separator: "\u{0}", maxSplits: 1).map(String.init)
                            return CollectedSample(
                                labelValues: parts.count == 2 ? parts : [entry.label, "other"], value: entry.value)
                        })
                }(),
                perTenant("countersign_sla_breaches", "Open tasks past their SLA.") { $0.slaBreaches },
                perTenant("countersign_dead_letters", "Dead letters not yet replayed.") { $0.deadLetters },
                perTenant("countersign_outbox_pending", "Outbound webhook messages waiting to be delivered.") { $0.outboxPending },
                perTenant("countersign_runs_runnable", "Workflow runs due for the engine.") { $0.runnable },
                perTenant("countersign_approval_cycle_seconds_p50", "Median time from task opened to decided, last 30 days.") { $0.cycleP50 },
                CollectedFamily(
                    name: "countersign_open_exceptions_by_age", help: "Open exceptions by age, all tenants.", kind: .gauge,
                    labelNames: ["age"],
                    samples: zip(TenantSnapshots.ageBuckets, buckets).map { CollectedSample(labelValues: [$0], value: $1) }),
            ]
        }
    }

    public func register(on routes: inout some RouteRegistrar) throws {
        let registry = registry
        try routes.get("/metrics") { _ in
            let text = await registry.render()
            return HTTPResponse(
                status: .ok, headers: ["Content-Type": MetricsRegistry.contentType, "Cache-Control": "no-store"],
                body: Array(text.utf8))
        }
    }
}

/// The per-tenant figures behind the business gauges, refreshed lazily.
final class TenantSnapshots: Sendable {
    struct Figures: Sendable {
        var openExceptions: Double = 0
        var openValue: [String: Double] = [:]
        var slaBreaches: Double = 0
        var deadLetters: Double = 0
        var outboxPending: Double = 0
        var runnable: Double = 0
        var cycleP50: Double = 0
        var aging: [Double] = []
    }

    static let ageBuckets = ["lt_1d", "1d_3d", "3d_7d", "7d_30d", "gt_30d"]

    private let control: PostgresPool
    private let databases: TenantDatabases?
    private let refresh: TimeInterval
    private let logger: Logger
    private let cached = Mutex<(figures: [String: Figures], at: Date)?>(nil)

    init(control: PostgresPool, databases: TenantDatabases?, refresh: TimeInterval, logger: Logger) {
        self.control = control
        self.databases = databases
        self.refresh = refresh
        self.logger = logger
    }

    func current() async throws -> [String: Figures] {
        if let cached = cached.withLock({ $0 }), Date().timeIntervalSince(cached.at) < refresh { return cached.figures }
        guard let databases else { return [:] }
        let tenants = try await control.query("SELECT slug FROM control.tenants WHERE status = 'active' ORDER BY slug")
        var figures: [String: Figures] = [:]
        let now = Date()
        let insights = Insights(databases: databases)
        for row in tenants {
            guard let slug = try? Slug(try row.decode("slug", as: String.self)) else { continue }
            do {
                figures[slug.value] = try await Self.figures(tenant: slug, insights: insights, databases: databases, now: now)
            } catch {
                // One tenant's trouble must not blank everyone's gauges.
                logger.warning("tenant gauges failed", metadata: ["tenant": slug.value, "error": String(describing: error)])
            }
        }
        cached.withLock { $0 = (figures, now) }
        return figures
    }

    /// The business figures are the dashboard's (``Engine/Insights`` over the last 30 days), so
    /// the two never disagree; only the queue depths are read here.
    private static func figures(tenant: Slug, insights: Insights, databases: TenantDatabases, now: Date) async throws
        -> Figures
    {
        let report = try await insights.report(tenant: tenant, from: now.addingTimeInterval(-30 * 86_400), to: now, now: now)
        let queues = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT (SELECT count(*) FROM dead_letters WHERE replayed_at IS NULL)::float8 AS dead_letters,
                       (SELECT count(*) FROM outbox WHERE state = 'pending')::float8 AS outbox_pending,
                       (SELECT count(*) FROM runs WHERE status = 'runnable')::float8 AS runnable
                """)[0]
        }
        var figures = Figures()
        figures.openExceptions = Double(report.openExceptions)
        for (code, minor) in report.openValue {
            figures.openValue[code] = Double(minor) / Double(try Currency(code).minorPerMajor)
        }
        figures.slaBreaches = Double(report.slaBreachesOpen)
        figures.cycleP50 = report.approvalCycleP50 ?? 0
        figures.aging = report.aging.map(Double.init)
        figures.deadLetters = try queues.decode("dead_letters", as: Double.self)
        figures.outboxPending = try queues.decode("outbox_pending", as: Double.self)
        figures.runnable = try queues.decode("runnable", as: Double.self)
        return figures
    }
}
