import ControlPlane
import Finance
import Foundation
import Postgres
import Synchronization
import Telemetry

/// Counts authenticated `/v1` calls per tenant and day in memory and writes them to `usage_counters` every few seconds.
///
/// Reads have no transaction to count in, and one counter write per request
/// would make every read a write. So calls are tallied here and flushed every
/// `flushInterval` (and once more when `run()` is cancelled at shutdown).
/// **Accepted trade-off**: a process that crashes loses the calls of at most
/// one interval (a few seconds); calls are never counted twice, because a
/// tally is taken out of memory before it is written and put back only if the
/// write failed. `api_calls` is therefore the one meter a recount cannot
/// derive from records.
///
/// Calls made with a personal token also make their person an active user of
/// that day: the flush inserts `(day, user)` into the tenant's `active_users`
/// and counts `active_users` only for rows that were new, in one transaction.
public final class APICallMeter: Sendable {
    public struct Configuration: Sendable {
        /// How often tallies are written. Default 5 seconds: the most a crash can lose.
        public var flushInterval: Duration = .seconds(5)
        public init() {}
    }

    private struct Key: Hashable {
        let tenant: Slug
        let day: UTCDay
    }

    private struct Tally {
        var calls: Int64 = 0
        var users: Set<String> = []
    }

    private let pool: PostgresPool
    private let configuration: Configuration
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let pending = Mutex<[Key: Tally]>([:])

    public init(
        pool: PostgresPool, configuration: Configuration = Configuration(), logger: Logger = .disabled,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.pool = pool
        self.configuration = configuration
        self.logger = logger
        self.now = now
    }

    /// One authenticated call of `tenant`, by `user` when it came with a personal token.
    public func record(tenant: Slug, user: String?) {
        let key = Key(tenant: tenant, day: UTCDay(now()))
        pending.withLock { tallies in
            tallies[key, default: Tally()].calls += 1
            if let user { tallies[key, default: Tally()].users.insert(user.lowercased()) }
        }
    }

    /// Calls counted but not yet written, per tenant: for tests and diagnostics.
    public func unflushedCalls(of tenant: Slug) -> Int64 {
        pending.withLock { $0.filter { $0.key.tenant == tenant }.values.reduce(0) { $0 + $1.calls } }
    }

    /// Flushes every `flushInterval` until cancelled, then once more.
    public func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.flushInterval)
            await flush()
        }
        // An unstructured task is not cancelled with this one, so the last flush can still use the pool.
        await Task { await self.flush() }.value
    }

    /// Writes every pending tally, one transaction per tenant and day.
    public func flush() async {
        let taken = pending.withLock { tallies in
            defer { tallies = [:] }
            return tallies
        }
        for (key, tally) in taken {
            do {
                try await write(tally, for: key)
            } catch {
                guard await schemaExists(key.tenant) else { continue }
                logger.warning(
                    "api-call usage not written; retrying at the next flush",
                    metadata: ["tenant": key.tenant.value, "error": String(describing: error)])
                pending.withLock { tallies in
                    tallies[key, default: Tally()].calls += tally.calls
                    tallies[key, default: Tally()].users.formUnion(tally.users)
                }
            }
        }
    }

    private func write(_ tally: Tally, for key: Key) async throws {
        let schema = try SQLIdentifier(key.tenant.tenantSchemaName)
        let counters = try SQLIdentifier("usage_counters")
        let day = key.day.description
        let shard = Int16.random(in: 16..<64)
        try await pool.withTransaction { tx in
            if tally.calls > 0 {
                try await tx.query(
                    """
                    INSERT INTO \(identifier: schema, counters) (day, metric, shard, quantity)
                    VALUES (\(day)::date, \(MeterMetric.name(of: .apiCalls)), \(shard), \(tally.calls))
                    ON CONFLICT (day, metric, shard) DO UPDATE SET quantity = usage_counters.quantity + EXCLUDED.quantity
                    """)
            }
            if !tally.users.isEmpty {
                try await tx.query(
                    """
                    WITH new AS (
                        INSERT INTO \(identifier: schema, try SQLIdentifier("active_users")) (day, user_ref)
                        SELECT \(day)::date, u FROM unnest(\(tally.users.sorted())::text[]) AS u
                        ON CONFLICT (day, user_ref) DO NOTHING
                        RETURNING 1
                    )
                    INSERT INTO \(identifier: schema, counters) (day, metric, shard, quantity)
                    SELECT \(day)::date, \(MeterMetric.name(of: .activeUsers)), \(shard), count(*) FROM new
                    HAVING count(*) > 0
                    ON CONFLICT (day, metric, shard) DO UPDATE SET quantity = usage_counters.quantity + EXCLUDED.quantity
                    """)
            }
        }
    }

    /// A tenant deleted since its calls were made has nowhere to write them; they are dropped.
    private func schemaExists(_ tenant: Slug) async -> Bool {
        let name = tenant.tenantSchemaName + ".usage_counters"
        let rows = try? await pool.query("SELECT to_regclass(\(name)) IS NOT NULL AS present")
        return (try? rows?.first?.decode("present", as: Bool.self)) ?? true
    }
}
