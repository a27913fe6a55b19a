import Synchronization
import Telemetry

/// Per-key connection pools (one per tenant) under one global connection cap.
///
/// ## Why one login role per tenant, and not `SET ROLE`
///
/// Tenant isolation is enforced by PostgreSQL: each tenant `t_<slug>` has its
/// own LOGIN role with privileges on its own schema only, and tenant-scoped
/// SQL runs on connections *logged in* as that role. A shared pool that runs
/// `SET ROLE t_<slug>` per request would not be isolation: any SQL that reaches
/// the server on such a connection (a bug, or injected text) can `RESET ROLE`
/// back to the powerful login role, or `SET ROLE` to another tenant. With a
/// login role there is nothing to go back to: `RESET ROLE` stays the tenant,
/// `SET ROLE t_other` and `SET SESSION AUTHORIZATION` are refused, and naming
/// another tenant's or the control schema's tables gets *permission denied*.
/// For this to hold, a tenant role must be `NOINHERIT`, a member of no other
/// role, not a superuser, and own nothing outside its schema; the group itself
/// never changes a session's role.
///
/// ## Pools and the budget
///
/// - A key's pool is created lazily on first use: `resolver` turns the key into
///   a ``PostgresConfiguration`` (the tenant's user and password from the
///   control plane). The configuration is cached while the pool lives and
///   forgotten when the pool is dropped or a connect fails, so a rotated
///   password or a suspension is seen on the next connect.
/// - A connection belongs to its key for its whole life: it is never handed
///   to another key, so a session can never carry one tenant's role or state
///   into another tenant's work.
/// - At most `maximumConnections` sessions exist across all keys, and at most
///   `maximumConnectionsPerKey` per key. When the cap is reached and a key
///   needs a new session, the least recently released *idle* session of
///   another key is closed to make room (idle tenants are evicted LRU-first);
///   only when none is idle does the caller wait, up to `checkoutTimeout`,
///   and then gets `poolTimeout`. Waiters are served first come, first served
///   across keys, so one busy tenant cannot starve the others; when tenants
///   compete for a full budget that costs a reconnect per hand-over.
/// - The cap holds on the server, not only in our counts: a session closed to
///   make room keeps its slot until the server has ended it (its backend has
///   left `pg_stat_activity`), which costs about a millisecond or three per
///   eviction on top of the new connect.
/// - Sessions idle for `idleTimeout` are closed, and a key's pool that has had
///   no session and no use for that long is dropped, so a thousand tenants
///   that were active once keep no sessions, threads or cached credentials.
/// - As in ``PostgresPool``, a session is health-checked before reuse and one
///   handed back broken or inside a transaction is closed.
///
/// The decisions (budget, LRU choice, queue order) are made by
/// ``PoolGroupStateMachine``; this class performs them and does the I/O.
///
/// ```swift
/// let tenants = PostgresPoolGroup<Slug>(configuration: .init(maximumConnections: 50)) { slug in
///     try await tenantService.databaseConfiguration(for: slug)
/// }
/// // The key comes from the authenticated principal, never from request input.
/// try await tenants.withTransaction(for: principal.tenant) { connection in … }
/// ```
public final class PostgresPoolGroup<Key: Hashable & Sendable>: Sendable {
    public struct Configuration: Sendable {
        /// The global cap on open sessions across all keys. Default 20.
        public var maximumConnections: Int
        /// The cap for one key, so a busy tenant cannot take the whole budget. Default 4.
        public var maximumConnectionsPerKey: Int
        /// How long `withConnection` waits for a session. Default 5 s.
        public var checkoutTimeout: Duration
        /// Idle time after which a session is pinged before reuse. Default 30 s.
        public var pingAfterIdle: Duration
        /// Idle time after which a session is closed, and a key's empty pool
        /// dropped. Checked every `idleTimeout / 2`. Default 60 s.
        public var idleTimeout: Duration

