/// A session lent to synchronous code running on its connection's own
/// thread, for hot paths: a transaction written against it costs one
/// hand-off to that thread in all, where the async API costs one per
/// statement (and each is a pair of thread wake-ups).
///
/// It is not `Sendable`: it lives only inside the closure it was lent to,
/// on the one thread that may call libpq for the connection.
public struct PostgresSession {
    let handle: LibPQHandle

    /// Runs a statement and returns all its rows.
    @discardableResult
    public func query(_ query: PostgresQuery) throws -> PostgresRows {
        try PostgresConnection.execute(query, on: handle)
    }

    /// Runs a statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery) throws -> Int {
        try self.query(query).affectedRows
    }

    /// Commits when `body` returns, rolls back when it throws; like
    /// ``PostgresConnection/withTransaction(level:isolation:_:)``.
    public func transaction<Result>(level: TransactionIsolation = .readCommitted, _ body: (PostgresSession) throws -> Result)
        throws -> Result
    {
        switch level {
        case .readCommitted: try execute("BEGIN")
        case .repeatableRead: try execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        case .serializable: try execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        }
        let result: Result
        do {
            result = try body(self)
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
        try execute("COMMIT")
        return result
    }
}

extension PostgresConnection {
    /// A whole transaction on the connection's thread: one hand-off instead
    /// of one per statement. Commits when `body` returns, rolls back when it throws.
    public func withBlockingTransaction<Result: Sendable>(
        level: TransactionIsolation = .readCommitted,
        _ body: @escaping @Sendable (PostgresSession) throws -> Result
    ) async throws -> Result {
        try await withSession { session in try session.transaction(level: level, body) }
    }
}

extension PostgresPoolGroup {
    /// A session of `key` lent to synchronous code on its own thread (see
    /// ``PostgresSession``); each statement commits by itself unless `body`
    /// opens a transaction.
    public func withSession<Result: Sendable>(
        for key: Key, _ body: @escaping @Sendable (PostgresSession) throws -> Result
    ) async throws -> Result {
        try await withConnection(for: key) { connection in try await connection.withSession(body) }
    }

    /// ``withTransaction(for:level:isolation:_:)`` with a synchronous body run
    /// on the session's own thread (see ``PostgresSession``).
    public func withBlockingTransaction<Result: Sendable>(
        for key: Key,
        level: TransactionIsolation = .readCommitted,
        _ body: @escaping @Sendable (PostgresSession) throws -> Result
    ) async throws -> Result {
        try await withConnection(for: key) { connection in
            try await connection.withBlockingTransaction(level: level, body)
        }
    }
}
