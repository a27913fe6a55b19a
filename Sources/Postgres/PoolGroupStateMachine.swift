/// The bookkeeping of ``PostgresPoolGroup`` as a plain state machine: events
/// in, actions out, no locks, no I/O, and time passed in, so that the budget
/// and the eviction order can be tested without a database or a clock.
///
/// Every connection belongs to one key (a "member": the per-key pool) and is
/// counted twice: in its member's `openCount` (bounded by
/// `maximumConnectionsPerKey`, so one busy tenant cannot take the whole
/// budget) and in the group's `openCount` (bounded by `maximumConnections`,
/// the one global cap). A connection never moves to another key: when the
/// budget is full, a slot is taken from another key by *closing* that key's
/// least-recently-released idle connection, and the caller opens a fresh one
/// as its own role.
///
/// Waiters form one FIFO queue across keys. Whatever frees capacity (a
/// connection handed back, a failed open, a removal) serves the oldest waiter
/// that it can serve: a waiter of the same key gets the connection itself, a
/// waiter of another key gets the slot (the returned connection is closed).
/// Strict FIFO costs a reconnection when tenants compete for a full budget,
/// but it means a busy tenant cannot starve the others.
///
/// A closed connection keeps its slot until the close has finished (the
/// server session is gone, see `closeFinished`), and a slot taken from another
/// key is used only after the taker has closed the old session, so the cap
/// holds on the server too, not just in these counts.
///
/// Invariant (why a new checkout may evict without looking at the queue): a
/// waiter that could use a budget slot never coexists with free budget or with
/// an idle connection of another key, because both are handed to it at once.
struct PoolGroupStateMachine<Key: Hashable, Connection> {
    typealias Instant = ContinuousClock.Instant

    struct IdleConnection {
        var connection: Connection
        /// When it was handed back; the eviction order.
        var since: Instant
    }

    /// One key's pool.
    struct Member {
        /// Distinguishes this member from an earlier one of the same key that
        /// was removed: connections of a removed member are closed when they come back.
        let generation: Int
        /// Oldest first: reuse takes the last (warmest), eviction the first.
        var idle: [IdleConnection] = []
        /// Idle + leased + being opened.
        var openCount = 0
        /// Last checkout or release: a member unused for `idleTimeout` is dropped.
        var lastUsed: Instant

        var leasedCount: Int { openCount - idle.count }
    }

    struct Waiter: Equatable {
        let id: Int
        let key: Key
    }

    enum CheckoutAction {
        /// Reuse this idle connection of the key (after a health check).
        case use(Connection, generation: Int)
        /// Open a new connection for the key: a slot is reserved. `closing` is
        /// another key's idle connection evicted to make room; close it first.
        case open(generation: Int, closing: Connection?)
        /// Wait: the caller was queued under its waiter id.
        case wait
        case failClosed
    }

    enum ReleaseAction {
        /// Hand the connection to this waiter (same key).
        case handOver(waiter: Int, Connection, generation: Int)
        /// The waiter opens a new connection in the slot, as a member of the
        /// given generation of the waiter's key, after closing the returned
        /// connection (if any).
        case grantSlot(waiter: Int, generation: Int)
        /// Keep the connection idle.
        case keepIdle
        /// Nobody needs the slot. A returned connection is to be closed, and
        /// `closeFinished` reported afterwards; without one the slot is already free.
        case close
    }

    let maximumConnections: Int
    let maximumConnectionsPerKey: Int
    private(set) var members: [Key: Member] = [:]
    /// Connections that exist, are being opened or are being closed, across
    /// all members, plus leased connections of removed members.
    private(set) var openCount = 0
    /// Connections being closed: counted in `openCount` until `closeFinished`.
    private(set) var closingCount = 0
    private(set) var waiters: [Waiter] = []
    private(set) var isClosed = false
    /// Connections closed to make room for another key: idle ones evicted at
    /// checkout, and returned ones whose slot went to another key's waiter.
    private(set) var evictions = 0
    /// The highest `openCount` ever reached (for tests and metrics).
    private(set) var peakOpenCount = 0
    private var nextGeneration = 0

    init(maximumConnections: Int, maximumConnectionsPerKey: Int) {
        self.maximumConnections = max(1, maximumConnections)
        self.maximumConnectionsPerKey = max(1, min(maximumConnectionsPerKey, maximumConnections))
    }