        public init(
            maximumConnections: Int = 20, maximumConnectionsPerKey: Int = 4, checkoutTimeout: Duration = .seconds(5),
            pingAfterIdle: Duration = .seconds(30), idleTimeout: Duration = .seconds(60)
        ) {
            self.maximumConnections = maximumConnections
            self.maximumConnectionsPerKey = maximumConnectionsPerKey
            self.checkoutTimeout = checkoutTimeout
            self.pingAfterIdle = pingAfterIdle
            self.idleTimeout = idleTimeout
        }
    }

    /// Turns a key into how to connect as that key's own login role.
    public typealias Resolver = @Sendable (Key) async throws -> PostgresConfiguration

    /// Numbers for metrics and `/readyz`.
    public struct Statistics: Sendable, Equatable {
        /// Keys that currently have a pool (with or without open sessions).
        public var pools: Int
        /// Sessions across all keys (idle + leased + being opened or closed):
        /// never more than `maximumConnections`.
        public var open: Int
        public var idle: Int
        /// Lent out, or being opened.
        public var leased: Int
        /// Being closed: their slots are reused once the server has ended them.
        public var closing: Int
        public var waiting: Int
        /// Sessions closed so far to make room for another key (idle ones
        /// evicted, and returned ones whose slot went to another key's waiter).
        public var evictions: Int
        /// The highest number of open sessions so far.
        public var peakOpen: Int
    }

    private typealias Machine = PoolGroupStateMachine<Key, PostgresConnection>

    /// What a waiting caller is given.
    private enum Grant: Sendable {
        case connection(PostgresConnection, generation: Int)
        /// Open a session in a reserved slot, after closing `closing` (an evicted or returned one).
        case slot(generation: Int, closing: PostgresConnection?)
    }

    private struct State {
        var machine: Machine
        var configurations: [Key: PostgresConfiguration] = [:]
        var continuations: [Int: CheckedContinuation<Grant, Error>] = [:]
        var timers: [Int: Task<Void, Never>] = [:]
        var nextWaiterID = 0
        var sweeper: Task<Void, Never>?
    }

    public let configuration: Configuration
    private let resolver: Resolver
    private let logger: Logger
    private let state: Mutex<State>
    private let notifierSlot = Mutex<PostgresNotifier<Key>?>(nil)

    /// Made on first use: it sends through this group, which must exist first.
    var notifier: PostgresNotifier<Key> {
        notifierSlot.withLock { slot in
            if let slot { return slot }
            let made = PostgresNotifier<Key>(logger: logger) { [weak self] key, query in
                guard let self else { return }
                _ = try await self.withConnection(for: key) { try await $0.query(query) }
            }
            slot = made
            return made
        }
    }

