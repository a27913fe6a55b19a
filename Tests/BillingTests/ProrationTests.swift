import Billing
import Finance
import Foundation
import Testing

@Suite("Billable days, month lengths and proration")
struct ProrationTests {
    static func days(_ events: [(LifecycleEvent.Kind, String)], month: String = "2026-05") throws -> [String] {
        let activity = try TenantActivity(try events.map { LifecycleEvent($0.0, at: try Fixture.at($0.1)) })
        return activity.billableDays(in: try BillingMonth.parse(month)).map(\.description)
    }

    @Test func aDayCountsIfTheTenantWasActiveAtAnyMomentOfIt() throws {
        // Created late on the 30th: the 30th and 31st count.
        #expect(try Self.days([(.created, "2026-05-30T23:59:59Z")]) == ["2026-05-30", "2026-05-31"])
        // Suspended at midnight exactly: it was not active during the 3rd at all.
        #expect(
            try Self.days([(.created, "2026-04-20T10:00:00Z"), (.suspended, "2026-05-03T00:00:00Z")])
                == ["2026-05-01", "2026-05-02"])
        // One second into the 3rd is enough for the 3rd to count.
        #expect(
            try Self.days([(.created, "2026-04-20T10:00:00Z"), (.suspended, "2026-05-03T00:00:01Z")])
                == ["2026-05-01", "2026-05-02", "2026-05-03"])
        // Suspended and resumed on the same day: the day counts once, the days between not at all.
        #expect(
            try Self.days([
                (.created, "2026-05-29T08:00:00Z"), (.suspended, "2026-05-29T09:00:00Z"),
                (.resumed, "2026-05-29T17:00:00Z"),
            ]) == ["2026-05-29", "2026-05-30", "2026-05-31"])
        #expect(
            try Self.days([
                (.created, "2026-04-01T00:00:00Z"), (.suspended, "2026-05-02T12:00:00Z"),
                (.resumed, "2026-05-30T12:00:00Z"), (.deleted, "2026-05-31T00:00:00Z"),
            ]) == ["2026-05-01", "2026-05-02", "2026-05-30"])
        // Created and deleted in the same instant: never active.
        #expect(try Self.days([(.created, "2026-05-10T10:00:00Z"), (.deleted, "2026-05-10T10:00:00Z")]).isEmpty)
        // Deleted before the month, created after it.
        #expect(try Self.days([(.created, "2026-01-01T00:00:00Z"), (.deleted, "2026-04-30T23:59:59Z")]).isEmpty)
        #expect(try Self.days([(.created, "2026-06-01T00:00:00Z")]).isEmpty)
    }

    @Test(arguments: [
        ("2024-02", 29), ("2026-02", 28), ("2000-02", 29), ("1900-02", 28), ("2100-02", 28), ("2026-04", 30),
        ("2026-05", 31), ("2026-12", 31),
    ])
    func monthsHaveTheirCalendarLength(month: String, days: Int) throws {
        let parsed = try BillingMonth.parse(month)
        #expect(parsed.dayCount == days)
        #expect(parsed.days.count == days)
        #expect(parsed.description == month)
        #expect(parsed.next.firstDay == parsed.lastDay.adding(days: 1))
    }

    @Test(arguments: ["2026-13", "2026-00", "26-05", "2026/05", "2026-5", "abcd-ef", "0000-01"])
    func malformedMonthsAreRejected(text: String) {
        let error = #expect(throws: BillingError.self) { try BillingMonth.parse(text) }
        #expect(error?.code == "invalid_month")
        #expect(error?.field == "month")
    }

    static func feeBook(_ fee: String, currency: String = "EUR", tenant: String = "t", from: String) throws -> PriceBook
    {
        let money = try Money.parse(fee, currency: try Currency(currency))
        let plan = try Plan(code: "flat", name: "Flat", currency: money.currency, baseFee: money)
        return try PriceBook(
            seller: .provider, name: "fees", currency: money.currency, plans: [plan],
            assignments: [PlanAssignment(tenant: tenant, planCode: "flat", effectiveFrom: try Fixture.day(from))])
    }

    static func baseFee(_ book: PriceBook, created: String, month: String) throws -> (String, String) {
        let tenant = BilledTenant(
            id: "t", name: "T", lifecycle: [LifecycleEvent(.created, at: try Fixture.at(created))])
        let statement = try book.statement(
            for: .partner("p"), month: try BillingMonth.parse(month), tenants: [tenant], usage: [])
        let line = try #require(statement.lines.first)
        return (line.proration.description, line.amount.amountText)
    }

    @Test func leapYearFebruaryHasTwentyNineDays() throws {
        let book = try Self.feeBook("29.00", from: "2024-01-01")
        // Created on the leap day: 1 of 29 days, 29.00 × 1/29 = 1.00.
        #expect(try Self.baseFee(book, created: "2024-02-29T12:00:00Z", month: "2024-02") == ("1/29", "1.00"))
        // Created on the 15th: 15 of 29 days, 29.00 × 15/29 = 15.00.
        #expect(try Self.baseFee(book, created: "2024-02-15T00:00:00Z", month: "2024-02") == ("15/29", "15.00"))
        // The same date in a common year: 14 of 28 days, 29.00 × 14/28 = 14.50.
        let common = try Self.feeBook("29.00", from: "2026-01-01")
        #expect(try Self.baseFee(common, created: "2026-02-15T00:00:00Z", month: "2026-02") == ("14/28", "14.50"))
    }

    @Test func thirtyAndThirtyOneDayMonthsProrateDifferently() throws {
        let book = try Self.feeBook("99.00", from: "2026-01-01")
        // April: created on the 16th, 15 of 30 days: 99.00 / 2 = 49.50.
        #expect(try Self.baseFee(book, created: "2026-04-16T08:00:00Z", month: "2026-04") == ("15/30", "49.50"))
        // May: created on the 16th, 16 of 31 days: 9,900 × 16 / 31 = 5,109.68 → 51.10.
        #expect(try Self.baseFee(book, created: "2026-05-16T08:00:00Z", month: "2026-05") == ("16/31", "51.10"))
        // A full month is the full fee whatever its length.
        #expect(try Self.baseFee(book, created: "2026-01-01T00:00:00Z", month: "2026-04") == ("30/30", "99.00"))
        #expect(try Self.baseFee(book, created: "2026-01-01T00:00:00Z", month: "2026-05") == ("31/31", "99.00"))
    }

    @Test(arguments: [
        // Fee in minor units, billable days, days, expected minor units: ties go to the even cent.
        (Int64(1), 15, 30, Int64(0)),  // 0.5 → 0
        (3, 15, 30, 2),  // 1.5 → 2
        (5, 15, 30, 2),  // 2.5 → 2
        (7, 15, 30, 4),  // 3.5 → 4
        (10, 1, 4, 2),  // 2.5 → 2
        (10, 3, 4, 8),  // 7.5 → 8
        (100, 1, 3, 33),  // 33.33 → 33
        (100, 2, 3, 67),  // 66.67 → 67
    ])
    func proratedFeesRoundHalfEven(fee: Int64, billable: Int, days: Int, expected: Int64) throws {
        let currency = try Currency("EUR")
        let prorated = try Proration(billableDays: billable, daysInMonth: days)
            .prorate(Money(minorUnits: fee, currency: currency))
        #expect(prorated.minorUnits == expected)
    }

    @Test func includedQuantitiesRoundDown() throws {
        #expect(try Proration(billableDays: 2, daysInMonth: 3).prorate(included: 100) == 66)  // 66.67
        #expect(try Proration(billableDays: 1, daysInMonth: 3).prorate(included: 2) == 0)  // 0.67
        #expect(try Proration(billableDays: 31, daysInMonth: 31).prorate(included: 10_000) == 10_000)
        let overflow = #expect(throws: BillingError.self) {
            try Proration(billableDays: 31, daysInMonth: 31).prorate(included: .max)
        }
        #expect(overflow?.code == "amount_overflow")
    }

    @Test(arguments: [
        ([LifecycleEvent.Kind.suspended], "tenants[0].lifecycle[0]", "first lifecycle event"),
        ([.created, .resumed], "tenants[0].lifecycle[1]", "only a suspended"),
        ([.created, .suspended, .suspended], "tenants[0].lifecycle[2]", "already suspended"),
        ([.created, .deleted, .resumed], "tenants[0].lifecycle[2]", "after its deletion"),
        ([.created, .created], "tenants[0].lifecycle[1]", "created only once"),
    ])
    func impossibleLifecyclesAreRejectedWithTheirPath(kinds: [LifecycleEvent.Kind], field: String, message: String)
        throws
    {
        let start = try Fixture.at("2026-05-01T00:00:00Z")
        let events = kinds.enumerated().map { LifecycleEvent($1, at: start.addingTimeInterval(Double($0) * 3_600)) }
        let error = #expect(throws: BillingError.self) {
            try Fixture.priceBook().statement(
                for: Fixture.buyer, month: try Fixture.may(),
                tenants: [BilledTenant(id: "alpha", name: "A", lifecycle: events)], usage: [])
        }
        #expect(error?.code == "invalid_lifecycle")
        #expect(error?.field == field)
        #expect(error?.message.contains(message) == true)
    }

    @Test func lifecycleEventsMustBeInTimeOrder() throws {
        let error = #expect(throws: BillingError.self) {
            try TenantActivity([
                LifecycleEvent(.created, at: try Fixture.at("2026-05-10T00:00:00Z")),
                LifecycleEvent(.suspended, at: try Fixture.at("2026-05-09T00:00:00Z")),
            ])
        }
        #expect(error?.field == "lifecycle[1]")
    }
}
