import Synchronization

/// Transaction isolation levels, spelled as PostgreSQL expects them.
public enum TransactionIsolation: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

/// Numbers savepoints so that nested `withSavepoint` calls never reuse a name.
private let savepointCounter = Atomic<Int>(0)

extension PostgresConnection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    ///
    /// A failed COMMIT (a serialization failure, a deferred constraint) is thrown
    /// as is: the transaction is then already rolled back by the server.
    @discardableResult
    public func withTransaction<Result>(
        level: TransactionIsolation = .readCommitted,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        switch level {
        case .readCommitted: try await execute("BEGIN")
        case .repeatableRead: try await execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        case .serializable: try await execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        }
        let result: Result
        do {
            result = try await body(self)
        } catch {
            _ = try? await execute("ROLLBACK")
            throw error
        }
        try await execute("COMMIT")
        return result
    }

    /// Runs `body` inside a savepoint of the current transaction: on throw only
    /// the savepoint's work is undone and the error is rethrown.
    @discardableResult
    public func withSavepoint<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let name = try SQLIdentifier("sp_\(savepointCounter.wrappingAdd(1, ordering: .relaxed).newValue)")
        try await execute("SAVEPOINT \(identifier: name)")
        let result: Result
        do {
            result = try await body(self)
        } catch {
            _ = try? await execute("ROLLBACK TO SAVEPOINT \(identifier: name)")
            throw error
        }
        try await execute("RELEASE SAVEPOINT \(identifier: name)")
        return result
    }

    /// `SET LOCAL name = value` for the rest of the current transaction, with
    /// the value bound as a parameter (through `set_config`).
    public func setLocal(_ setting: String, to value: String) async throws {
        try await query("SELECT set_config(\(setting), \(value), true)")
    }

    /// Limits every statement for the rest of the current transaction.
    public func setLocalStatementTimeout(_ timeout: Duration) async throws {
        let millis = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        try await setLocal("statement_timeout", to: String(millis))
    }
}
