import ControlPlane
import Foundation
import Postgres
import Synchronization

/// A tenant runtime's lease (`engine_lease`, tenant migration 0013): which
/// worker executes the tenant's workflows now.
///
/// Every engine transaction begins with ``claim(on:)``. It takes the lease
/// when it is free or expired and renews it when this worker holds it, and
/// either way it locks the lease row until the transaction ends, so the
/// tenant's engine transactions run one after another even when several
/// workers, or several passes in one process, try at once. A worker that
/// stops renewing (killed, hung) loses the lease `duration` after its last
/// transaction, and the next worker to try takes over.
struct EngineLease: Sendable {
    /// This worker's name in `engine_lease.holder`: host, process and a random part.
    let holder: String
    let duration: Duration

    /// One name per process: engines built in the same process (the embedded
    /// worker, tests, `countersign demo`) are one worker, not rivals.
    static let processHolder: String = {
        let host = ProcessInfo.processInfo.hostName
        let random = UUID().uuidString.lowercased().prefix(8)
        return "\(host)/\(ProcessInfo.processInfo.processIdentifier)/\(random)"
    }()

    /// What ``claim(on:)`` found.
    enum Claim: Equatable {
        /// This worker holds the lease until the transaction ends, and beyond.
        case held
        /// This worker has just taken it over from `previous`, whose lease had expired.
        case takenOver(previous: String)
        /// Another worker holds a live lease.
        case heldElsewhere
    }

    /// Takes or renews the lease as part of `tx`; see the type's documentation.
    func claim(on tx: PostgresConnection) async throws -> Claim {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        // The CTE reads the row as it was before this statement: who held it, for the takeover's log line.
        let rows = try await tx.query(
            """
            WITH before AS (SELECT holder FROM engine_lease)
            INSERT INTO engine_lease (holder, acquired_at, renewed_at, expires_at)
            VALUES (\(holder), now(), now(), now() + \(seconds) * interval '1 second')
            ON CONFLICT (only_row) DO UPDATE
                SET holder = EXCLUDED.holder, renewed_at = now(), expires_at = EXCLUDED.expires_at,
                    acquired_at = CASE WHEN engine_lease.holder = EXCLUDED.holder THEN engine_lease.acquired_at
                                       ELSE now() END
                WHERE engine_lease.holder = EXCLUDED.holder OR engine_lease.expires_at <= now()
            RETURNING (SELECT holder FROM before) AS previous
            """)
        guard let row = rows.first else { return .heldElsewhere }
        guard let previous = try row.decode("previous", as: String?.self), previous != holder else { return .held }
        return .takenOver(previous: previous)
    }

    /// Gives the lease up, if this worker holds it, so that another worker
    /// need not wait for it to expire (a graceful shutdown).
    func release(on connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM engine_lease WHERE holder = \(holder)")
    }
}

/// The tenants whose runtime lease an engine has held, to give up at shutdown.
final class HeldLeases: Sendable {
    private let held = Mutex<Set<Slug>>([])

    func insert(_ tenant: Slug) { _ = held.withLock { $0.insert(tenant) } }

    var tenants: [Slug] { held.withLock { $0.sorted { $0.value < $1.value } } }
}
