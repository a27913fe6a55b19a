import ControlPlane
import Foundation
import Postgres

/// The operational figures of one tenant over a period: what the portal's
/// dashboard draws and `GET /v1/insights` returns, from one place so the two
/// never disagree.
///
/// Every figure is an aggregate over indexed or bounded scans of the
/// tenant's own tables, read in one repeatable-read snapshot so the numbers
/// are consistent with each other.
public struct Insights: Sendable {
    public struct Report: Sendable {
        public let from: Date
        public let to: Date
        /// Open exceptions now: runs parked as exceptions or waiting on an open task.
        public let openExceptions: Int
        /// Open exceptions by age, in ``Insights/ageBuckets`` order.
        public let aging: [Int]
        /// Amount at stake in open approval tasks, minor units by currency.
        public let openValue: [String: Int64]
        /// Open tasks past their SLA now.
        public let slaBreachesOpen: Int
        /// Of the tasks decided in the period, the share decided after their SLA (0 when none).
        public let slaBreachRate: Double
        /// Seconds from task opened to decided, over tasks decided in the period.
        public let approvalCycleP50: Double?
        public let approvalCycleP90: Double?
        public let decisions: Int
        /// Runs completed per UTC day of the period, oldest first.
        public let throughput: [(day: Date, completed: Int)]
        /// Three-way-match runs not yet through: invoices waiting to be reconciled, and their value.
        public let reconciliationBacklog: Int
        public let reconciliationBacklogValue: [String: Int64]
        /// `stock.adjusted` events received in the period.
        public let inventoryAdjustments: Int
        /// Exceptions raised in the period by supplier, most first (at most 20).
        public let exceptionsBySupplier: [(supplier: String, exceptions: Int)]
        /// Delivery attempts in the period answered 2xx, as a share of all attempts (nil when none).
        public let webhookDeliverySuccessRate: Double?
    }

    public static let ageBuckets = ["< 1 day", "1–3 days", "3–7 days", "7–30 days", "> 30 days"]
    /// Periods longer than this are refused: the daily series would grow without bound.
    public static let maximumDays = 366

    let databases: TenantDatabases

    public init(databases: TenantDatabases) { self.databases = databases }

