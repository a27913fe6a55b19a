import CLI
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Tenant and audit commands")
struct TenantCommandTests {
    @Test func lifecycleThroughTheCommandLine() async throws {
        try await withTestDatabase { database in
            let keyFile = try makeMasterKeyFile()
            let env = ["DATABASE_URL": try connectionURL(database), "COUNTERSIGN_MASTER_KEY_FILE": keyFile, "USER": "ops"]
            let slug = "cli_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(8)
            #expect(await runCLI(["migrate"], env).0 == 0)
            let (partnerStatus, partner) = await runCLI(
                ["partner", "create", "--slug", "northwind", "--kind", "msp", "--name", "Northwind IT",
                 "--support-email", "help@northwind.example"], env)
            #expect(partnerStatus == 0, "\(partner.standardError)")

            let (createStatus, created) = await runCLI(
                ["tenant", "create", "--partner", "northwind", "--slug", String(slug), "--name", "Acme Foods", "--json"], env)
            #expect(createStatus == 0, "\(created.standardError)")
            let object = try JSONSerialization.jsonObject(with: Data(created.standardOutput.utf8)) as? [String: Any]
            #expect(object?["status"] as? String == "active")

            let (_, listed) = await runCLI(["tenant", "list", "--partner", "northwind"], env)
            #expect(listed.standardOutput.contains("\(slug)\tactive\tnorthwind\tt_\(slug)"))
            #expect(await runCLI(["tenant", "suspend", "--slug", String(slug)], env).0 == 0)
            #expect(await runCLI(["tenant", "resume", "--slug", String(slug)], env).0 == 0)

            let (requestStatus, request) = await runCLI(["tenant", "delete", "--slug", String(slug)], env)
            #expect(requestStatus == 0)
            let token = try #require(request.standardOutput.components(separatedBy: "--confirm ").last?
                .trimmingCharacters(in: .whitespacesAndNewlines))
            let (wrongStatus, wrong) = await runCLI(["tenant", "delete", "--slug", String(slug), "--confirm", "nope"], env)
            #expect(wrongStatus == 1)
            #expect(wrong.standardError.contains("confirmation token"))
            #expect(await runCLI(["tenant", "delete", "--slug", String(slug), "--confirm", token], env).0 == 0)

            let (verifyStatus, verified) = await runCLI(["audit", "verify"], env)
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
        let (status, output) = await runCLI(arguments, [:])
        #expect(status == 64)
        #expect(output.standardError.contains(expected), "\(output.standardError)")
    }

    @Test func creatingATenantNeedsTheMasterKey() async {
        let (status, output) = await runCLI(
            ["tenant", "create", "--partner", "p1", "--slug", "t1", "--name", "T"],
            ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x?connect_timeout=1"])
        #expect(status == 64)
        #expect(output.standardError.contains("master-key-file"))
    }
}

@Suite("credential and webhook-secret commands")
struct SecretCommandTests {
    @Test func keysAndSecretsArePrintedOnceAsJSON() async throws {
        try await withTestDatabase { database in
            let env = ["DATABASE_URL": try connectionURL(database), "COUNTERSIGN_MASTER_KEY_FILE": try makeMasterKeyFile()]
            let slug = "sec_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(8)
            #expect(await runCLI(["migrate"], env).0 == 0)
            #expect(await runCLI(["partner", "create", "--slug", "northwind", "--kind", "msp", "--name", "N", "--support-email", "a@n.example"], env).0 == 0)
            #expect(await runCLI(["tenant", "create", "--partner", "northwind", "--slug", String(slug), "--name", "Sec Ltd"], env).0 == 0)

            let (keyStatus, keyOutput) = await runCLI(
                ["credential", "create", "--tenant", String(slug), "--scopes", "events:write,runs:read", "--json"], env)
            #expect(keyStatus == 0, "\(keyOutput.standardError)")
            let key = try JSONSerialization.jsonObject(with: Data(keyOutput.standardOutput.utf8)) as? [String: String]
            #expect(key?["key"]?.hasPrefix("cs_live_") == true)
            #expect(key?["id"] != nil)

            let (badScope, badScopeOutput) = await runCLI(["credential", "create", "--tenant", String(slug), "--scopes", "events:fly"], env)
            #expect(badScope == 1)
            #expect(badScopeOutput.standardError.contains("events:fly"))

            let (secretStatus, secretOutput) = await runCLI(
                ["webhook-secret", "create", "--tenant", String(slug), "--source", "netsuite", "--json"], env)
            #expect(secretStatus == 0, "\(secretOutput.standardError)")
            let secret = try JSONSerialization.jsonObject(with: Data(secretOutput.standardOutput.utf8)) as? [String: String]
            #expect(secret?["secret"]?.hasPrefix("whsec_") == true)

            #expect(await runCLI(["credential", "revoke", "--prefix", key?["prefix"] ?? ""], env).0 == 0)
            #expect(await runCLI(["audit", "verify"], env).0 == 0)
            let token = await runCLI(["tenant", "delete", "--slug", String(slug)], env).1.standardOutput
                .components(separatedBy: "--confirm ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            #expect(await runCLI(["tenant", "delete", "--slug", String(slug), "--confirm", token], env).0 == 0)
        }
    }
}
