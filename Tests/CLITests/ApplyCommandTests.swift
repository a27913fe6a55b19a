import CLI
import Foundation
import Postgres
import TestSupport
import Testing

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

private func run(_ arguments: [String], _ environment: [String: String]) async -> (Int32, CapturedOutput) {
    let output = CapturedOutput()
    var env = environment
    env["COUNTERSIGN_ROOT"] = root
    let status = await CommandLineTool.run(arguments: arguments, context: CommandContext(environment: env, output: output))
    return (status, output)
}

@Suite("apply")
struct ApplyCommandTests {
    /// Applies the repository's demo manifests twice, then a changed copy.
    @Test func reconcilesIdempotentlyAndReportsChanges() async throws {
        try await withTestDatabase { database in
            let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("mk-\(UUID().uuidString)")
            try Data((0..<32).map { UInt8($0) }).base64EncodedString().write(to: keyFile, atomically: true, encoding: .utf8)
            let env = ["DATABASE_URL": try connectionURL(database), "COUNTERSIGN_MASTER_KEY_FILE": keyFile.path]
            #expect(await run(["migrate"], env).0 == 0)

            let (firstStatus, first) = await run(["apply", root + "/Tenants"], env)
            #expect(firstStatus == 0, "\(first.standardError)")
            #expect(first.standardOutput.contains("created\ttenant:acme_foods"))
            #expect(first.standardOutput.contains("created\tpartner:keystone"))
            #expect(first.standardOutput.hasSuffix("11 created, 0 changed, 0 unchanged"))

            let (_, second) = await run(["apply", root + "/Tenants"], env)
            #expect(second.standardOutput.hasSuffix("0 created, 0 changed, 11 unchanged"), "\(second.standardOutput)")

            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("manifests-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var text = try String(contentsOfFile: root + "/Tenants/keystone.json", encoding: .utf8)
            text = text.replacingOccurrences(of: "#3d2c8d", with: "#222222")
            try text.write(to: folder.appendingPathComponent("keystone.json"), atomically: true, encoding: .utf8)
            let (_, third) = await run(["apply", folder.path], env)
            #expect(third.standardOutput.contains("changed\tpartner:keystone"))
            #expect(third.standardOutput.contains("unchanged\ttenant:cedar_retail"))
            try await dropRoles(database, ["t_acme_foods", "t_bluewater", "t_cedar_retail"])
        }
    }

    @Test func invalidManifestsAreRefusedBeforeAnythingIsWritten() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cases = [
            (#"{"partner": {"slug": "p1", "kind": "msp", "display_name": "P", "support_email": "a@b.c"}}"#, "tenants is required"),
            (#"{"partner": {"slug": "Bad!", "kind": "msp", "display_name": "P", "support_email": "a@b.c"}, "tenants": []}"#, "partner.slug"),
            (#"{"partner": {"slug": "p1", "kind": "msp", "display_name": "P", "support_email": "a@b.c"}, "tenants": [{"slug": "t1", "legal_name": "T", "users": [{"email": "x@y.z", "display_name": "X", "roles": ["god"]}]}]}"#, "tenants[0].users[0].roles"),
        ]
        for (index, (json, expected)) in cases.enumerated() {
            let file = folder.appendingPathComponent("m\(index).json")
            try json.write(to: file, atomically: true, encoding: .utf8)
            let (status, output) = await run(["apply", file.path], ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x?connect_timeout=1"])
            #expect(status == 1)
            #expect(output.standardError.contains(expected), "\(output.standardError)")
        }
    }
}

private func dropRoles(_ database: PostgresConfiguration, _ roles: [String]) async throws {
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
