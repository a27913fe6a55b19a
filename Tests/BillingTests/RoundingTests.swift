import Billing
import Finance
import Foundation
import Testing

@Suite("Usage lines round once, half-even")
struct RoundingTests {
    /// The amount of a usage line for `count` units at `price` each, nothing included.
    static func usageAmount(count: Int64, price: String, currency: String = "EUR", tiers: [(Int64?, String)]? = nil)
        throws -> String
    {
        let money = try Currency(currency)
        let plan = try Plan(
            code: "metered", name: "Metered", currency: money, baseFee: .zero(money),
            overage: [.apiCalls: try Fixture.tiers(tiers ?? [(nil, price)])])
        let book = try PriceBook(
            seller: .provider, name: "book", currency: money, plans: [plan],
            assignments: [
                PlanAssignment(tenant: "t", planCode: "metered", effectiveFrom: try Fixture.day("2026-01-01"))
            ])
        let tenant = BilledTenant(
            id: "t", name: "T", lifecycle: [.init(.created, at: try Fixture.at("2026-01-01T00:00:00Z"))])
        let statement = try book.statement(
            for: .partner("p"), month: try Fixture.may(), tenants: [tenant],
            usage: [try Fixture.usage("t", "2026-05-07", .apiCalls, count)])
        let line = try #require(statement.lines.first { $0.kind == .usage })
        return line.amount.amountText
    }

    @Test(arguments: [
        // Exact amount at half a cent: ties go to the even cent.
        (Int64(1), "0.005", "0.00"),  // 0.005 → 0.00
        (3, "0.005", "0.02"),  // 0.015 → 0.02
        (5, "0.005", "0.02"),  // 0.025 → 0.02
        (7, "0.005", "0.04"),  // 0.035 → 0.04
        (1, "0.0050001", "0.01"),  // just over half → up
        (1, "0.0049999", "0.00"),  // just under half → down
        (3, "0.333333333333", "1.00"),  // 0.999999999999 → 1.00
    ])
    func halfAMinorUnitGoesToTheEvenNeighbour(count: Int64, price: String, expected: String) throws {
        #expect(try Self.usageAmount(count: count, price: price) == expected)
    }

    @Test func currenciesWithoutMinorUnitsRoundToWholeUnits() throws {
        #expect(try Self.usageAmount(count: 1, price: "0.5", currency: "JPY") == "0")  // 0.5 → 0
        #expect(try Self.usageAmount(count: 3, price: "0.5", currency: "JPY") == "2")  // 1.5 → 2
        #expect(try Self.usageAmount(count: 1, price: "0.0005", currency: "KWD") == "0.000")  // 0.0005 → 0.000
        #expect(try Self.usageAmount(count: 3, price: "0.0005", currency: "KWD") == "0.002")  // 0.0015 → 0.002
    }

    @Test func tiersAreSummedExactlyBeforeTheOneRounding() throws {
        // Two tiers of 0.005 each: rounding each (0.00 + 0.00) would give 0.00; the line's 0.010 is 0.01.
        #expect(try Self.usageAmount(count: 2, price: "", tiers: [(1, "0.005"), (nil, "0.005")]) == "0.01")
    }
}