    var idleCount: Int { members.values.reduce(0) { $0 + $1.idle.count } }
    var leasedCount: Int { openCount - idleCount - closingCount }

    /// Whether `generation` is still the live member of `key` (not removed, not dropped).
    func isCurrent(_ key: Key, generation: Int) -> Bool {
        !isClosed && members[key]?.generation == generation
    }

    // MARK: - Events

    mutating func checkout(_ key: Key, waiterID: Int, now: Instant) -> CheckoutAction {
        if isClosed { return .failClosed }
        var member = members[key] ?? makeMember(now: now)
        member.lastUsed = now
        if let idle = member.idle.popLast() {
            members[key] = member
            return .use(idle.connection, generation: member.generation)
        }
        if member.openCount < maximumConnectionsPerKey {
            if openCount < maximumConnections {
                member.openCount += 1
                members[key] = member
                openCount += 1
                peakOpenCount = max(peakOpenCount, openCount)
                return .open(generation: member.generation, closing: nil)
            }
            // The key has no idle connection, so the victim is another key's.
            members[key] = member
            if let victim = evictLeastRecentlyUsed() {
                members[key]?.openCount += 1
                return .open(generation: member.generation, closing: victim)
            }
        }
        members[key] = member
        waiters.append(Waiter(id: waiterID, key: key))
        return .wait
    }

    /// A waiter gave up (timeout or cancellation). False if it had already been
    /// served, in which case whatever it was given must be released as usual.
    mutating func abandon(waiterID: Int) -> Bool {
        guard let index = waiters.firstIndex(where: { $0.id == waiterID }) else { return false }
        waiters.remove(at: index)
        return true
    }

    /// A leased connection of `key` comes back; `reusable` is false when it is
    /// broken or was left inside a transaction.
    mutating func release(
        _ connection: Connection, key: Key, generation: Int, reusable: Bool, now: Instant
    ) -> ReleaseAction {
        guard isCurrent(key, generation: generation) else { return retiredSlotFreed(closing: true) }
        guard reusable else { return slotFreed(key, generation: generation, now: now, closing: true) }
        members[key]?.lastUsed = now
        guard let index = firstServableWaiter(freeing: key) else {
            members[key]?.idle.append(IdleConnection(connection: connection, since: now))
            return .keepIdle
        }
        let waiter = waiters.remove(at: index)
        if waiter.key == key { return .handOver(waiter: waiter.id, connection, generation: generation) }
        return transferSlot(from: key, to: waiter, evicting: true)
    }

    /// A reserved slot of `key` is free again: opening failed, or (`closing`)
    /// a connection that is unusable is to be closed.
    mutating func slotFreed(_ key: Key, generation: Int, now: Instant, closing: Bool = false) -> ReleaseAction {
        guard isCurrent(key, generation: generation) else { return retiredSlotFreed(closing: closing) }
        members[key]?.lastUsed = now
        guard let index = firstServableWaiter(freeing: key) else {
            members[key]?.openCount -= 1
            return freeSlot(closing: closing)
        }
        let waiter = waiters.remove(at: index)
        if waiter.key == key { return .grantSlot(waiter: waiter.id, generation: generation) }
        return transferSlot(from: key, to: waiter, evicting: false)
    }

    /// Drops `key`'s pool (tenant suspended or deleted): its idle connections
    /// are to be closed and its waiters failed; its leased connections are
    /// closed when they come back. A later checkout starts a fresh member.
    /// Report `closeFinished` for each idle connection closed.
    mutating func remove(_ key: Key) -> (idle: [Connection], waiters: [Int]) {
        guard let member = members.removeValue(forKey: key) else { return ([], []) }
        closingCount += member.idle.count
        let failed = waiters.filter { $0.key == key }.map(\.id)
        waiters.removeAll { $0.key == key }
        return (member.idle.map(\.connection), failed)
    }

    /// Closes connections idle for at least `idleTimeout` and drops members
    /// that have had no connection, no waiter and no use for that long.
    /// Report `closeFinished` for each connection closed.
    mutating func closeIdle(now: Instant, idleTimeout: Duration) -> (idle: [Connection], droppedKeys: [Key]) {
        if isClosed { return ([], []) }
        var toClose: [Connection] = []
        var dropped: [Key] = []
        let waitingKeys = Set(waiters.map(\.key))
        for key in Array(members.keys) {
            guard var member = members[key] else { continue }
            let stale = member.idle.prefix { now - $0.since >= idleTimeout }
            if !stale.isEmpty {
                toClose.append(contentsOf: stale.map(\.connection))
                member.idle.removeFirst(stale.count)
                member.openCount -= stale.count
                closingCount += stale.count
            }
            if member.openCount == 0, now - member.lastUsed >= idleTimeout, !waitingKeys.contains(key) {
                members.removeValue(forKey: key)
                dropped.append(key)
            } else {
                members[key] = member
            }
        }
        return (toClose, dropped)
    }

