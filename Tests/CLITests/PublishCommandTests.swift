import CLI
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Publishing commands")
struct PublishCommandTests {
    /// A copy of a shipped file with `replacements` applied, written to a temporary file.
    static func edited(_ path: String, _ replacements: [(String, String)]) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        for (old, new) in replacements {
            guard text.contains(old) else { throw CocoaError(.fileReadCorruptFile) }
            text = text.replacingOccurrences(of: old, with: new)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("publish-\(UUID().uuidString).json")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test func publishDiffAndDeployAPartnersTemplateAndMapping() async throws {
        try await withTestDatabase { database in
            let keyFile = try makeMasterKeyFile()
            let env = ["DATABASE_URL": try connectionURL(database), "COUNTERSIGN_MASTER_KEY_FILE": keyFile, "USER": "ops"]
            let tenant = "pub_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(8)
            #expect(await runCLI(["migrate"], env).0 == 0)
            #expect(
                await runCLI(
                    ["partner", "create", "--slug", "northwind", "--kind", "msp", "--name", "Northwind IT",
                     "--support-email", "help@northwind.example"], env
                ).0 == 0)
            #expect(await runCLI(["tenant", "create", "--partner", "northwind", "--slug", String(tenant), "--name", "Acme"], env).0 == 0)

            let broken = try Self.edited(
                "Templates/three-way-match.json", [(#""slug": "three-way-match""#, #""slug": "nw-match""#), (#""otherwise": "assist""#, #""otherwise": "nowhere""#)])
            let (refusedStatus, refused) = await runCLI(["template", "publish", "--partner", "northwind", broken], env)
            #expect(refusedStatus != 0)
            #expect(refused.standardError.contains(#"steps[2] "route" otherwise: no step has the id "nowhere""#), "\(refused.standardError)")

            let first = try Self.edited("Templates/three-way-match.json", [(#""slug": "three-way-match""#, #""slug": "nw-match""#)])
            let (publishStatus, published) = await runCLI(["template", "publish", "--partner", "northwind", first], env)
            #expect(publishStatus == 0, "\(published.standardError)")
            #expect(published.standardOutput.contains("published nw-match 1.0.0 for northwind (sha256 "))
            let second = try Self.edited(
                "Templates/three-way-match.json",
                [(#""slug": "three-way-match""#, #""slug": "nw-match""#), (#""version": "1.0.0""#, #""version": "1.0.1""#),
                 (#""otherwise": "assist""#, #""otherwise": "approve""#)])
            #expect(await runCLI(["template", "publish", "--partner", "northwind", second], env).0 == 0)
            let (againStatus, again) = await runCLI(["template", "publish", "--partner", "northwind", second], env)
            #expect(againStatus != 0)
            #expect(again.standardError.contains("not greater"), "\(again.standardError)")

            let (diffStatus, diff) = await runCLI(
                ["template", "diff", "--partner", "northwind", "--template", "nw-match", "--from", "1.0.0", "--to", "1.0.1"], env)
            #expect(diffStatus == 0, "\(diff.standardError)")
            #expect(diff.standardOutput.contains("steps: changed route"), "\(diff.standardOutput)")
            #expect(diff.standardOutput.contains(#"~ $.steps[id=route].otherwise: "assist" → "approve""#))

            let (listStatus, listed) = await runCLI(["template", "list", "--partner", "northwind"], env)
            #expect(listStatus == 0)
            #expect(listed.standardOutput.contains("nw-match\t1.0.0*,1.0.1*"), "\(listed.standardOutput)")

            let (deployStatus, deployed) = await runCLI(
                ["template", "deploy", "--tenant", String(tenant), "--template", "nw-match"], env)
            #expect(deployStatus == 0, "\(deployed.standardError)")
            #expect(deployed.standardOutput.contains("deployed nw-match 1.0.1 to \(tenant)"))

            let mapping = try Self.edited(
                "Templates/mappings/carrier-delivery/mapping.json", [(#""slug": "carrier-delivery""#, #""slug": "nw-carrier""#)])
            let (mappingStatus, mapped) = await runCLI(["mapping", "publish", "--partner", "northwind", mapping], env)
            #expect(mappingStatus == 0, "\(mapped.standardError)")
            let (mappingDeploy, mappingDeployed) = await runCLI(
                ["mapping", "deploy", "--tenant", String(tenant), "--source", "carrier", "--mapping", "nw-carrier"], env)
            #expect(mappingDeploy == 0, "\(mappingDeployed.standardError)")
            #expect(mappingDeployed.standardOutput.contains("deployed nw-carrier"))
            try await dropTenantRoles(database, ["t_\(tenant)"])
        }
    }
}
