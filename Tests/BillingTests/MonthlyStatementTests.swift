import Billing
import Finance
import Foundation
import Testing

@Suite("A month's statement, computed by hand")
struct MonthlyStatementTests {
    @Test func mayStatementMatchesTheHandComputation() throws {
        let statement = try Fixture.mayStatement()
        #expect(statement.number == "2026-05/provider/partner:northwind")
        #expect(statement.kind == .statement)
        #expect(statement.currency.code == "EUR")
        #expect(statement.tenants.map(\.tenantID) == ["alpha", "bravo", "charlie", "delta"])
        let lines = statement.tenants.map { $0.lines.map(LineSummary.init) }

        // (a) alpha: active all 31 days on basic.
        #expect(
            lines[0] == [
                // 99.00 × 31/31.
                LineSummary("basic", nil, "31/31", amount: "99.00"),
                // 125,003 − 10,000 = 115,003 over: 10,000 × 0.002 = 20 + 90,000 × 0.0015 = 135
                // + 15,003 × 0.001 = 15.003 → 170.003 → 170.00.
                LineSummary("basic", .eventsAccepted, "31/31", 125_003, 10_000, 115_003, amount: "170.00"),
                // 900 runs, within the 1,000 included.
                LineSummary("basic", .runsStarted, "31/31", 900, 1_000, 0, amount: "0.00"),
                // Busiest day 7 users (3, 7, 6), 5 included: 2 × 4.50.
                LineSummary("basic", .activeUsers, "31/31", 7, 5, 2, amount: "9.00"),
            ])
        // 99.00 + 170.00 + 0.00 + 9.00.
        #expect(statement.tenants[0].subtotal == (try Fixture.eur("278.00")))