    public init(configuration: Configuration = Configuration(), logger: Logger = .disabled, resolver: @escaping Resolver) {
        self.configuration = configuration
        self.resolver = resolver
        self.logger = logger
        self.state = Mutex(State(machine: Machine(
            maximumConnections: configuration.maximumConnections,
            maximumConnectionsPerKey: configuration.maximumConnectionsPerKey)))
        let interval = max(configuration.idleTimeout / 2, .milliseconds(20))
        let sweeper = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled, let self else { return }
                await self.closeIdleConnections()
            }
        }
        state.withLock { $0.sweeper = sweeper }
    }

    deinit {
        state.withLock { $0.sweeper?.cancel() }
    }

    public var statistics: Statistics {
        state.withLock {
            Statistics(
                pools: $0.machine.members.count, open: $0.machine.openCount, idle: $0.machine.idleCount,
                leased: $0.machine.leasedCount, closing: $0.machine.closingCount, waiting: $0.machine.waiters.count,
                evictions: $0.machine.evictions, peakOpen: $0.machine.peakOpenCount)
        }
    }

    /// One key's numbers, or nil when the key has no pool.
    public func statistics(for key: Key) -> PostgresPool.Statistics? {
        state.withLock { state in
            guard let member = state.machine.members[key] else { return nil }
            return PostgresPool.Statistics(
                open: member.openCount, idle: member.idle.count, leased: member.leasedCount,
                waiting: state.machine.waiters.count { $0.key == key })
        }
    }

    /// Lends a session logged in as `key`'s role to `body` and takes it back afterwards, whatever happens.
    public func withConnection<Result>(
        for key: Key,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let (connection, generation) = try await lease(key)
        let result: Result
        do {
            result = try await body(connection)
        } catch {
            await giveBack(connection, key: key, generation: generation)
            throw error
        }
        await giveBack(connection, key: key, generation: generation)
        return result
    }

    /// A transaction on a session of `key`: commits on return, rolls back on throw.
    @discardableResult
    public func withTransaction<Result>(
        for key: Key,
        level: TransactionIsolation = .readCommitted,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection(for: key) { connection in
            try await connection.withTransaction(level: level) { try await body($0) }
        }
    }

    /// Closes `key`'s pool (tenant suspended or deleted): idle sessions now,
    /// leased ones when they come back; its waiters fail with `closed`. The
    /// next use of the key resolves its configuration afresh.
    public func remove(_ key: Key) async {
        let (idle, failed) = state.withLock { state in
            let removed = state.machine.remove(key)
            state.configurations.removeValue(forKey: key)
            let failed = removed.waiters.compactMap { Self.takeContinuation($0, from: &state) }
            return (removed.idle, failed)
        }
        for waiter in failed { waiter.resume(throwing: PostgresError(.closed, summary: "the tenant's connection pool was closed")) }
        await closeAndFree(idle)
    }

    /// Closes every session idle for `idleTimeout` and drops pools unused for
    /// that long. Runs periodically on its own; callable to sweep at once.
    public func closeIdleConnections() async {
        let idle = state.withLock { state in
            let swept = state.machine.closeIdle(now: .now, idleTimeout: configuration.idleTimeout)
            for key in swept.droppedKeys { state.configurations.removeValue(forKey: key) }
            return swept.idle
        }
        if !idle.isEmpty { logger.debug("closing idle tenant database sessions", metadata: ["count": String(idle.count)]) }
        await closeAndFree(idle)
    }

    /// Closes idle sessions, fails waiters, stops the sweeper, and closes
    /// leased sessions as they come back.
    public func close() async {
        let (idle, failed) = state.withLock { state in
            state.sweeper?.cancel()
            state.sweeper = nil
            let closed = state.machine.close()
            state.configurations.removeAll()
            let failed = closed.waiters.compactMap { Self.takeContinuation($0, from: &state) }
            return (closed.idle, failed)
        }
        for waiter in failed { waiter.resume(throwing: PostgresError(.closed, summary: "the connection pool group is closed")) }
        await closeAndFree(idle)
    }

    // MARK: - Lease and release

    private func lease(_ key: Key) async throws -> (PostgresConnection, Int) {
        let id = state.withLock { state -> Int in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let grant = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, Error>) in
                let action = state.withLock { state -> Machine.CheckoutAction in
                    let action = state.machine.checkout(key, waiterID: id, now: .now)
                    if case .wait = action {
                        state.continuations[id] = continuation
                        let timeout = configuration.checkoutTimeout
                        let caps = "cap \(configuration.maximumConnections), \(configuration.maximumConnectionsPerKey) per tenant"
                        state.timers[id] = Task { [weak self] in
                            try? await Task.sleep(for: timeout)
                            guard !Task.isCancelled else { return }
                            self?.abandon(id, error: PostgresError(
                                .poolTimeout,
                                summary: "no tenant database connection became free within \(timeout) (\(caps))"))
                        }
                    }
                    return action
                }
                switch action {
                case .use(let connection, let generation):
                    continuation.resume(returning: .connection(connection, generation: generation))
                case .open(let generation, let closing):
                    continuation.resume(returning: .slot(generation: generation, closing: closing))
                case .wait:
                    break
                case .failClosed:
                    continuation.resume(throwing: PostgresError(.closed, summary: "the connection pool group is closed"))
                }
            }
        } onCancel: {
            abandon(id, error: CancellationError())
        }
        switch grant {
        case .connection(let connection, let generation):
            if await connection.isHealthy(pingAfter: configuration.pingAfterIdle) { return (connection, generation) }
            logger.notice("replacing a broken tenant database connection", metadata: ["backend_pid": String(connection.backendPID)])
            await connection.closeAwaitingServerExit()
            return (try await open(key, generation: generation), generation)
        case .slot(let generation, let closing):
            // Close first, so that the server never sees more sessions than the cap.
            if let closing { await closing.closeAwaitingServerExit() }
            return (try await open(key, generation: generation), generation)
        }
    }

    /// Opens a session for `key` in a slot reserved for it; frees the slot on failure.
    private func open(_ key: Key, generation: Int) async throws -> PostgresConnection {
        do {
            let configuration: PostgresConfiguration
            if let cached = state.withLock({ $0.configurations[key] }) {
                configuration = cached
            } else {
                configuration = try await resolver(key)
                state.withLock { state in
                    if state.machine.isCurrent(key, generation: generation) { state.configurations[key] = configuration }
                }
            }
            return try await PostgresConnection.connect(configuration, logger: logger)
        } catch {
            // A wrong password or a suspended tenant: ask the resolver again next time.
            let action = state.withLock { state in
                state.configurations.removeValue(forKey: key)
                return state.machine.slotFreed(key, generation: generation, now: .now, closing: false)
            }
            perform(action, returned: nil)
            throw error
        }
    }

    private func abandon(_ id: Int, error: Error) {
        let continuation = state.withLock { state -> CheckedContinuation<Grant, Error>? in
            state.timers.removeValue(forKey: id)?.cancel()
            guard state.machine.abandon(waiterID: id) else { return nil }
            return state.continuations.removeValue(forKey: id)
        }
        continuation?.resume(throwing: error)
    }

    private func giveBack(_ connection: PostgresConnection, key: Key, generation: Int) async {
        let reusable = connection.isReusable()
        connection.lastReleased = .now
        let action = state.withLock {
            $0.machine.release(connection, key: key, generation: generation, reusable: reusable, now: .now)
        }
        if let toClose = perform(action, returned: connection) { await closeAndFree([toClose]) }
    }

    /// Closes sessions whose slots the machine holds until they are gone,
    /// then frees the slots (possibly to waiters). Each close has its own thread.
    private func closeAndFree(_ connections: [PostgresConnection]) async {
        await withTaskGroup(of: Void.self) { closes in
            for connection in connections {
                closes.addTask {
                    await connection.closeAwaitingServerExit()
                    let grants = self.state.withLock { $0.machine.closeFinished() }
                    for grant in grants { self.resume(grant.waiter, with: .slot(generation: grant.generation, closing: nil)) }
                }
            }
        }
    }

    /// Carries out a release action; returns a connection the caller must close.
    @discardableResult
    private func perform(_ action: Machine.ReleaseAction, returned connection: PostgresConnection?) -> PostgresConnection? {
        switch action {
        case .keepIdle:
            return nil
        case .close:
            return connection
        case .handOver(let waiter, let handed, let generation):
            resume(waiter, with: .connection(handed, generation: generation))
            return nil
        case .grantSlot(let waiter, let generation):
            // The waiter closes the returned session before opening its own.
            resume(waiter, with: .slot(generation: generation, closing: connection))
            return nil
        }
    }

    private func resume(_ waiter: Int, with grant: Grant) {
        // A served waiter's continuation stays registered until it is resumed
        // here (abandoning only removes waiters still queued), so it is found.
        let continuation = state.withLock { Self.takeContinuation(waiter, from: &$0) }
        continuation?.resume(returning: grant)
    }

    private static func takeContinuation(_ waiter: Int, from state: inout State) -> CheckedContinuation<Grant, Error>? {
        state.timers.removeValue(forKey: waiter)?.cancel()
        return state.continuations.removeValue(forKey: waiter)
    }
}
