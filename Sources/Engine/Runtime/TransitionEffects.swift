import ControlPlane
import Foundation
import Postgres

/// The emitted events, audit entries and usage counts of a pass's step
/// transitions, written as the pass's last statements: one insert of every
/// event (with its outbox messages), one append of every entry, one upsert
/// per metric. They commit or roll back with the transitions, as each would alone.
///
/// Last, because the audit log's lock (see ``AuditLog``) is held from the
/// append to the commit and every transaction that audits in this tenant
/// queues on it: the less runs between the two, the less the others wait.
final class TransitionEffects {
    private var entries: [AuditEntry] = []
    private var counts: [String: Int] = [:]
    private var events: [InternalEvents.Pending] = []

    /// An emitted event, stored and queued with the others of the pass in one statement.
    func raise(_ event: InternalEvents.Pending) { events.append(event) }

    /// Stores the events raised so far: before a step reads documents, which they may be.
    func storeEvents(on tx: PostgresConnection) async throws {
        guard !events.isEmpty else { return }
        try await InternalEvents.raise(events, on: tx)
        events = []
    }

    func audit(_ entry: AuditEntry) { entries.append(entry) }

    func count(_ metric: String, _ quantity: Int = 1) {
        guard quantity > 0 else { return }
        counts[metric, default: 0] += quantity
    }

    func write(tenant: Slug, usage: UsageMeter, on tx: PostgresConnection) async throws {
        try await storeEvents(on: tx)
        // Sorted, so that two passes never take the counters' row locks in opposite orders.
        for (metric, quantity) in counts.sorted(by: { $0.key < $1.key }) {
            try await usage.count(metric, quantity, on: tx)
        }
        try await AuditLog(schema: SQLIdentifier(tenant.tenantSchemaName)).append(contentsOf: entries, on: tx)
    }
}
