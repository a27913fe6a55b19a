import Postgres
import TestSupport
import Testing

/// Tenant isolation is enforced by PostgreSQL, not by our code: whatever SQL
/// reaches the server on tenant A's connection, including `RESET ROLE` and
/// `SET ROLE`, cannot read or change tenant B's or the control plane's data.
@Suite("Tenant isolation enforced by PostgreSQL")
struct TenantIsolationTests {
    /// Connections through the group, logged in over TCP with the tenant's password (SCRAM), as in production.
    private func group(_ fixture: TenantFixture) -> PostgresPoolGroup<String> {
        PostgresPoolGroup(configuration: .init(maximumConnections: 4, checkoutTimeout: .seconds(10))) { slug in
            fixture.configuration(for: slug, overTCP: true)
        }
    }

    @Test func aTenantWorksInItsOwnSchemaThroughUnqualifiedNames() async throws {
        try await withTenants(["a", "b"]) { fixture in
            let group = group(fixture)
            let a = fixture.role("a")
            try await group.withTransaction(for: "a") { connection in
                let who = try await connection.query("SELECT current_user AS cu, session_user AS su, current_schema() AS cs")
                #expect(try who[0].decode("cu", as: String.self) == a)
                #expect(try who[0].decode("su", as: String.self) == a)
                #expect(try who[0].decode("cs", as: String.self) == a)
                try await connection.execute("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)")
                try await connection.execute("INSERT INTO notes VALUES (1, \("hello"))")
            }
            let rows = try await group.withConnection(for: "a") { connection in
                try await connection.query("SELECT n.body, c.relnamespace::regnamespace::text AS schema FROM notes n, pg_class c WHERE c.oid = 'notes'::regclass")
            }
            #expect(try rows[0].decode("body", as: String.self) == "hello")
            #expect(try rows[0].decode("schema", as: String.self) == a)
            await group.close()
        }
    }

    @Test func tenantAsConnectionIsDeniedTenantBsAndTheControlPlanesData() async throws {
        try await withTenants(["a", "b"]) { fixture in
            let group = group(fixture)
            let a = fixture.role("a")
            let b = fixture.role("b")
            try await group.withConnection(for: "b") { connection in
                try await connection.execute("CREATE TABLE secrets (id int PRIMARY KEY, body text NOT NULL)")
                try await connection.execute("INSERT INTO secrets VALUES (1, \("tenant b's secret"))")
            }

            // Each statement, run on a session logged in as t_a, must be refused with 42501.
            let denied: [String] = [
                "SELECT * FROM \(b).secrets",
                "INSERT INTO \(b).secrets VALUES (2, 'x')",
                "UPDATE \(b).secrets SET body = 'x'",
                "DELETE FROM \(b).secrets",
                "CREATE TABLE \(b).planted (id int)",
                "DROP SCHEMA \(b) CASCADE",
                "SET ROLE \(b)",
                "SET SESSION AUTHORIZATION \(b)",
                "SET SESSION AUTHORIZATION countersign",
                "GRANT \(b) TO \(a)",
                "ALTER ROLE \(b) PASSWORD 'known'",
                "ALTER ROLE \(a) SUPERUSER",
                "SELECT * FROM control.x",
                "CREATE TABLE public.planted (id int)",
                "CREATE SCHEMA planted",
                "SELECT pg_read_file('PG_VERSION')",
            ]
            try await group.withConnection(for: "a") { connection in
                for statement in denied {
                    let error = await #expect(throws: PostgresError.self, "\(statement)") {
                        try await connection.query(PostgresQuery(unsafeSQL: statement))
                    }
                    #expect(error?.isInsufficientPrivilege == true, "\(statement): \(String(describing: error?.debugDescription))")
                }
            }

            // RESET ROLE (and friends) leave the session what it logged in as: still t_a, still denied.
            try await group.withConnection(for: "a") { connection in
                for reset in ["RESET ROLE", "SET ROLE NONE", "RESET SESSION AUTHORIZATION", "RESET ALL"] {
                    try await connection.execute(PostgresQuery(unsafeSQL: reset))
                    let who = try await connection.query("SELECT current_user AS cu")
                    #expect(try who[0].decode("cu", as: String.self) == a)
                    let error = await #expect(throws: PostgresError.self, "read after \(reset)") {
                        try await connection.query(PostgresQuery(unsafeSQL: "SELECT * FROM \(b).secrets"))
                    }
                    #expect(error?.isInsufficientPrivilege == true)
                }
                // Pointing the search path at t_b finds nothing either (the schema is invisible without USAGE).
                try await connection.execute(PostgresQuery(unsafeSQL: "SET search_path = \(b), public"))
                let error = await #expect(throws: PostgresError.self) {
                    try await connection.query("SELECT * FROM secrets")
                }
                #expect(error?.isInsufficientPrivilege == true || error?.sqlState == .undefinedTable)
                try await connection.execute("RESET search_path")
            }

            // Inside a transaction too: SET LOCAL ROLE fails and the transaction is rolled back.
            let error = await #expect(throws: PostgresError.self) {
                try await group.withTransaction(for: "a") { connection in
                    try await connection.execute(PostgresQuery(unsafeSQL: "SET LOCAL ROLE \(b)"))
                }
            }
            #expect(error?.isInsufficientPrivilege == true)

            // Tenant b's data is untouched and still readable by b.
            let rows = try await group.withConnection(for: "b") { try await $0.query("SELECT body FROM secrets") }
            #expect(rows.count == 1)
            #expect(try rows[0].decode("body", as: String.self) == "tenant b's secret")
            // No session ever ran as anyone else than its own key's role.
            let membership = try await group.withConnection(for: "a") { connection in
                try await connection.query("SELECT pg_has_role(current_user, \(b), 'MEMBER') AS member")
            }
            #expect(try membership[0].decode("member", as: Bool.self) == false)
            await group.close()
        }
    }

    @Test func aWrongPasswordFailsToConnectAndTheResolverIsAskedAgain() async throws {
        try await withTenants(["a"]) { fixture in
            let calls = ResolverCalls()
            let group = PostgresPoolGroup<String>(configuration: .init(maximumConnections: 2)) { slug in
                calls.record(slug)
                // The first answer carries a stale password, as after a rotation.
                return fixture.configuration(for: slug, overTCP: true, password: calls[slug] == 1 ? "stale" : nil)
            }
            let error = await #expect(throws: PostgresError.self) {
                try await group.withConnection(for: "a") { _ in }
            }
            #expect(error?.kind == .connectionFailed)
            #expect(group.statistics.open == 0)
            let user = try await group.withConnection(for: "a") { try await $0.query("SELECT current_user AS cu")[0].decode("cu", as: String.self) }
            #expect(user == fixture.role("a"))
            #expect(calls["a"] == 2)
            await group.close()
        }
    }
}
