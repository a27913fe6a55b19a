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

@Suite("Tenant and audit commands")
struct TenantCommandTests {
    @Test func lifecycleThroughTheCommandLine() async throws {
        try await withTestDatabase { database in
            let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("mk-\(UUID().uuidString)")
            try Data((0..<32).map { UInt8($0) }).base64EncodedString().write(to: keyFile, atomically: true, encoding: .utf8)
            let env = ["DATABASE_URL": try connectionURL(database), "COUNTERSIGN_MASTER_KEY_FILE": keyFile.path, "USER": "ops"]
            let slug = "cli_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(8)
            #expect(await run(["migrate"], env).0 == 0)
            let (partnerStatus, partner) = await run(
                ["partner", "create", "--slug", "northwind", "--kind", "msp", "--name", "Northwind IT",
                 "--support-email", "help@northwind.example"], env)
            #expect(partnerStatus == 0, "\(partner.standardError)")

            let (createStatus, created) = await run(
                ["tenant", "create", "--partner", "northwind", "--slug", String(slug), "--name", "Acme Foods", "--json"], env)
            #expect(createStatus == 0, "\(created.standardError)")
            let object = try JSONSerialization.jsonObject(with: Data(created.standardOutput.utf8)) as? [String: Any]
            #expect(object?["status"] as? String == "active")

            let (_, listed) = await run(["tenant", "list", "--partner", "northwind"], env)
            #expect(listed.standardOutput.contains("\(slug)\tactive\tnorthwind\tt_\(slug)"))
            #expect(await run(["tenant", "suspend", "--slug", String(slug)], env).0 == 0)
            #expect(await run(["tenant", "resume", "--slug", String(slug)], env).0 == 0)

            let (requestStatus, request) = await run(["tenant", "delete", "--slug", String(slug)], env)
            #expect(requestStatus == 0)
            let token = try #require(request.standardOutput.components(separatedBy: "--confirm ").last?
                .trimmingCharacters(in: .whitespacesAndNewlines))
            let (wrongStatus, wrong) = await run(["tenant", "delete", "--slug", String(slug), "--confirm", "nope"], env)
            #expect(wrongStatus == 1)
            #expect(wrong.standardError.contains("confirmation token"))
            #expect(await run(["tenant", "delete", "--slug", String(slug), "--confirm", token], env).0 == 0)

            let (verifyStatus, verified) = await run(["audit", "verify"], env)
            #expect(verifyStatus == 0, "\(verified.standardError)")
            #expect(verified.standardOutput.contains("intact"))
        }
    }

    @Test(arguments: [
        (["tenant"], "give one action"),
        (["tenant", "explode"], "give one action"),
        (["tenant", "create", "--slug", "x1"], "--partner is required"),
        (["partner", "create", "--slug", "p1", "--kind", "bank", "--name", "P", "--support-email", "a@b.c"], "--kind must be"),
        (["audit", "check"], "give the action 'verify'"),
    ])
    func usageErrors(arguments: [String], expected: String) async {
        let (status, output) = await run(arguments, [:])
        #expect(status == 64)
        #expect(output.standardError.contains(expected), "\(output.standardError)")
    }

    @Test func creatingATenantNeedsTheMasterKey() async {
        let (status, output) = await run(
            ["tenant", "create", "--partner", "p1", "--slug", "t1", "--name", "T"],
            ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x?connect_timeout=1"])
        #expect(status == 64)
        #expect(output.standardError.contains("master-key-file"))
    }
}
