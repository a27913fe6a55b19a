import Foundation
import Postgres

/// Writes metered usage into a tenant's `usage_counters` inside the
/// transaction of the work it measures, so that the work and its count
/// commit or roll back together and a retried transaction never counts twice.
///
/// Always on, except in a server started with `--metering off`, which exists
/// only so that `ops/bench/ingest --compare-metering` can measure what
/// metering and metrics cost. An install that bills must never run with it
/// off: usage not counted is not billed, and `api_calls` cannot be recounted.
public struct UsageMeter: Sendable, Equatable {
    public let isEnabled: Bool

    public static let enabled = UsageMeter(isEnabled: true)
    /// For benchmarks only; see the type's documentation.
    public static let disabled = UsageMeter(isEnabled: false)

    /// Adds `quantity` to `metric` on the UTC day of `day`, or of the
    /// transaction's `now()` when nil (a recount reads the same day from the
    /// records the work left). Spread over shards so that concurrent
    /// transactions do not queue on one hot row; readers sum the shards.
    public func count(_ metric: String, _ quantity: Int, day: Date? = nil, on tx: PostgresConnection) async throws {
        guard isEnabled, quantity > 0 else { return }
        try await tx.query(Self.counting(metric, quantity, day: day))
    }

    /// The same inside a synchronous transaction (see `PostgresSession`).
    public func count(_ metric: String, _ quantity: Int, day: Date? = nil, on session: PostgresSession) throws {
        guard isEnabled, quantity > 0 else { return }
        try session.query(Self.counting(metric, quantity, day: day))
    }

    private static func counting(_ metric: String, _ quantity: Int, day: Date?) -> PostgresQuery {
        """
        INSERT INTO usage_counters (day, metric, shard, quantity)
        VALUES ((coalesce(\(day)::timestamptz, now()) AT TIME ZONE 'UTC')::date, \(metric),
                \(Int16.random(in: 0..<16)), \(quantity))
        ON CONFLICT (day, metric, shard) DO UPDATE SET quantity = usage_counters.quantity + EXCLUDED.quantity
        """
    }
}
