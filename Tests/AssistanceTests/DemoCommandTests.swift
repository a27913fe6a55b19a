import CLI
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("countersign demo and triage evaluate")
struct DemoCommandTests {
    private func run(_ arguments: [String], _ environment: [String: String]) async -> (Int32, CapturedOutput) {
        let output = CapturedOutput()
        var env = environment
        env["COUNTERSIGN_ROOT"] = repositoryRoot.path
        let status = await CommandLineTool.run(
            arguments: arguments, context: CommandContext(environment: env, output: output))
        return (status, output)
    }

    @Test func theGeneratedHistoryBacktestsAtLeastEightyPercent() async throws {
        try await withTestDatabase { database in
            guard var components = URLComponents(string: database.connectionString),
                let name = database.overrides["dbname"]
            else { throw TestDatabase.NotConfigured() }
            components.path = "/" + name
            let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("mk-\(UUID().uuidString)")
            try Data((0..<32).map { UInt8($0) }).base64EncodedString().write(
                to: keyFile, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: keyFile) }
            let env = [
                "DATABASE_URL": components.string ?? "", "COUNTERSIGN_MASTER_KEY_FILE": keyFile.path, "USER": "ops",
            ]
            let slug = "demo_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(8)
            do {
                #expect(await run(["migrate"], env).0 == 0)
                #expect(
                    await run(
                        [
                            "partner", "create", "--slug", "northwind", "--kind", "msp", "--name", "Northwind IT",
                            "--support-email", "help@northwind.example",
                        ], env
                    ).0 == 0)
                let (created, createdOutput) = await run(
                    ["tenant", "create", "--partner", "northwind", "--slug", String(slug), "--name", "Acme Foods"], env)
                #expect(created == 0, "\(createdOutput.standardError)")

                let (empty, emptyOutput) = await run(["triage", "evaluate", "--tenant", String(slug)], env)
                #expect(empty == 1)
                #expect(emptyOutput.standardError.contains("at least one case"))

                #expect(
                    await run(["template", "deploy", "--tenant", String(slug), "--template", "three-way-match"], env).0 == 0)
                let (demo, demoOutput) = await run(
                    ["demo", "--tenant", String(slug), "--history", "2000", "--seed", "7", "--documents", "6"], env)
                #expect(demo == 0, "\(demoOutput.standardError)")
                #expect(demoOutput.standardOutput.contains("stored 2000 demo resolved cases"))
                // Six orders, each with its receipt and invoice: every one leaves an exception to decide
                // (short by 0-2 boxes, or a price above the PO), and with history the assistant recommends.
                #expect(demoOutput.standardOutput.contains("ingested 6 demo orders with receipts and invoices; 6 tasks are open"),
                        "\(demoOutput.standardOutput)")
                // Again: the demo history is replaced, not doubled.
                let (again, againOutput) = await run(
                    ["demo", "--tenant", String(slug), "--history", "2000", "--seed", "7", "--documents", "6"], env)
                #expect(again == 0)
                #expect(againOutput.standardOutput.contains("6 tasks are open"), "the documents are not stored twice")

                let (status, output) = await run(["triage", "evaluate", "--tenant", String(slug)], env)
                #expect(status == 0, "\(output.standardError)")
                let lines = output.standardOutput.split(separator: "\n")
                #expect(lines.first?.contains("train=1600 test=400") == true)
                let last = try #require(lines.last)
                #expect(last.hasPrefix("top1_accuracy="))
                let accuracy = try #require(Double(last.dropFirst("top1_accuracy=".count)))
                #expect(accuracy >= 0.8)
                #expect(accuracy <= 1)
            } catch {
                try? await dropRole(database, "t_\(slug)")
                throw error
            }
            try await dropRole(database, "t_\(slug)")
        }
    }

    @Test(arguments: [
        (["demo"], "--tenant is required"),
        (["demo", "--tenant", "acme", "--history", "0"], "--history is a number"),
        (["triage"], "give one action"),
        (["triage", "recommend", "--tenant", "acme"], "--run is required"),
        (["triage", "revert", "--tenant", "acme", "--action", "x"], "--action ID and --reason TEXT"),
    ])
    func usageErrors(arguments: [String], expected: String) async {
        let (status, output) = await run(arguments, [:])
        #expect(status == 64)
        #expect(output.standardError.contains(expected), "\(output.standardError)")
    }

    private func dropRole(_ database: PostgresConfiguration, _ role: String) async throws {
        let connection = try await PostgresConnection.connect(database)
        let identifier = try SQLIdentifier(role)
        try await connection.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(role)")
        try await connection.query("DROP SCHEMA IF EXISTS \(identifier: identifier) CASCADE")
        if try await !connection.query("SELECT 1 FROM pg_roles WHERE rolname = \(role)").isEmpty {
            try await connection.query("DROP OWNED BY \(identifier: identifier)")
            try await connection.query("DROP ROLE \(identifier: identifier)")
        }
        await connection.close()
    }
}
