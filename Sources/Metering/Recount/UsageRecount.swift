import Billing
import ControlPlane
import Finance
import Foundation
import Postgres

/// Recomputes a tenant's daily usage from its own records and compares it with `usage_counters`.
///
/// Counters are incremented in the transaction of the work, so they should
/// always agree with the records; a recount is how an operator proves it, or
/// finds and repairs the days where they do not (a bug, a hand edit, a
/// restore). Each meter's records:
/// - `events_accepted`: `events` by `received_at`, except `internal` events
///   the engine emits itself (those are not accepted from outside);
/// - `runs_started`: `runs` by `created_at`; `runs_completed`: completed runs by `completed_at`;
/// - `human_decisions`: tasks approved or rejected, by `decided_at`;
/// - `outbound_deliveries`: delivery attempts answered 2xx, by `started_at`;
/// - `active_users`: distinct people per day in `active_users` and among task deciders.
/// `api_calls` has no records (reads have no transaction to count in), so a
/// recount reports it as underivable instead of leaving it out silently.
///
/// `--fix` recounts again inside one transaction that first locks
/// `usage_counters` against writers (SHARE ROW EXCLUSIVE): work committing
/// meanwhile waits, so its records and its counts both land after the fix
/// and nothing is counted twice or lost. Each corrected day and meter is
/// rewritten as a single shard, and the change is audited in the control log.
public struct UsageRecount: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// One day and meter on which the counter and the records disagree.
    public struct Difference: Sendable, Equatable {
        public let day: UTCDay
        public let meter: Meter
        public let counted: Int64
        public let derived: Int64
    }

    public struct Report: Sendable {
        public let tenant: Slug
        public let firstDay: UTCDay
        public let lastDay: UTCDay
        /// In day, then meter order.
        public let differences: [Difference]
        /// Meters that no record can confirm.
        public let underivable: [Meter]
        /// Whether the differences were written to `usage_counters`.
        public let fixed: Bool
    }

    /// The meters a recount derives from records.
    public static let derivable: [Meter] = Meter.allCases.filter { $0 != .apiCalls }

    /// - Throws: `tenant_not_found`; `tenant_deleted` (409) once the tenant's schema is gone;
    ///   `invalid_range` (422) when `last` precedes `first`.
    public func run(tenant: Slug, from first: UTCDay, through last: UTCDay, fix: Bool, actor: String) async throws
        -> Report
    {
        guard first <= last else {
            throw MeteringError.invalid("invalid_range", "--from \(first) is after --to \(last)", field: "from")
        }
        let status = try await pool.query("SELECT status FROM control.tenants WHERE slug = \(tenant.value)")
        guard let row = status.first else { throw ControlPlaneError.tenantNotFound(tenant.value) }
        let state = try row.decode("status", as: String.self)
        guard state != TenantStatus.deleting.rawValue, state != TenantStatus.deleted.rawValue else {
            throw MeteringError.conflict(
                "tenant_deleted", "tenant '\(tenant)' is deleted: its records are gone, only its archived counters remain")
        }
        let schema = try SQLIdentifier(tenant.tenantSchemaName)
        let differences: [Difference] = try await pool.withTransaction { tx in
            if fix {
                try await tx.query(
                    "LOCK TABLE \(identifier: schema, try SQLIdentifier("usage_counters")) IN SHARE ROW EXCLUSIVE MODE")
            }
            let differences = try await compare(schema: schema, from: first, through: last, on: tx)
            guard fix, !differences.isEmpty else { return differences }
            let counters = try SQLIdentifier("usage_counters")
            var details: [String: String] = ["from": first.description, "to": last.description]
            for difference in differences {
                let metric = MeterMetric.name(of: difference.meter)
                try await tx.query(
                    """
                    DELETE FROM \(identifier: schema, counters)
                    WHERE day = \(difference.day.description)::date AND metric = \(metric)
                    """)
                if difference.derived > 0 {
                    try await tx.query(
                        """
                        INSERT INTO \(identifier: schema, counters) (day, metric, shard, quantity)
                        VALUES (\(difference.day.description)::date, \(metric), 0, \(difference.derived))
                        """)
                }
                details["\(difference.meter.rawValue)@\(difference.day)"] = "\(difference.counted)->\(difference.derived)"
            }
            try await AuditLog.control().append(
                AuditEntry(actor: actor, action: "usage.recounted", subject: "tenant:\(tenant)", details: details), on: tx)
            return differences
        }
        return Report(
            tenant: tenant, firstDay: first, lastDay: last, differences: differences,
            underivable: Meter.allCases.filter { !Self.derivable.contains($0) }, fixed: fix && !differences.isEmpty)
    }

    private func compare(schema: SQLIdentifier, from first: UTCDay, through last: UTCDay, on tx: PostgresConnection)
        async throws -> [Difference]
    {
        let derived = try await derive(schema: schema, from: first, through: last, on: tx)
        let metrics = Self.derivable.map(MeterMetric.name(of:))
        let rows = try await tx.query(
            """
            SELECT day::text AS day, metric, sum(quantity)::bigint AS n
            FROM \(identifier: schema, try SQLIdentifier("usage_counters"))
            WHERE day BETWEEN \(first.description)::date AND \(last.description)::date
              AND metric = ANY(\(metrics)::text[])
            GROUP BY day, metric
            """)
        var counted: [Key: Int64] = [:]
        for row in rows {
            guard let meter = MeterMetric.meter(named: try row.decode("metric", as: String.self)) else { continue }
            counted[Key(day: try BillingInputs.day(row.decode("day", as: String.self)), meter: meter)] =
                try row.decode("n", as: Int64.self)
        }
        return Set(counted.keys).union(derived.keys)
            .map { Difference(day: $0.day, meter: $0.meter, counted: counted[$0] ?? 0, derived: derived[$0] ?? 0) }
            .filter { $0.counted != $0.derived }
            .sorted { ($0.day, $0.meter) < ($1.day, $1.meter) }
    }

    private struct Key: Hashable {
        let day: UTCDay
        let meter: Meter
    }

    /// Each derivable meter per day, from the tenant's records.
    private func derive(schema: SQLIdentifier, from first: UTCDay, through last: UTCDay, on tx: PostgresConnection)
        async throws -> [Key: Int64]
    {
        let (from, to) = (first.description, last.description)
        let events = try SQLIdentifier("events")
        let runs = try SQLIdentifier("runs")
        let tasks = try SQLIdentifier("tasks")
        let attempts = try SQLIdentifier("delivery_attempts")
        let users = try SQLIdentifier("active_users")
        let rows = try await tx.query(
            """
            WITH facts (meter, day) AS (
                SELECT 'events_accepted', (received_at AT TIME ZONE 'UTC')::date
                FROM \(identifier: schema, events) WHERE ingress <> 'internal'
                UNION ALL
                SELECT 'runs_started', (created_at AT TIME ZONE 'UTC')::date FROM \(identifier: schema, runs)
                UNION ALL
                SELECT 'runs_completed', (completed_at AT TIME ZONE 'UTC')::date
                FROM \(identifier: schema, runs) WHERE status = 'completed' AND completed_at IS NOT NULL
                UNION ALL
                SELECT 'human_decisions', (decided_at AT TIME ZONE 'UTC')::date
                FROM \(identifier: schema, tasks) WHERE status IN ('approved', 'rejected') AND decided_at IS NOT NULL
                UNION ALL
                SELECT 'outbound_deliveries', (started_at AT TIME ZONE 'UTC')::date
                FROM \(identifier: schema, attempts) WHERE status_code BETWEEN 200 AND 299
                UNION ALL
                -- UNION, not UNION ALL: one person active twice on a day is one active user.
                SELECT 'active_users', day FROM (
                    SELECT day, user_ref FROM \(identifier: schema, users)
                    UNION
                    SELECT (decided_at AT TIME ZONE 'UTC')::date, decided_by
                    FROM \(identifier: schema, tasks) WHERE decided_by IS NOT NULL AND decided_at IS NOT NULL
                ) people
            )
            SELECT meter, day::text AS day, count(*)::bigint AS n FROM facts
            WHERE day BETWEEN \(from)::date AND \(to)::date
            GROUP BY meter, day
            """)
        var derived: [Key: Int64] = [:]
        for row in rows {
            guard let meter = Meter(rawValue: try row.decode("meter", as: String.self)) else { continue }
            derived[Key(day: try BillingInputs.day(row.decode("day", as: String.self)), meter: meter)] =
                try row.decode("n", as: Int64.self)
        }
        return derived
    }
}
