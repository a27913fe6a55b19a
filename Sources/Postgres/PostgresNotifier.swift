import Synchronization
import Telemetry

/// Sends `NOTIFY`s after their writers have committed, coalesced, and never
/// inside the writers' transactions.
///
/// PostgreSQL makes every transaction that notifies take one cluster-wide
/// lock at commit and hold it through its WAL flush, so that notifications
/// are queued in commit order. Writers that notify inside their transactions
/// therefore commit one after another, each waiting for the previous one's
/// fsync: ingest could not commit more often than the disk flushes, whatever
/// the number of connections, while without the notify PostgreSQL's own group
/// commit lets concurrent commits share a flush.
///
/// So writers commit first and then call ``notify(_:payload:via:)``, which
/// returns at once. At most one notifying statement is in flight per process;
/// it carries every distinct (channel, payload) queued since the previous one,
/// so a burst of a thousand commits costs a handful of notifications.
///
/// A notification is a wake-up hint, not a message: if the process dies between
/// a commit and its notification, or the statement fails, the listener's
/// periodic sweep finds the work. Listeners must not rely on one per commit.
public final class PostgresNotifier<Key: Hashable & Sendable>: Sendable {
    /// Runs one statement on a session of `key`.
    public typealias Send = @Sendable (_ key: Key, _ query: PostgresQuery) async throws -> Void

    private struct Wake: Hashable, Sendable {
        let key: Key
        let channel: String
        let payload: String
    }

    private struct State: Sendable {
        var pending: [Wake] = []
        var queued: Set<Wake> = []
        var sending = false
    }

    private let state = Mutex(State())
    private let send: Send
    private let logger: Logger

    public init(logger: Logger = .disabled, send: @escaping Send) {
        self.send = send
        self.logger = logger
    }

    /// Queues `NOTIFY channel, payload`, sent on a session of `key` soon.
    public func notify(_ channel: String, payload: String, via key: Key) {
        let start = state.withLock { state -> Bool in
            let wake = Wake(key: key, channel: channel, payload: payload)
            if state.queued.insert(wake).inserted { state.pending.append(wake) }
            guard !state.sending else { return false }
            state.sending = true
            return true
        }
        if start { Task { await self.drain() } }
    }

    /// Sends until nothing is queued, then retires.
    private func drain() async {
        while true {
            let batch = state.withLock { state -> [Wake] in
                let batch = state.pending
                state.pending = []
                state.queued = []
                if batch.isEmpty { state.sending = false }
                return batch
            }
            if batch.isEmpty { return }
            var byKey: [Key: [Wake]] = [:]
            for wake in batch { byKey[wake.key, default: []].append(wake) }
            for (key, wakes) in byKey {
                let query: PostgresQuery = """
                    SELECT pg_notify(c, p) FROM unnest(\(wakes.map(\.channel))::text[], \(wakes.map(\.payload))::text[]) AS u(c, p)
                    """
                do {
                    try await send(key, query)
                } catch {
                    logger.debug("a notification was not sent; listeners sweep for it", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}

extension PostgresPoolGroup {
    /// Sends `NOTIFY channel, payload` on a session of `key` once the caller's
    /// transaction has committed; see ``PostgresNotifier`` for why not inside it.
    public func notifyAfterCommit(_ channel: String, payload: String, for key: Key) {
        notifier.notify(channel, payload: payload, via: key)
    }
}
