import Synchronization
import Telemetry

/// A bounded set of connections shared by the whole process.
///
/// - At most `maximumConnections` sessions exist; a caller that finds none free
///   waits up to `checkoutTimeout` and then gets `poolTimeout` (never a hang).
/// - A connection is checked before reuse: one that the server dropped (a
///   restart, `pg_terminate_backend`) is replaced transparently, so a database
///   restart never needs a process restart.
/// - A connection handed back broken or inside a transaction is closed, not reused.
public final class PostgresPool: Sendable {
    public struct Configuration: Sendable {
        /// Upper bound on open sessions. Default 10.
        public var maximumConnections: Int = 10
        /// How long `withConnection` waits for a free session. Default 5 s.
        public var checkoutTimeout: Duration = .seconds(5)
        /// Idle time after which a session is pinged before reuse. Default 30 s.
        public var pingAfterIdle: Duration = .seconds(30)

        public init(maximumConnections: Int = 10, checkoutTimeout: Duration = .seconds(5), pingAfterIdle: Duration = .seconds(30)) {
            self.maximumConnections = maximumConnections
            self.checkoutTimeout = checkoutTimeout
            self.pingAfterIdle = pingAfterIdle
        }
    }

    /// What a waiting caller is given.
    private enum Grant: Sendable {
        case connection(PostgresConnection)
        case slot
    }

    private struct State {
        var machine: PoolStateMachine<PostgresConnection>
        var continuations: [Int: CheckedContinuation<Grant, Error>] = [:]
        var timers: [Int: Task<Void, Never>] = [:]
        var nextWaiterID = 0
    }

    public let connectionConfiguration: PostgresConfiguration
    public let configuration: Configuration
    private let logger: Logger
    private let state: Mutex<State>

    public init(_ connectionConfiguration: PostgresConfiguration, configuration: Configuration = Configuration(), logger: Logger = .disabled) {
        self.connectionConfiguration = connectionConfiguration
        self.configuration = configuration
        self.logger = logger
        self.state = Mutex(State(machine: PoolStateMachine(maximumConnections: max(1, configuration.maximumConnections))))
    }

    /// Numbers for metrics and `/readyz`.
    public struct Statistics: Sendable, Equatable {
        public var open: Int
        public var idle: Int
        public var leased: Int
        public var waiting: Int
    }

    public var statistics: Statistics {
        state.withLock {
            Statistics(
                open: $0.machine.openCount, idle: $0.machine.idle.count, leased: $0.machine.leasedCount,
                waiting: $0.machine.waiters.count)
        }
    }

    /// Lends a connection to `body` and takes it back afterwards, whatever happens.
    public func withConnection<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await lease()
        let result: Result
        do {
            result = try await body(connection)
        } catch {
            await giveBack(connection)
            throw error
        }
        await giveBack(connection)
        return result
    }

    /// A transaction on a pooled connection: commits on return, rolls back on throw.
    @discardableResult
    public func withTransaction<Result>(
        level: TransactionIsolation = .readCommitted,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            try await connection.withTransaction(level: level) { try await body($0) }
        }
    }

    /// Runs one statement on a pooled connection.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await withConnection { try await $0.query(query) }
    }

    /// Closes idle connections, fails waiters, and closes leased ones as they come back.
    public func close() async {
        let (idle, waiters) = state.withLock { state -> ([PostgresConnection], [CheckedContinuation<Grant, Error>]) in
            let closed = state.machine.close()
            let continuations = closed.waiters.compactMap { state.continuations.removeValue(forKey: $0) }
            for id in closed.waiters { state.timers.removeValue(forKey: id)?.cancel() }
            return (closed.idle, continuations)
        }
        for waiter in waiters { waiter.resume(throwing: PostgresError(.closed, summary: "the connection pool is closed")) }
        for connection in idle { await connection.close() }
    }

    // MARK: - Lease and release

    private func lease() async throws -> PostgresConnection {
        let id = state.withLock { state -> Int in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let grant = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, Error>) in
                let action = state.withLock { state -> PoolStateMachine<PostgresConnection>.CheckoutAction in
                    let action = state.machine.checkout(waiterID: id)
                    if case .wait = action {
                        state.continuations[id] = continuation
                        let timeout = configuration.checkoutTimeout
                        state.timers[id] = Task { [weak self] in
                            try? await Task.sleep(for: timeout)
                            guard !Task.isCancelled else { return }
                            self?.abandon(id, error: PostgresError(
                                .poolTimeout,
                                summary: "no database connection became free within \(timeout) (pool size \(self?.configuration.maximumConnections ?? 0))"))
                        }
                    }
                    return action
                }
                switch action {
                case .use(let connection): continuation.resume(returning: .connection(connection))
                case .open: continuation.resume(returning: .slot)
                case .wait: break
                case .failClosed:
                    continuation.resume(throwing: PostgresError(.closed, summary: "the connection pool is closed"))
                }
            }
        } onCancel: {
            abandon(id, error: CancellationError())
        }
        switch grant {
        case .connection(let connection):
            if await connection.isHealthy(pingAfter: configuration.pingAfterIdle) { return connection }
            logger.notice("replacing a broken database connection", metadata: ["backend_pid": String(connection.backendPID)])
            await connection.close()
            return try await openInReservedSlot()
        case .slot:
            return try await openInReservedSlot()
        }
    }

    private func openInReservedSlot() async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(connectionConfiguration, logger: logger)
        } catch {
            perform(state.withLock { $0.machine.slotFreed() }, returning: nil)
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

    private func giveBack(_ connection: PostgresConnection) async {
        let reusable = connection.isReusable()
        connection.lastReleased = .now
        let action = state.withLock { $0.machine.release(connection, reusable: reusable) }
        if let toClose = perform(action, returning: connection) { await toClose.close() }
    }

    /// Carries out a release action; returns a connection the caller must close.
    @discardableResult
    private func perform(_ action: PoolStateMachine<PostgresConnection>.ReleaseAction, returning connection: PostgresConnection?) -> PostgresConnection? {
        switch action {
        case .keepIdle:
            return nil
        case .close:
            return connection
        case .handOver(let waiter, let handed):
            resume(waiter, with: .connection(handed))
            return nil
        case .grantSlot(let waiter):
            resume(waiter, with: .slot)
            return connection
        }
    }

    private func resume(_ waiter: Int, with grant: Grant) {
        let continuation = state.withLock { state -> CheckedContinuation<Grant, Error>? in
            state.timers.removeValue(forKey: waiter)?.cancel()
            return state.continuations.removeValue(forKey: waiter)
        }
        continuation?.resume(returning: grant)
    }
}
