import ControlPlane
import Foundation
import Postgres
import Synchronization

/// A tenant runtime's lease (`engine_lease`, tenant migration 0013): which
/// worker executes the tenant's workflows now.
///
/// Every engine transaction begins with ``claim(on:)`` or ``share(on:)``.
/// The claim takes the lease when it is free or expired and renews it when
/// this worker holds it, and either way locks the lease row until the
/// transaction ends. Passes that only execute runs share that lock instead.
/// So a dispatch never overlaps a step deciding to wait for a document (the
/// dispatch would not see the wait, the step not the document, and the run
/// would wait until its timeout), while steps of different runs may execute
/// side by side. A worker that stops renewing (killed, hung) loses the lease
/// `duration` after its last claim, and the next worker to try takes over.
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

    /// Whether this worker holds a live lease, locking the row in share mode
    /// until the transaction ends: passes that only execute runs (which claim
    /// disjoint runs) run side by side, while a pass that dispatches or
    /// renews (``claim(on:)``) waits for them and they for it.
    func share(on tx: PostgresConnection) async throws -> Bool {
        try await tx.query(
            "SELECT true AS held FROM engine_lease WHERE holder = \(holder) AND expires_at > now() FOR SHARE"
        ).count == 1
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
