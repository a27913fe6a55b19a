import Billing
import Finance
import Foundation
import Testing

/// May 2026 (31 days) at partner Northwind, billed by the provider in EUR.
///
/// Plans:
/// - `basic`: 99.00 a month; events 10,000 included, then 10,000 at 0.002,
///   the next 90,000 at 0.0015, beyond at 0.001; runs started 1,000 included,
///   then 1,000 at 0.01, beyond at 0.005; active users 5 included, then 4.50 each.
/// - `pro`: 249.00 a month; events 50,000 included, then 50,000 at 0.0012,
///   beyond at 0.0008; runs started 5,000 included, then 0.004; active users
///   20 included, then 3.00 each.
///
/// Tenants:
/// - alpha: created in January, active all month, basic.
/// - bravo: created 2026-05-10 09:30 UTC, basic from that day.
/// - charlie: pro, suspended 2026-05-20 14:00 UTC (resumed 2026-06-03).
/// - delta: basic, changes to pro from 2026-05-16.
enum Fixture {
    static func day(_ text: String) throws -> UTCDay { try #require(UTCDay.parse(text), "\(text)") }

    static func at(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text), "\(text)")
    }

    static func eur(_ text: String) throws -> Money { try Money.parse(text, currency: try Currency("EUR")) }

    static func tiers(_ bands: [(Int64?, String)]) throws -> OverageTiers {
        try OverageTiers(bands.map { PriceTier(upTo: $0.0, unitPrice: try #require(DecimalText.parse($0.1))) })
    }

    static func basic() throws -> Plan {
        try Plan(
            code: "basic", name: "Basic", currency: try Currency("EUR"), baseFee: try eur("99.00"),
            included: [.eventsAccepted: 10_000, .runsStarted: 1_000, .activeUsers: 5],
            overage: [
                .eventsAccepted: try tiers([(10_000, "0.002"), (100_000, "0.0015"), (nil, "0.001")]),
                .runsStarted: try tiers([(1_000, "0.01"), (nil, "0.005")]),
                .activeUsers: try tiers([(nil, "4.50")]),
            ])
    }

    static func pro() throws -> Plan {
        try Plan(
            code: "pro", name: "Pro", currency: try Currency("EUR"), baseFee: try eur("249.00"),
            included: [.eventsAccepted: 50_000, .runsStarted: 5_000, .activeUsers: 20],
            overage: [
                .eventsAccepted: try tiers([(50_000, "0.0012"), (nil, "0.0008")]),
                .runsStarted: try tiers([(nil, "0.004")]),
                .activeUsers: try tiers([(nil, "3.00")]),
            ])
    }

    static let buyer = BillingParty.partner("northwind")

    static func priceBook(extra: [PlanAssignment] = []) throws -> PriceBook {
        try PriceBook(
            seller: .provider, name: "Provider list prices 2026", currency: try Currency("EUR"),
            plans: [try basic(), try pro()],
            assignments: [
                PlanAssignment(tenant: "alpha", planCode: "basic", effectiveFrom: try day("2026-01-15")),
                PlanAssignment(tenant: "bravo", planCode: "basic", effectiveFrom: try day("2026-05-10")),
                PlanAssignment(tenant: "charlie", planCode: "pro", effectiveFrom: try day("2025-11-01")),
                PlanAssignment(tenant: "delta", planCode: "basic", effectiveFrom: try day("2025-06-01")),
                PlanAssignment(tenant: "delta", planCode: "pro", effectiveFrom: try day("2026-05-16")),
            ] + extra)
    }

    static func tenants() throws -> [BilledTenant] {
        [
            BilledTenant(
                id: "alpha", name: "Alpha Foods GmbH", lifecycle: [.init(.created, at: try at("2026-01-15T08:00:00Z"))]),
            BilledTenant(
                id: "bravo", name: "Bravo Logistics", lifecycle: [.init(.created, at: try at("2026-05-10T09:30:00Z"))]),
            BilledTenant(
                id: "charlie", name: "Charlie Retail",
                lifecycle: [
                    .init(.created, at: try at("2025-11-01T00:00:00Z")),
                    .init(.suspended, at: try at("2026-05-20T14:00:00Z")),
                    .init(.resumed, at: try at("2026-06-03T10:00:00Z")),
                ]),
            BilledTenant(
                id: "delta", name: "Delta Wholesale", lifecycle: [.init(.created, at: try at("2025-06-01T00:00:00Z"))]),
        ]
    }

    static func usage(_ tenant: String, _ day: String, _ meter: Meter, _ count: Int64) throws -> DailyUsage {
        DailyUsage(tenant: tenant, day: try Self.day(day), meter: meter, count: count)
    }

    static func mayUsage() throws -> [DailyUsage] {
        var rows: [DailyUsage] = []
        // alpha: 10 days of 12,500 events and 3 on the 11th = 125,003.
        for dayNumber in 1...10 {
            rows.append(try usage("alpha", String(format: "2026-05-%02d", dayNumber), .eventsAccepted, 12_500))
        }
        rows += [
            try usage("alpha", "2026-05-11", .eventsAccepted, 3),
            try usage("alpha", "2026-05-05", .runsStarted, 900),
            try usage("alpha", "2026-05-01", .activeUsers, 3), try usage("alpha", "2026-05-02", .activeUsers, 7),
            try usage("alpha", "2026-05-03", .activeUsers, 6),
            try usage("bravo", "2026-05-10", .eventsAccepted, 10_000),
            try usage("bravo", "2026-05-20", .eventsAccepted, 20_000),
            try usage("bravo", "2026-05-15", .runsStarted, 1_500), try usage("bravo", "2026-05-12", .activeUsers, 3),
            try usage("charlie", "2026-05-01", .eventsAccepted, 30_000),
            try usage("charlie", "2026-05-20", .eventsAccepted, 30_000),
            try usage("charlie", "2026-05-02", .runsStarted, 3_000),
            try usage("delta", "2026-05-15", .eventsAccepted, 20_000),
            try usage("delta", "2026-05-16", .eventsAccepted, 140_000),
            try usage("delta", "2026-05-01", .activeUsers, 4), try usage("delta", "2026-05-15", .activeUsers, 2),
            try usage("delta", "2026-05-16", .activeUsers, 25), try usage("delta", "2026-05-31", .activeUsers, 10),
            // Outside May, and a tenant not on this statement: both ignored.
            try usage("alpha", "2026-04-30", .eventsAccepted, 999_999),
            try usage("zulu", "2026-05-04", .eventsAccepted, 999_999),
        ]
        return rows
    }

    static func may() throws -> BillingMonth { try BillingMonth.parse("2026-05") }

    static func mayStatement(usage: [DailyUsage]? = nil) throws -> Statement {
        try priceBook().statement(for: buyer, month: try may(), tenants: try tenants(), usage: try usage ?? mayUsage())
    }
}

/// A line reduced to what a person checks on paper.
struct LineSummary: Equatable, CustomStringConvertible {
    var plan: String
    var meter: Meter?
    var days: String
    var quantity: Int64?
    var included: Int64?
    var billable: Int64?
    var amount: String

    init(
        _ plan: String, _ meter: Meter?, _ days: String, _ quantity: Int64? = nil, _ included: Int64? = nil,
        _ billable: Int64? = nil, amount: String
    ) {
        self.plan = plan
        self.meter = meter
        self.days = days
        self.quantity = quantity
        self.included = included
        self.billable = billable
        self.amount = amount
    }

    init(_ line: StatementLine) {
        self.init(
            line.planCode, line.meter, line.proration.description, line.usage?.quantity, line.usage?.included,
            line.usage?.billableQuantity, amount: line.amount.amountText)
    }

    var description: String {
        "\(plan) \(meter?.rawValue ?? "base") \(days) q=\(quantity.map(String.init) ?? "-") "
            + "inc=\(included.map(String.init) ?? "-") bill=\(billable.map(String.init) ?? "-") \(amount)"
    }
}
