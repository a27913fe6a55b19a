import Billing
import Finance
import Foundation
import Testing

@Suite("Daily usage to monthly quantities")
struct UsageTests {
    @Test func activeUsersAreTheBusiestDayNotTheSum() throws {
        let statement = try Fixture.mayStatement()
        let users = try #require(statement.tenants[0].lines.first { $0.meter == .activeUsers })
        // Days 3, 7 and 6: the month's figure is 7 (a sum would bill 16 users).
        #expect(users.usage?.quantity == 7)
        let events = try #require(statement.tenants[0].lines.first { $0.meter == .eventsAccepted })
        // 10 × 12,500 + 3, while the 999,999 on 2026-04-30 is another month's.
        #expect(events.usage?.quantity == 125_003)
    }

    @Test func activeUsersIncludedAreNotProratedButEventsAre() throws {
        let statement = try Fixture.mayStatement()
        let bravo = statement.tenants[1].lines
        #expect(bravo.first { $0.meter == .activeUsers }?.usage?.included == 5)
        #expect(bravo.first { $0.meter == .eventsAccepted }?.usage?.included == 7_096)
        #expect(Meter.activeUsers.aggregation == .maximum)
        #expect(Meter.allCases.filter { $0.aggregation == .maximum } == [.activeUsers])
    }

    @Test func meterRawValuesAreStable() {
        #expect(
            Meter.allCases.map(\.rawValue) == [
                "events_accepted", "runs_started", "runs_completed", "human_decisions", "api_calls", "active_users",
                "outbound_deliveries",
            ])
    }

    @Test func negativeAndRepeatedCountsAreRejectedWithTheirIndex() throws {
        var usage = try Fixture.mayUsage()
        usage[3].count = -1
        let negative = #expect(throws: BillingError.self) { try Fixture.mayStatement(usage: usage) }
        #expect(negative?.code == "invalid_usage")
        #expect(negative?.field == "usage[3].count")

        let repeated = try Fixture.mayUsage() + [try Fixture.usage("bravo", "2026-05-20", .eventsAccepted, 1)]
        let duplicate = #expect(throws: BillingError.self) { try Fixture.mayStatement(usage: repeated) }
        #expect(duplicate?.code == "invalid_usage")
        // The index among the month's rows: the April row before it is not counted.
        #expect(duplicate?.field == "usage[\(repeated.count - 2)]")
    }

    @Test func sumsThatOverflowAreErrorsNotWraps() throws {
        let usage = [
            try Fixture.usage("alpha", "2026-05-01", .eventsAccepted, .max),
            try Fixture.usage("alpha", "2026-05-02", .eventsAccepted, 1),
        ]
        let error = #expect(throws: BillingError.self) { try Fixture.mayStatement(usage: usage) }
        #expect(error?.code == "amount_overflow")
    }
}
