import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Connection pool")
struct PoolTests {
    @Test func exhaustionGivesATimeoutErrorNotAHang() async throws {
        try await withTestPool(configuration: .init(maximumConnections: 1, checkoutTimeout: .milliseconds(200))) { pool in
            try await pool.withConnection { _ in
                let error = await #expect(throws: PostgresError.self) {
                    try await pool.withConnection { _ in }
                }
                #expect(error?.kind == .poolTimeout)
                #expect(error?.httpStatus == 503)
            }
            // Once the holder returns, the pool serves again.
            let rows = try await pool.query("SELECT 1 AS one")
            #expect(try rows[0].decode("one", as: Int.self) == 1)
            #expect(pool.statistics.waiting == 0)
        }
    }

    @Test func waitersAreServedWhenAConnectionIsReturned() async throws {
        try await withTestPool(configuration: .init(maximumConnections: 2, checkoutTimeout: .seconds(30))) { pool in
            let results = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 0..<20 {
                    group.addTask {
                        try await pool.withConnection { connection in
                            try await connection.query("SELECT \(n)::int AS n, pg_sleep(0.01)")[0].decode("n", as: Int.self)
                        }
                    }
                }
                var all: [Int] = []
                for try await value in group { all.append(value) }
                return all.sorted()
            }
            #expect(results == Array(0..<20))
            #expect(pool.statistics.open <= 2)
        }
    }

    @Test func terminatedBackendIsReplacedOnNextCheckout() async throws {
        try await withTestPool(configuration: .init(maximumConnections: 1)) { pool in
            let firstPID = try await pool.withConnection { $0.backendPID }
            let admin = try await PostgresConnection.connect(pool.connectionConfiguration)
            try await admin.query("SELECT pg_terminate_backend(\(firstPID))")
            try await waitUntilGone(firstPID, admin: admin)
            // The pool notices the dead session and hands out a fresh one.
            let secondPID = try await pool.withConnection { connection in
                try await connection.query("SELECT 1")
                return connection.backendPID
            }
            #expect(secondPID != firstPID)
            await admin.close()
        }
    }

    @Test func connectionLossDuringUseIsReportedAndTheConnectionDiscarded() async throws {
        try await withTestPool(configuration: .init(maximumConnections: 1)) { pool in
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withConnection { connection in
                    try await connection.query("SELECT pg_terminate_backend(pg_backend_pid())")
                }
            }
            #expect(error?.isConnectionLoss == true)
            let rows = try await pool.query("SELECT 1 AS one")
            #expect(rows.count == 1)
        }
    }

    @Test func aConnectionLeftInATransactionIsNotReused() async throws {
        try await withTestPool(configuration: .init(maximumConnections: 1)) { pool in
            let first = try await pool.withConnection { connection in
                try await connection.execute("BEGIN")
                return connection.backendPID
            }
            let status = try await pool.query("SELECT pg_backend_pid() AS pid, now() = statement_timestamp() AS fresh")
            #expect(try status[0].decode("pid", as: Int32.self) != first)
        }
    }

    @Test func failedConnectsAreErrorsNamingTheProblem() async throws {
        let configuration = PostgresConfiguration(connectionString: "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
        let error = await #expect(throws: PostgresError.self) {
            try await PostgresConnection.connect(configuration)
        }
        #expect(error?.kind == .connectionFailed)
        #expect(error?.serverMessage?.isEmpty == false)
    }

    @Test func invalidConnectionStringsAreRejectedWithoutEchoingThem() {
        let error = #expect(throws: PostgresError.self) {
            try PostgresConfiguration(connectionString: "postgresql://u:s3cret@host/db?nonsense=1").validate()
        }
        #expect(error?.kind == .invalidConfiguration)
        #expect(error?.message.contains("s3cret") == false)
    }

    @Test func redactedDescriptionHidesThePassword() {
        let configuration = PostgresConfiguration(connectionString: "postgresql://app:s3cret@db.internal:5433/cs")
        #expect(!configuration.redactedDescription.contains("s3cret"))
        #expect(configuration.redactedDescription.contains("db.internal"))
    }
}

/// Waits (by polling the server, not by sleeping for a fixed time) until a backend has exited.
func waitUntilGone(_ pid: Int32, admin: PostgresConnection) async throws {
    for _ in 0..<500 {
        let rows = try await admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = \(pid)")
        if rows.isEmpty { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("backend \(pid) did not exit")
}