    /// Connections handed out to be closed are closed and their server
    /// sessions gone: their slots are free. Returns waiters that may now open.
    mutating func closeFinished(count: Int = 1) -> [(waiter: Int, generation: Int)] {
        closingCount -= count
        openCount -= count
        return grantFreeBudget()
    }

    /// Closes the group: idle connections to close (report `closeFinished`),
    /// waiters to fail. Leased connections are closed when they come back.
    mutating func close() -> (idle: [Connection], waiters: [Int]) {
        isClosed = true
        let idle = members.values.flatMap { $0.idle.map(\.connection) }
        closingCount += idle.count
        members.removeAll()
        let failed = waiters.map(\.id)
        waiters.removeAll()
        return (idle, failed)
    }

    // MARK: - Helpers

    private mutating func makeMember(now: Instant) -> Member {
        nextGeneration += 1
        return Member(generation: nextGeneration, lastUsed: now)
    }

    private func canOpen(_ key: Key) -> Bool {
        (members[key]?.openCount ?? 0) < maximumConnectionsPerKey
    }

    /// The oldest waiter that a connection or slot of `key` can serve: one of
    /// the same key, or one whose key is below its own limit.
    private func firstServableWaiter(freeing key: Key) -> Int? {
        waiters.firstIndex { $0.key == key || canOpen($0.key) }
    }

    /// Moves one slot from `key` to `waiter`'s key; the group total is unchanged.
    /// `evicting`: a live connection is closed for it (counted as an eviction).
    private mutating func transferSlot(from key: Key, to waiter: Waiter, evicting: Bool) -> ReleaseAction {
        members[key]?.openCount -= 1
        members[waiter.key]?.openCount += 1
        if evicting { evictions += 1 }
        return .grantSlot(waiter: waiter.id, generation: members[waiter.key]?.generation ?? 0)
    }

    /// The slot of a removed member's connection (or of a closed group's) goes
    /// to a waiter that may open, or is freed.
    private mutating func retiredSlotFreed(closing: Bool) -> ReleaseAction {
        if !isClosed, let index = waiters.firstIndex(where: { canOpen($0.key) }) {
            let waiter = waiters.remove(at: index)
            members[waiter.key]?.openCount += 1
            return .grantSlot(waiter: waiter.id, generation: members[waiter.key]?.generation ?? 0)
        }
        return freeSlot(closing: closing)
    }

    /// A slot nobody waits for: free now, or once its connection is closed.
    private mutating func freeSlot(closing: Bool) -> ReleaseAction {
        if closing {
            closingCount += 1
        } else {
            openCount -= 1
        }
        return .close
    }

    /// Closes the least recently released idle connection of any key. The
    /// caller takes over its slot, so the group total is unchanged. A linear
    /// scan over members: a few thousand comparisons under the lock, only when
    /// the budget is full, cheaper than keeping a heap in step.
    private mutating func evictLeastRecentlyUsed() -> Connection? {
        var oldest: (key: Key, since: Instant)?
        for (key, member) in members {
            guard let first = member.idle.first else { continue }
            if oldest.map({ first.since < $0.since }) ?? true { oldest = (key, first.since) }
        }
        guard let key = oldest?.key, var member = members[key], !member.idle.isEmpty else { return nil }
        let victim = member.idle.removeFirst()
        member.openCount -= 1
        members[key] = member
        evictions += 1
        return victim.connection
    }

    /// Gives free budget to waiters that may open (after closes finished).
    private mutating func grantFreeBudget() -> [(waiter: Int, generation: Int)] {
        var grants: [(waiter: Int, generation: Int)] = []
        while !isClosed, openCount < maximumConnections,
            let index = waiters.firstIndex(where: { canOpen($0.key) })
        {
            let waiter = waiters.remove(at: index)
            members[waiter.key]?.openCount += 1
            openCount += 1
            peakOpenCount = max(peakOpenCount, openCount)
            grants.append((waiter.id, members[waiter.key]?.generation ?? 0))
        }
        return grants
    }
}