        // (b) bravo: created 2026-05-10 09:30, so the 10th counts: 10th–31st = 22 days.
        #expect(
            lines[1] == [
                // 9,900 cents × 22 / 31 = 7,025.81 → 7,026 cents.
                LineSummary("basic", nil, "22/31", amount: "70.26"),
                // Included ⌊10,000 × 22/31⌋ = ⌊7,096.77⌋ = 7,096; 30,000 − 7,096 = 22,904 over:
                // 10,000 × 0.002 = 20 + 12,904 × 0.0015 = 19.356 → 39.356 → 39.36.
                LineSummary("basic", .eventsAccepted, "22/31", 30_000, 7_096, 22_904, amount: "39.36"),
                // Included ⌊1,000 × 22/31⌋ = ⌊709.68⌋ = 709; 1,500 − 709 = 791 × 0.01 = 7.91.
                LineSummary("basic", .runsStarted, "22/31", 1_500, 709, 791, amount: "7.91"),
                // Users are a level: the 5 included are not prorated; 3 users → nothing over.
                LineSummary("basic", .activeUsers, "22/31", 3, 5, 0, amount: "0.00"),
            ])
        // 70.26 + 39.36 + 7.91 + 0.00.
        #expect(statement.tenants[1].subtotal == (try Fixture.eur("117.53")))

        // (c) charlie: suspended 2026-05-20 14:00, so the 20th counts: 1st–20th = 20 days.
        #expect(
            lines[2] == [
                // 24,900 × 20 / 31 = 16,064.52 → 16,065 cents.
                LineSummary("pro", nil, "20/31", amount: "160.65"),
                // Included ⌊50,000 × 20/31⌋ = ⌊32,258.06⌋ = 32,258; 60,000 − 32,258 = 27,742 × 0.0012
                // = 33.2904 → 33.29.
                LineSummary("pro", .eventsAccepted, "20/31", 60_000, 32_258, 27_742, amount: "33.29"),
                // Included ⌊5,000 × 20/31⌋ = 3,225; 3,000 used.
                LineSummary("pro", .runsStarted, "20/31", 3_000, 3_225, 0, amount: "0.00"),
            ])
        // 160.65 + 33.29 + 0.00.
        #expect(statement.tenants[2].subtotal == (try Fixture.eur("193.94")))

        // (d) delta: basic 1st–15th (15 days), pro 16th–31st (16 days); each plan prices its own days' usage.
        #expect(
            lines[3] == [
                // 9,900 × 15 / 31 = 4,790.32 → 4,790 cents.
                LineSummary("basic", nil, "15/31", amount: "47.90"),
                // Included ⌊10,000 × 15/31⌋ = ⌊4,838.71⌋ = 4,838; 20,000 − 4,838 = 15,162 over:
                // 20 + 5,162 × 0.0015 = 7.743 → 27.743 → 27.74.
                LineSummary("basic", .eventsAccepted, "15/31", 20_000, 4_838, 15_162, amount: "27.74"),
                // Busiest basic day: 4 users (4 on the 1st, 2 on the 15th), 5 included.
                LineSummary("basic", .activeUsers, "15/31", 4, 5, 0, amount: "0.00"),
                // 24,900 × 16 / 31 = 12,851.61 → 12,852 cents.
                LineSummary("pro", nil, "16/31", amount: "128.52"),
                // Included ⌊50,000 × 16/31⌋ = ⌊25,806.45⌋ = 25,806; 140,000 − 25,806 = 114,194 over:
                // 50,000 × 0.0012 = 60 + 64,194 × 0.0008 = 51.3552 → 111.3552 → 111.36.
                LineSummary("pro", .eventsAccepted, "16/31", 140_000, 25_806, 114_194, amount: "111.36"),
                // Busiest pro day: 25 users (25 on the 16th, 10 on the 31st), 20 included: 5 × 3.00.
                LineSummary("pro", .activeUsers, "16/31", 25, 20, 5, amount: "15.00"),
            ])
        // 47.90 + 27.74 + 0.00 + 128.52 + 111.36 + 15.00.
        #expect(statement.tenants[3].subtotal == (try Fixture.eur("330.52")))

        // 278.00 + 117.53 + 193.94 + 330.52.
        #expect(statement.total == (try Fixture.eur("919.99")))
    }

    @Test func tierBreakdownKeepsExactUnroundedAmounts() throws {
        let statement = try Fixture.mayStatement()
        let events = try #require(statement.tenants[0].lines.first { $0.meter == .eventsAccepted })
        let tiers = try #require(events.usage?.tiers)
        #expect(tiers.map(\.from) == [0, 10_000, 100_000])
        #expect(tiers.map(\.upTo) == [10_000, 100_000, nil])
        #expect(tiers.map(\.quantity) == [10_000, 90_000, 15_003])
        #expect(tiers.map { DecimalText.text($0.amount) } == ["20", "135", "15.003"])
        #expect(events.description == "Basic events accepted, 2026-05-01 to 2026-05-31")
        let fee = try #require(statement.tenants[1].lines.first)
        #expect(fee.description == "Basic base fee, 2026-05-10 to 2026-05-31 (22/31 days)")
    }

    @Test func totalsAreTheExactSumOfTheLines() throws {
        let statement = try Fixture.mayStatement()
        var total: Int64 = 0
        for section in statement.tenants {
            let sum = section.lines.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
            #expect(section.subtotal.minorUnits == sum)
            total += sum
        }
        #expect(statement.total.minorUnits == total)
    }

    @Test func recomputingGivesTheSameStatementNumberAndCanonicalText() throws {
        let first = try Fixture.mayStatement()
        let second = try Fixture.priceBook().statement(
            for: Fixture.buyer, month: try Fixture.may(), tenants: try Fixture.tenants().reversed(),
            usage: try Fixture.mayUsage().reversed())
        #expect(first == second)
        #expect(first.canonicalText == second.canonicalText)
        #expect(!first.canonicalText.contains("\n"))
    }

    @Test func aTenantBillableWithoutAPlanIsAnErrorNotFree() throws {
        // bravo exists from the 10th but its first assignment would start on the 12th.
        let book = try PriceBook(
            seller: .provider, name: "book", currency: try Currency("EUR"), plans: [try Fixture.basic()],
            assignments: [
                PlanAssignment(tenant: "bravo", planCode: "basic", effectiveFrom: try Fixture.day("2026-05-12"))
            ])
        let tenants = try Fixture.tenants().filter { $0.id == "bravo" }
        let error = #expect(throws: BillingError.self) {
            try book.statement(for: Fixture.buyer, month: try Fixture.may(), tenants: tenants, usage: [])
        }
        #expect(error?.code == "unassigned_tenant")
        #expect(error?.field == "tenants[0]")
        #expect(error?.message.contains("2026-05-10") == true)
    }

    @Test func partiesMustFit() throws {
        let partnerBook = try PriceBook(
            seller: .partner("northwind"), name: "Northwind resale", currency: try Currency("EUR"),
            plans: [try Fixture.basic()], assignments: [])
        let toPartner = #expect(throws: BillingError.self) {
            try partnerBook.statement(for: .partner("other"), month: try Fixture.may(), tenants: [], usage: [])
        }
        #expect(toPartner?.code == "invalid_party")
        let wrongTenant = #expect(throws: BillingError.self) {
            try partnerBook.statement(
                for: .tenant("alpha"), month: try Fixture.may(), tenants: try Fixture.tenants(), usage: [])
        }
        #expect(wrongTenant?.field == "tenants[1]")
    }

    @Test func aPartnerRebillsItsClientFromTheSameMetersAtItsOwnPrices() throws {
        let resale = try Plan(
            code: "client", name: "Client", currency: try Currency("EUR"), baseFee: try Fixture.eur("150.00"),
            included: [.eventsAccepted: 100_000], overage: [.eventsAccepted: try Fixture.tiers([(nil, "0.003")])])
        let book = try PriceBook(
            seller: .partner("northwind"), name: "Northwind resale", currency: try Currency("EUR"), plans: [resale],
            assignments: [
                PlanAssignment(tenant: "alpha", planCode: "client", effectiveFrom: try Fixture.day("2026-01-01"))
            ])
        let statement = try book.statement(
            for: .tenant("alpha"), month: try Fixture.may(), tenants: try Fixture.tenants().filter { $0.id == "alpha" },
            usage: try Fixture.mayUsage())
        #expect(statement.number == "2026-05/partner:northwind/tenant:alpha")
        // 150.00 + (125,003 − 100,000) × 0.003 = 75.009 → 75.01; runs and users are not priced by this plan.
        #expect(
            statement.lines.map(LineSummary.init) == [
                LineSummary("client", nil, "31/31", amount: "150.00"),
                LineSummary("client", .eventsAccepted, "31/31", 125_003, 100_000, 25_003, amount: "75.01"),
            ])
        #expect(statement.total == (try Fixture.eur("225.01")))
    }
}
