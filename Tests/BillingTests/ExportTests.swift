import Billing
import Finance
import Foundation
import Testing

@Suite("JSON and CSV exports")
struct ExportTests {
    /// Partner Northwind bills its client Acme for April 2026 (30 days); Acme started on the 16th.
    static func acmeStatement(name: String = #"Acme "West", Ltd"#) throws -> Statement {
        let plan = try Plan(
            code: "client", name: "Client", currency: try Currency("EUR"), baseFee: try Fixture.eur("150.00"),
            included: [.eventsAccepted: 100_000],
            overage: [.eventsAccepted: try Fixture.tiers([(50_000, "0.003"), (nil, "0.002")])])
        let book = try PriceBook(
            seller: .partner("northwind"), name: "Northwind resale", currency: try Currency("EUR"), plans: [plan],
            assignments: [
                PlanAssignment(tenant: "acme", planCode: "client", effectiveFrom: try Fixture.day("2026-04-16"))
            ])
        let tenant = BilledTenant(
            id: "acme", name: name, lifecycle: [.init(.created, at: try Fixture.at("2026-04-16T10:00:00Z"))])
        return try book.statement(
            for: .tenant("acme"), month: try BillingMonth.parse("2026-04"), tenants: [tenant],
            usage: [
                try Fixture.usage("acme", "2026-04-16", .eventsAccepted, 100_000),
                try Fixture.usage("acme", "2026-04-30", .eventsAccepted, 30_001),
            ])
    }

    // 150.00 × 15/30 = 75.00. Included ⌊100,000 × 15/30⌋ = 50,000; 130,001 − 50,000 = 80,001 over:
    // 50,000 × 0.003 = 150 + 30,001 × 0.002 = 60.002 → 210.002 → 210.00. Total 285.00.
    static let golden = #"""
        {
          "number": "2026-04/partner:northwind/tenant:acme",
          "kind": "statement",
          "corrects": null,
          "seller": {
            "role": "partner",
            "id": "northwind"
          },
          "buyer": {
            "role": "tenant",
            "id": "acme"
          },
          "month": "2026-04",
          "currency": "EUR",
          "tenants": [
            {
              "id": "acme",
              "name": "Acme \"West\", Ltd",
              "lines": [
                {
                  "kind": "base_fee",
                  "plan": "client",
                  "meter": null,
                  "description": "Client base fee, 2026-04-16 to 2026-04-30 (15/30 days)",
                  "from": "2026-04-16",
                  "to": "2026-04-30",
                  "billable_days": 15,
                  "days_in_month": 30,
                  "quantity": null,
                  "included": null,
                  "billable_quantity": null,
                  "tiers": [],
                  "amount": "75.00"
                },
                {
                  "kind": "usage",
                  "plan": "client",
                  "meter": "events_accepted",
                  "description": "Client events accepted, 2026-04-16 to 2026-04-30",
                  "from": "2026-04-16",
                  "to": "2026-04-30",
                  "billable_days": 15,
                  "days_in_month": 30,
                  "quantity": 130001,
                  "included": 50000,
                  "billable_quantity": 80001,
                  "tiers": [
                    {
                      "from": 0,
                      "up_to": 50000,
                      "quantity": 50000,
                      "unit_price": "0.003",
                      "amount": "150"
                    },
                    {
                      "from": 50000,
                      "up_to": null,
                      "quantity": 30001,
                      "unit_price": "0.002",
                      "amount": "60.002"
                    }
                  ],
                  "amount": "210.00"
                }
              ],
              "subtotal": "285.00"
            }
          ],
          "total": "285.00"
        }

