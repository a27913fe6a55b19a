import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Prepared statements per session")
struct PreparedStatementTests {
    private func prepared(on connection: PostgresConnection) async throws -> [String] {
        try await connection.query("SELECT statement FROM pg_prepared_statements ORDER BY prepare_time")
            .map { try $0.decode("statement", as: String.self) }
    }

    @Test func aStatementIsPreparedOnceAndReusedWithNewValues() async throws {
        try await withTestDatabase { database in
            let connection = try await PostgresConnection.connect(database)
            try await connection.query("CREATE TABLE t (v int)")
            for value in 1...5 { try await connection.query("INSERT INTO t VALUES (\(value))") }
            let rows = try await connection.query("SELECT sum(v)::int AS total FROM t")
            #expect(try rows[0].decode("total", as: Int.self) == 15)
            let statements = try await prepared(on: connection)
            #expect(statements.filter { $0 == "INSERT INTO t VALUES ($1)" }.count == 1)
            await connection.close()
        }
    }

    @Test func aStatementWhoseResultChangedShapeIsPreparedAgain() async throws {
        try await withTestDatabase { database in
            let connection = try await PostgresConnection.connect(database)
            try await connection.query("CREATE TABLE t (a int)")
            try await connection.query("INSERT INTO t VALUES (1)")
            #expect(try await connection.query("SELECT * FROM t").columns.count == 1)
            try await connection.query("ALTER TABLE t ADD COLUMN b int")
            // PostgreSQL refuses a cached plan whose result type changed, at most once.
            var columns = 0
            for _ in 0..<2 where columns == 0 {
                columns = (try? await connection.query("SELECT * FROM t").columns.count) ?? 0
            }
            #expect(columns == 2)
            await connection.close()
        }
    }

    @Test func preparedStatementsFollowTheSearchPath() async throws {
        try await withTestDatabase { database in
            let connection = try await PostgresConnection.connect(database)
            try await connection.executeScript(unsafeSQL: """
                CREATE SCHEMA one; CREATE SCHEMA two;
                CREATE TABLE one.t (v text); CREATE TABLE two.t (v text);
                INSERT INTO one.t VALUES ('one'); INSERT INTO two.t VALUES ('two');
                """)
            var seen: [String] = []
            for schema in ["one", "two", "one"] {
                try await connection.withTransaction { tx in
                    try await tx.setLocal("search_path", to: schema)
                    seen.append(try await tx.query("SELECT v FROM t WHERE v <> \("")")[0].decode("v", as: String.self))
                }
            }
            #expect(seen == ["one", "two", "one"])
            await connection.close()
        }
    }

    @Test func aSessionKeepsABoundedNumberOfStatements() async throws {
        try await withTestDatabase { database in
            let connection = try await PostgresConnection.connect(database)
            for index in 0..<300 {
                // Distinct texts, as identifiers built at run time would give.
                try await connection.query(PostgresQuery(unsafeSQL: "SELECT \(index) + $1::int AS v", bindings: [1.postgresBind]))
            }
            let count = try await connection.query("SELECT count(*)::int AS n FROM pg_prepared_statements")[0]
                .decode("n", as: Int.self)
            #expect(count <= 256)
            #expect(count >= 200)
            await connection.close()
        }
    }
}
