import Foundation
import Postgres
import Telemetry

/// Test databases in the private cluster that `ops/test` starts.
///
/// Each test gets a database of its own (`cs_test_<random>`), created before
/// and dropped after the test, so tests run in parallel without seeing each
/// other's data. The cluster is found through `COUNTERSIGN_TEST_DATABASE_URL`
/// (set by `ops/test`), falling back to `DATABASE_URL`; without either, a
/// database test fails with a message saying how to run the suite.
public enum TestDatabase {
    public struct NotConfigured: Error, CustomStringConvertible {
        public init() {}
        public var description: String {
            "no test database: run the suite with ops/test (it sets COUNTERSIGN_TEST_DATABASE_URL)"
        }
    }

    /// The administrative connection to the test cluster.
    public static func adminConfiguration() throws -> PostgresConfiguration {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["COUNTERSIGN_TEST_DATABASE_URL"] ?? environment["DATABASE_URL"], !url.isEmpty else {
            throw NotConfigured()
        }
        return PostgresConfiguration(connectionString: url, applicationName: "countersign-tests", statementTimeout: .seconds(60))
    }
}

/// Creates a fresh database, passes its configuration to `body`, and drops it afterwards.
public func withTestDatabase<Result>(
    isolation: isolated (any Actor)? = #isolation,
    _ body: (PostgresConfiguration) async throws -> Result
) async throws -> Result {
    try await TestDatabaseSlots.withSlot { try await withOwnTestDatabase(body) }
}

private func withOwnTestDatabase<Result>(
    isolation: isolated (any Actor)? = #isolation,
    _ body: (PostgresConfiguration) async throws -> Result
) async throws -> Result {
    let admin = try TestDatabase.adminConfiguration()
    let name = "cs_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
    let identifier = try SQLIdentifier(String(name))
    let connection = try await PostgresConnection.connect(admin)
    try await connection.execute("CREATE DATABASE \(identifier: identifier)")
    let result: Result
    do {
        result = try await body(admin.database(identifier.name))
    } catch {
        _ = try? await connection.execute("DROP DATABASE IF EXISTS \(identifier: identifier) WITH (FORCE)")
        await connection.close()
        throw error
    }
    try await connection.execute("DROP DATABASE IF EXISTS \(identifier: identifier) WITH (FORCE)")
    await connection.close()
    return result
}

/// A pool on a fresh test database; closed and dropped afterwards.
public func withTestPool<Result>(
    configuration: PostgresPool.Configuration = PostgresPool.Configuration(maximumConnections: 4, checkoutTimeout: .seconds(10)),
    isolation: isolated (any Actor)? = #isolation,
    _ body: (PostgresPool) async throws -> Result
) async throws -> Result {
    try await withTestDatabase { database in
        let pool = PostgresPool(database, configuration: configuration)
        let result: Result
        do {
            result = try await body(pool)
        } catch {
            await pool.close()
            throw error
        }
        await pool.close()
        return result
    }
}