        """#

    @Test func jsonExportMatchesTheGolden() throws {
        let statement = try Self.acmeStatement()
        #expect(statement.jsonText == Self.golden)
        // The canonical form is the same document on one line.
        let canonical = try JSONSerialization.jsonObject(with: Data(statement.canonicalText.utf8)) as? NSDictionary
        let pretty = try JSONSerialization.jsonObject(with: Data(Self.golden.utf8)) as? NSDictionary
        #expect(canonical == pretty)
        #expect(
            statement.canonicalText.hasPrefix(#"{"number":"2026-04/partner:northwind/tenant:acme","kind":"statement","#)
        )
    }

    @Test func storedStatementsReadBackAndTamperingIsCaught() throws {
        let statement = try Fixture.mayStatement()
        #expect(try Statement.decode(json: Data(statement.jsonText.utf8)) == statement)
        #expect(try Statement.decode(json: Data(statement.canonicalText.utf8)).canonicalText == statement.canonicalText)
        let note = try #require(
            try StatementCorrection.between(
                issued: statement, recomputed: try Fixture.mayStatement(usage: try CreditNoteTests.correctedUsage())
            ).creditNote)
        #expect(try Statement.decode(json: Data(note.jsonText.utf8)) == note)

        let inflated = statement.jsonText.replacingOccurrences(of: #""amount": "170.00""#, with: #""amount": "171.00""#)
        let lineEdited = #expect(throws: BillingError.self) { try Statement.decode(json: Data(inflated.utf8)) }
        #expect(lineEdited?.code == "invalid_statement")
        #expect(lineEdited?.field == "tenants[0].subtotal")
        let renumbered = statement.jsonText.replacingOccurrences(of: "partner:northwind\"", with: "partner:other\"")
        let numberEdited = #expect(throws: BillingError.self) { try Statement.decode(json: Data(renumbered.utf8)) }
        #expect(numberEdited?.field == "number")
    }

    @Test func csvQuotesPerRFC4180AndGuardsAgainstFormulas() throws {
        let statement = try Self.acmeStatement(name: "=HYPERLINK(\"http://x\",\"pay\"), Inc.\nBranch")
        let rows = statement.csvText.components(separatedBy: "\r\n")
        #expect(rows.first == Statement.csvHeader.joined(separator: ","))
        #expect(rows.last == "")  // every row, the last included, ends in CRLF
        #expect(rows.count == 1 + 2 + 1 + 1 + 1)  // header, 2 lines, subtotal, total, trailing empty
        let prefix =
            #"2026-04/partner:northwind/tenant:acme,statement,,2026-04,partner:northwind,tenant:acme,EUR,acme,"#
            + #""'=HYPERLINK(""http://x"",""pay""), Inc."# + "\n" + #"Branch","#
        #expect(
            rows[1] == prefix
                + "base_fee,client,,\"Client base fee, 2026-04-16 to 2026-04-30 (15/30 days)\",2026-04-16,2026-04-30,15,30,,,,75.00"
        )
        #expect(
            rows[2] == prefix
                + "usage,client,events_accepted,\"Client events accepted, 2026-04-16 to 2026-04-30\",2026-04-16,2026-04-30,15,30,130001,50000,80001,210.00"
        )
        #expect(rows[3] == prefix + "subtotal,,,,,,,,,,,285.00")
        #expect(rows[4].hasSuffix(",,,total,,,,,,,,,,,285.00"))
    }

    @Test(arguments: [
        ("plain", "plain"), ("=1+2", "'=1+2"), ("+49 30 1234", "'+49 30 1234"), ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"), ("-4.50", "-4.50"), ("12", "12"), ("-", "'-"), ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""), ("two\nlines", "\"two\nlines\""), ("crlf\r\nrow", "\"crlf\r\nrow\""),
        ("=a,b", "\"'=a,b\""), ("", ""),
    ])
    func csvFieldsAreEscaped(raw: String, escaped: String) {
        #expect(CSVField.escape(raw) == escaped)
    }

    @Test func creditNoteAmountsStayNumbersInCSV() throws {
        let note = try #require(
            try StatementCorrection.between(
                issued: try Fixture.mayStatement(),
                recomputed: try Fixture.mayStatement(usage: try CreditNoteTests.correctedUsage())
            ).creditNote)
        let rows = note.csvText.components(separatedBy: "\r\n")
        #expect(rows[1].hasSuffix(",-3000,0,-3000,-4.50"))
        #expect(
            rows[1].hasPrefix("2026-05/provider/partner:northwind/C1,credit_note,2026-05/provider/partner:northwind,"))
    }

    @Test func jsonStringsEscapeControlCharacters() throws {
        let statement = try Self.acmeStatement(name: "Tab\there\u{1}\\")
        #expect(statement.jsonText.contains(#""name": "Tab\there\u0001\\""#))
        #expect(try Statement.decode(json: Data(statement.jsonText.utf8)).tenants[0].tenantName == "Tab\there\u{1}\\")
    }
}
