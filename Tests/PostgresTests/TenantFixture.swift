import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing

/// Tenants set up the way provisioning will, in a fresh test database: for
/// each slug a `LOGIN NOINHERIT` role that owns a schema of the same name and
/// has it as its search path; `public` closed to everyone; a `control` schema
/// owned by the administrator, with a table. No grants on other schemas.
///
/// Roles are cluster-wide and other suites run concurrently on the same
/// cluster, so names carry a random run prefix (`t_<run>_<slug>`) and the
/// roles are dropped after the database.
struct TenantFixture: Sendable {
    /// The administrator's configuration for the test database.
    let database: PostgresConfiguration
    let run: String
    /// Login password of every tenant role (used over TCP, where the cluster asks for SCRAM).
    let password: String

    func role(_ slug: String) -> String { "t_\(run)_\(slug)" }

    /// Shown in `pg_stat_activity`, to count this fixture's sessions.
    var applicationName: String { "cs-tenant-\(run)" }

    /// How to connect as the tenant: over the trusted unix socket, or over TCP with the password.
    func configuration(for slug: String, overTCP: Bool = false, password: String? = nil) -> PostgresConfiguration {
        var configuration = database
        configuration.overrides["user"] = role(slug)
        configuration.applicationName = applicationName
        if overTCP {
            configuration.overrides["host"] = "127.0.0.1"
            configuration.overrides["password"] = password ?? self.password
        }
        return configuration
    }

    /// Number of this fixture's sessions the server has.
    func backendCount(admin: PostgresConnection) async throws -> Int {
        try await admin.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = \(applicationName)"
        )[0].decode("n", as: Int.self)
    }

    func isBackendAlive(_ pid: Int32, admin: PostgresConnection) async throws -> Bool {
        try await !admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = \(pid)").isEmpty
    }
}

func withTenants<Result>(
    _ slugs: [String],
    isolation: isolated (any Actor)? = #isolation,
    _ body: (TenantFixture) async throws -> Result
) async throws -> Result {
    let run = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(8))
    let password = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    let roles = slugs.map { "t_\(run)_\($0)" }
    let outcome: Swift.Result<Result, Error>
    do {
        outcome = .success(try await withTestDatabase { database in
            let fixture = TenantFixture(database: database, run: run, password: password)
            let admin = try await PostgresConnection.connect(database)
            do {
                try await admin.executeScript(unsafeSQL: """
                    REVOKE ALL ON SCHEMA public FROM PUBLIC;
                    CREATE SCHEMA control;
                    CREATE TABLE control.x (id int PRIMARY KEY, secret text NOT NULL);
                    INSERT INTO control.x VALUES (1, 'control-plane secret');
                    """)
                for role in roles {
                    // Identifiers and password are generated hex, so the text is safe here.
                    try await admin.executeScript(unsafeSQL: """
                        CREATE ROLE \(role) LOGIN NOINHERIT PASSWORD '\(password)';
                        CREATE SCHEMA \(role) AUTHORIZATION \(role);
                        ALTER ROLE \(role) SET search_path = \(role);
                        """)
                }
            } catch {
                await admin.close()
                throw error
            }
            await admin.close()
            return try await body(fixture)
        })
    } catch {
        outcome = .failure(error)
    }
    // The database (and with it everything the roles own) is gone; now the roles can go.
    let admin = try await PostgresConnection.connect(TestDatabase.adminConfiguration())
    for role in roles { _ = try? await admin.execute(PostgresQuery(unsafeSQL: "DROP ROLE IF EXISTS \(role)")) }
    await admin.close()
    return try outcome.get()
}

/// Counts how often the resolver was asked for each key.
final class ResolverCalls: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    func record(_ key: String) { counts.withLock { $0[key, default: 0] += 1 } }
    subscript(key: String) -> Int { counts.withLock { $0[key] ?? 0 } }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(
    timeout: Duration = .seconds(10), isolation: isolated (any Actor)? = #isolation,
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
