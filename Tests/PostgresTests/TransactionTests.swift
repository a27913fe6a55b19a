import Foundation
import Postgres
import TestSupport
import Testing

struct Boom: Error {}

@Suite("Transactions, savepoints and settings")
struct TransactionTests {
    @Test func commitsOnReturnAndRollsBackOnThrow() async throws {
        try await withTestPool { pool in
            try await pool.query("CREATE TABLE t (v int)")
            try await pool.withTransaction { try await $0.query("INSERT INTO t VALUES (\(1))") }
            await #expect(throws: Boom.self) {
                try await pool.withTransaction { tx in
                    try await tx.query("INSERT INTO t VALUES (\(2))")
                    throw Boom()
                }
            }
            let rows = try await pool.query("SELECT v FROM t ORDER BY v")
            #expect(try rows.map { try $0.decode("v", as: Int.self) } == [1])
            // The connection that rolled back is reusable and outside any transaction.
            #expect(pool.statistics.leased == 0)
        }
    }

    @Test func savepointUndoesOnlyItsOwnWork() async throws {
        try await withTestPool { pool in
            try await pool.query("CREATE TABLE t (v int)")
            try await pool.withTransaction { tx in
                try await tx.query("INSERT INTO t VALUES (1)")
                await #expect(throws: Boom.self) {
                    try await tx.withSavepoint { sp in
                        try await sp.query("INSERT INTO t VALUES (2)")
                        throw Boom()
                    }
                }
                try await tx.withSavepoint { try await $0.query("INSERT INTO t VALUES (3)") }
            }
            let rows = try await pool.query("SELECT v FROM t ORDER BY v")
            #expect(try rows.map { try $0.decode("v", as: Int.self) } == [1, 3])
        }
    }

    @Test func setLocalLastsForTheTransactionOnly() async throws {
        try await withTestPool(configuration: .init(maximumConnections: 1)) { pool in
            try await pool.withTransaction { tx in
                try await tx.setLocal("application_name", to: "inside; RESET ALL")
                let name = try await tx.query("SELECT current_setting('application_name') AS n")
                #expect(try name[0].decode("n", as: String.self) == "inside; RESET ALL")
            }
            let after = try await pool.query("SELECT current_setting('application_name') AS n")
            #expect(try after[0].decode("n", as: String.self) != "inside; RESET ALL")
        }
    }

    @Test func statementTimeoutCancelsLongStatements() async throws {
        try await withTestPool { pool in
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { tx in
                    try await tx.setLocalStatementTimeout(.milliseconds(50))
                    try await tx.query("SELECT pg_sleep(5)")
                }
            }
            #expect(error?.sqlState == .queryCanceled)
            #expect(error?.code == "database_statement_timeout")
        }
    }

    @Test func serverErrorsCarrySQLStateDetailAndConstraint() async throws {
        try await withTestPool { pool in
            try await pool.query("CREATE TABLE u (email text CONSTRAINT u_email_key UNIQUE)")
            try await pool.query("INSERT INTO u VALUES (\("a@example.com"))")
            let error = await #expect(throws: PostgresError.self) {
                try await pool.query("INSERT INTO u VALUES (\("a@example.com"))")
            }
            #expect(error?.isUniqueViolation == true)
            #expect(error?.constraint == "u_email_key")
            #expect(error?.detail?.contains("already exists") == true)
            #expect(error?.httpStatus == 409)
            // The safe message never echoes the duplicated value.
            #expect(error?.message.contains("a@example.com") == false)
            #expect(error?.description.contains("a@example.com") == false)
        }
    }

    @Test func serializationFailuresAreDistinguishable() async throws {
        try await withTestPool { pool in
            try await pool.query("CREATE TABLE c (id int PRIMARY KEY, n int)")
            try await pool.query("INSERT INTO c VALUES (1, 0)")
            let first = try await PostgresConnection.connect(pool.connectionConfiguration)
            let second = try await PostgresConnection.connect(pool.connectionConfiguration)
            try await first.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
            try await second.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
            _ = try await first.query("SELECT n FROM c WHERE id = 1")
            _ = try await second.query("SELECT n FROM c WHERE id = 1")
            try await first.execute("UPDATE c SET n = n + 1 WHERE id = 1")
            try await first.execute("COMMIT")
            let error = await #expect(throws: PostgresError.self) {
                try await second.execute("UPDATE c SET n = n + 1 WHERE id = 1")
            }
            #expect(error?.isSerializationFailure == true)
            #expect(error?.isConnectionLoss == false)
            await first.close()
            await second.close()
        }
    }

    @Test func identifiersAreValidatedAndQuoted() throws {
        #expect(try SQLIdentifier("t_acme").quoted == "\"t_acme\"")
        for bad in ["", "Acme", "t-acme", "a\"b", "x;drop", String(repeating: "a", count: 64), "1abc", "é"] {
            #expect(throws: PostgresError.self) { try SQLIdentifier(bad) }
        }
    }

    @Test func interpolationBindsValuesInsteadOfSplicingThem() throws {
        let hostile = "'; DROP TABLE x; --"
        let schema = try SQLIdentifier("t_acme")
        let query: PostgresQuery = "SELECT * FROM \(identifier: schema, try SQLIdentifier("docs")) WHERE a = \(hostile) AND b = \(7)"
        #expect(query.sql == "SELECT * FROM \"t_acme\".\"docs\" WHERE a = $1 AND b = $2")
        #expect(query.bindings.count == 2)
        #expect(!query.sql.contains("DROP"))
    }
}
