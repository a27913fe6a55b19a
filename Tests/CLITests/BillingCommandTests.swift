import CLI
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Billing and usage commands")
struct BillingCommandTests {
    /// One tenant on a 300.00 EUR plan all April with 1500 events (1000 included at 0.01 beyond):
    /// 305.00, previewed as CSV and JSON, issued once, recounted and corrected by a credit note.
    @Test func statementsInCSVAndJSONIssueOnceAndACreditNoteAfterARecount() async throws {
        try await withTestDatabase { database in
            let env = [
                "DATABASE_URL": try connectionURL(database), "COUNTERSIGN_MASTER_KEY_FILE": try makeMasterKeyFile(),
                "USER": "ops",
            ]
            let tenant = "bill_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(8)
            #expect(await runCLI(["migrate"], env).0 == 0)
            #expect(
                await runCLI(
                    ["partner", "create", "--slug", "northwind", "--kind", "msp", "--name", "Northwind IT",
                     "--support-email", "help@northwind.example"], env
                ).0 == 0)
            #expect(
                await runCLI(["tenant", "create", "--partner", "northwind", "--slug", String(tenant), "--name", "Acme, Inc."], env)
                    .0 == 0)
            let connection = try await PostgresConnection.connect(database)
            try await connection.query(
                """
                UPDATE control.tenant_lifecycle SET at = '2026-03-01T00:00:00Z'
                WHERE tenant_id = (SELECT id FROM control.tenants WHERE slug = \(String(tenant)))
                """)
            let counters = try SQLIdentifier("usage_counters")
            try await connection.query(
                """
                INSERT INTO \(identifier: try SQLIdentifier("t_\(tenant)"), counters) (day, metric, shard, quantity)
                VALUES ('2026-04-02', 'events.accepted', 0, 1500)
                """)
            await connection.close()

            let plan = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString).json")
            try #"{"code": "standard", "name": "Standard", "currency": "EUR", "base_fee": "300.00", "included": {"events_accepted": 1000}, "overage": {"events_accepted": [{"unit_price": "0.01"}]}}"#
                .write(to: plan, atomically: true, encoding: .utf8)
            let (putStatus, put) = await runCLI(["billing", "plan", "put", "--seller", "provider", "--file", plan.path], env)
            #expect(putStatus == 0, "\(put.standardError)")
            #expect(put.standardOutput.contains("created"))
            let (assignStatus, assigned) = await runCLI(
                ["billing", "assign", "--tenant", String(tenant), "--plan", "standard", "--from", "2026-01-01"], env)
            #expect(assignStatus == 0, "\(assigned.standardError)")

            let number = "2026-04/provider/partner:northwind"
            let (csvStatus, csv) = await runCLI(
                ["billing", "statement", "--partner", "northwind", "--month", "2026-04", "--format", "csv"], env)
            #expect(csvStatus == 0, "\(csv.standardError)")
            let rows = csv.standardOutput.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(rows.first?.hasPrefix("statement,kind,corrects,month,seller,buyer,currency,tenant_id") == true)
            #expect(rows.count == 5)  // header, base fee, usage, subtotal, total
            #expect(rows.contains { $0.contains(",\"Acme, Inc.\",usage,standard,events_accepted,") && $0.hasSuffix(",1500,1000,500,5.00") })
            #expect(rows.last?.hasPrefix("\(number),statement,,2026-04,provider,partner:northwind,EUR,,,total,") == true)
            #expect(rows.last?.hasSuffix(",305.00") == true)

            let (jsonStatus, json) = await runCLI(
                ["billing", "statement", "--partner", "northwind", "--month", "2026-04", "--format", "json"], env)
            #expect(jsonStatus == 0)
            let object = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
            #expect(object?["number"] as? String == number)
            #expect(object?["total"] as? String == "305.00")
            #expect((object?["tenants"] as? [[String: Any]])?.first?["name"] as? String == "Acme, Inc.")

            let (issueStatus, issued) = await runCLI(
                ["billing", "statement", "--partner", "northwind", "--month", "2026-04", "--issue"], env)
            #expect(issueStatus == 0, "\(issued.standardError)")
            #expect(issued.standardError.contains("issued \(number): 305.00 EUR"))
            let (againStatus, again) = await runCLI(
                ["billing", "statement", "--partner", "northwind", "--month", "2026-04", "--issue"], env)
            #expect(againStatus == 1)
            #expect(again.standardError.contains("already issued"))
            let (showStatus, shown) = await runCLI(["billing", "show", "--statement", number, "--format", "csv"], env)
            #expect(showStatus == 0)
            #expect(shown.standardOutput == csv.standardOutput)

            // No record backs the 1500 events: the recount says so, exits 1, and --fix repairs it.
            let recount = ["usage", "recount", "--tenant", String(tenant), "--from", "2026-04-01", "--to", "2026-04-30"]
            let (diffStatus, differences) = await runCLI(recount, env)
            #expect(diffStatus == 1, "\(differences.standardError)")
            #expect(differences.standardOutput.contains("2026-04-02  events_accepted     1500        0       -1500"))
            #expect(differences.standardOutput.contains("api_calls: not derivable from records"))
            #expect(await runCLI(recount + ["--fix"], env).0 == 0)
            #expect(await runCLI(recount, env).0 == 0)

            let (noteStatus, note) = await runCLI(["billing", "credit-note", "--statement", number], env)
            #expect(noteStatus == 0, "\(note.standardError)")
            let credit = try JSONSerialization.jsonObject(with: Data(note.standardOutput.utf8)) as? [String: Any]
            #expect(credit?["kind"] as? String == "credit_note")
            #expect(credit?["number"] as? String == number + "/C1")
            #expect(credit?["total"] as? String == "-5.00")
            let (verifyStatus, _) = await runCLI(["audit", "verify"], env)
            #expect(verifyStatus == 0)
            try await dropTenantRoles(database, ["t_\(tenant)"])
        }
    }

    @Test(arguments: [
        (["billing"], "give one action"),
        (["billing", "statement", "--partner", "p"], "--month is required"),
        (["billing", "statement", "--partner", "p", "--month", "2026-13"], "--month"),
        (["billing", "assign", "--tenant", "t", "--plan", "x", "--from", "May"], "--from must be a day"),
        (["billing", "plan", "put", "--file", "p.json", "--seller", "partner:"], "--seller"),
        (["billing", "show", "--statement", "n", "--format", "xml"], "--format is json or csv"),
        (["usage", "recount"], "--tenant is required"),
        (["usage", "recount", "--tenant", "acme", "--from", "2026-05-02", "--to", "2026-05-01"], "is after"),
    ])
    func usageErrors(arguments: [String], expected: String) async {
        let (status, output) = await runCLI(arguments, [:])
        #expect(status == 64)
        #expect(output.standardError.contains(expected), "\(output.standardError)")
    }
}
