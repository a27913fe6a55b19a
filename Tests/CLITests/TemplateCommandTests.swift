import CLI
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Template commands")
struct TemplateCommandTests {
    @Test func listAndDeployAndRefuseBadParameters() async throws {
        let (listStatus, listed) = await runCLI(["template", "list"], [:])
        #expect(listStatus == 0, "\(listed.standardError)")
        #expect(listed.standardOutput.contains("three-way-match\t1.0.0\tReceipt-to-invoice three-way match"))

        try await withTestDatabase { database in
            let keyFile = try makeMasterKeyFile()
            let env = ["DATABASE_URL": try connectionURL(database), "COUNTERSIGN_MASTER_KEY_FILE": keyFile, "USER": "ops"]
            let slug = "tpl_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(8)
            #expect(await runCLI(["migrate"], env).0 == 0)
            #expect(
                await runCLI(
                    ["partner", "create", "--slug", "northwind", "--kind", "msp", "--name", "Northwind IT",
                     "--support-email", "help@northwind.example"], env
                ).0 == 0)
            #expect(await runCLI(["tenant", "create", "--partner", "northwind", "--slug", String(slug), "--name", "Acme"], env).0 == 0)

            let (deployStatus, deployed) = await runCLI(
                ["template", "deploy", "--tenant", String(slug), "--template", "three-way-match",
                 "--params", "price_tolerance_pct=1.5,sla_hours=8"], env)
            #expect(deployStatus == 0, "\(deployed.standardError)")
            #expect(deployed.standardOutput.contains("deployed three-way-match 1.0.0 to \(slug)"))

            let (badStatus, bad) = await runCLI(
                ["template", "deploy", "--tenant", String(slug), "--template", "three-way-match", "--params", "price_tolerance_pct=90"],
                env)
            #expect(badStatus != 0)
            #expect(bad.standardError.contains("price_tolerance_pct"), "\(bad.standardError)")
            let (unknownStatus, unknown) = await runCLI(
                ["template", "deploy", "--tenant", String(slug), "--template", "no-such-template"], env)
            #expect(unknownStatus != 0)
            #expect(unknown.standardError.contains("no template"), "\(unknown.standardError)")
            try await dropTenantRoles(database, ["t_\(slug)"])
        }
    }
}
