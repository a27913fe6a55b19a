import CLI
import Foundation
import Postgres
import TestSupport

/// The repository checkout, which holds Migrations/ and Tenants/.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// Runs the command line in-process with `environment` (plus the repository as root).
func runCLI(_ arguments: [String], _ environment: [String: String] = [:]) async -> (Int32, CapturedOutput) {
    let output = CapturedOutput()
    var env = environment
    env["COUNTERSIGN_ROOT"] = env["COUNTERSIGN_ROOT"] ?? repositoryRoot
    let status = await CommandLineTool.run(arguments: arguments, context: CommandContext(environment: env, output: output))
    return (status, output)
}

/// A URL for a test database: the admin URL with its database replaced.
func connectionURL(_ configuration: PostgresConfiguration) throws -> String {
    guard var components = URLComponents(string: configuration.connectionString),
        let database = configuration.overrides["dbname"]
    else { throw TestDatabase.NotConfigured() }
    components.path = "/" + database
    return components.string ?? ""
}

/// A master key file (base64 of 32 bytes) in a temporary folder.
func makeMasterKeyFile() throws -> String {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("mk-\(UUID().uuidString)")
    try Data((0..<32).map { UInt8($0) }).base64EncodedString().write(to: file, atomically: true, encoding: .utf8)
    return file.path
}

/// Tenant roles are cluster-wide: tests drop the ones they created.
func dropTenantRoles(_ database: PostgresConfiguration, _ roles: [String]) async throws {
    let connection = try await PostgresConnection.connect(database)
    for role in roles {
        let identifier = try SQLIdentifier(role)
        try await connection.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(role)")
        try await connection.query("DROP SCHEMA IF EXISTS \(identifier: identifier) CASCADE")
        if try await !connection.query("SELECT 1 FROM pg_roles WHERE rolname = \(role)").isEmpty {
            try await connection.query("DROP OWNED BY \(identifier: identifier)")
            try await connection.query("DROP ROLE \(identifier: identifier)")
        }
    }
    await connection.close()
}