    public func report(tenant: Slug, from: Date, to: Date, now: Date = Date()) async throws -> Report {
        guard from < to else {
            throw EngineError(code: "invalid_period", message: "the period's start must be before its end", httpStatus: 422, field: "from")
        }
        guard to.timeIntervalSince(from) <= Double(Self.maximumDays) * 86_400 else {
            throw EngineError(
                code: "invalid_period", message: "a period is at most \(Self.maximumDays) days", httpStatus: 422, field: "to")
        }
        return try await databases.withTransaction(for: tenant, level: .repeatableRead) { tx in
            let open = try await tx.query(
                """
                SELECT count(*)::bigint AS n,
                       count(*) FILTER (WHERE age < interval '1 day')::bigint AS a0,
                       count(*) FILTER (WHERE age >= interval '1 day' AND age < interval '3 days')::bigint AS a1,
                       count(*) FILTER (WHERE age >= interval '3 days' AND age < interval '7 days')::bigint AS a2,
                       count(*) FILTER (WHERE age >= interval '7 days' AND age < interval '30 days')::bigint AS a3,
                       count(*) FILTER (WHERE age >= interval '30 days')::bigint AS a4,
                       count(*) FILTER (WHERE template_slug = 'three-way-match')::bigint AS backlog
                FROM (SELECT \(now)::timestamptz - r.created_at AS age, r.template_slug
                      FROM runs r LEFT JOIN tasks t ON t.run_id = r.id AND t.status = 'open'
                      WHERE r.status = 'exception' OR t.id IS NOT NULL) open_items
                """)[0]
            let values = try await tx.query(
                """
                SELECT t.currency, sum(t.amount_minor)::bigint AS total,
                       sum(t.amount_minor) FILTER (WHERE r.template_slug = 'three-way-match')::bigint AS backlog,
                       count(*) FILTER (WHERE t.due_at < \(now))::bigint AS breached
                FROM tasks t JOIN runs r ON r.id = t.run_id
                WHERE t.status = 'open' GROUP BY t.currency
                """)
            let decided = try await tx.query(
                """
                SELECT count(*)::bigint AS n, count(*) FILTER (WHERE decided_at > due_at)::bigint AS late,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - created_at)) AS p50,
                       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - created_at)) AS p90
                FROM tasks WHERE decided_at >= \(from) AND decided_at < \(to)
                """)[0]
            let completed = try await tx.query(
                """
                SELECT date_trunc('day', completed_at AT TIME ZONE 'UTC') AS day, count(*)::bigint AS n
                FROM runs WHERE completed_at >= \(from) AND completed_at < \(to) GROUP BY 1
                """)
            let adjustments = try await tx.query(
                """
                SELECT count(*)::bigint AS n FROM events
                WHERE type = 'stock.adjusted' AND received_at >= \(from) AND received_at < \(to)
                """)[0]
            let suppliers = try await tx.query(
                """
                SELECT coalesce(e.document #>> '{data,supplier,id}', e.document #>> '{data,supplier,name}', 'unknown') AS supplier,
                       count(*)::bigint AS n
                FROM runs r JOIN events e ON e.seq = r.trigger_event_seq
                WHERE r.created_at >= \(from) AND r.created_at < \(to)
                  AND (r.status = 'exception' OR EXISTS (SELECT 1 FROM tasks t WHERE t.run_id = r.id))
                GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20
                """)
            let deliveries = try await tx.query(
                """
                SELECT count(*)::bigint AS n, count(*) FILTER (WHERE status_code BETWEEN 200 AND 299)::bigint AS ok
                FROM delivery_attempts WHERE started_at >= \(from) AND started_at < \(to)
                """)[0]

            var openValue: [String: Int64] = [:]
            var backlogValue: [String: Int64] = [:]
            var breached = 0
            for row in values {
                breached += try row.decode("breached", as: Int.self)
                guard let currency = try row.decode("currency", as: String?.self) else { continue }
                openValue[currency] = try row.decode("total", as: Int64?.self) ?? 0
                if let backlog = try row.decode("backlog", as: Int64?.self) { backlogValue[currency] = backlog }
            }
            var perDay: [Date: Int] = [:]
            for row in completed { perDay[try row.decode("day", as: Date.self)] = try row.decode("n", as: Int.self) }
            var days: [(day: Date, completed: Int)] = []
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
            var day = calendar.startOfDay(for: from)
            while day < to {
                days.append((day, perDay[day] ?? 0))
                day = day.addingTimeInterval(86_400)
            }
            let decisions = try decided.decode("n", as: Int.self)
            let attempts = try deliveries.decode("n", as: Int.self)
            return Report(
                from: from, to: to, openExceptions: try open.decode("n", as: Int.self),
                aging: try (0..<5).map { try open.decode("a\($0)", as: Int.self) }, openValue: openValue,
                slaBreachesOpen: breached,
                slaBreachRate: decisions == 0 ? 0 : Double(try decided.decode("late", as: Int.self)) / Double(decisions),
                approvalCycleP50: try decided.decode("p50", as: Double?.self),
                approvalCycleP90: try decided.decode("p90", as: Double?.self), decisions: decisions,
                throughput: days, reconciliationBacklog: try open.decode("backlog", as: Int.self),
                reconciliationBacklogValue: backlogValue,
                inventoryAdjustments: try adjustments.decode("n", as: Int.self),
                exceptionsBySupplier: try suppliers.map {
                    (try $0.decode("supplier", as: String.self), try $0.decode("n", as: Int.self))
                },
                webhookDeliverySuccessRate: attempts == 0 ? nil : Double(try deliveries.decode("ok", as: Int.self)) / Double(attempts))
        }
    }
}
