import Billing
import Finance
import Foundation
import Testing

@Suite("Monthly recurring revenue")
struct RecurringRevenueTests {
    @Test func mrrIsTheFullBaseFeesOfTenantsActiveAtMonthEnd() throws {
        // echo is created an hour before May ends, on pro; foxtrot is deleted at midnight as May ends.
        let book = try Fixture.priceBook(extra: [
            PlanAssignment(tenant: "echo", planCode: "pro", effectiveFrom: try Fixture.day("2026-05-31")),
            PlanAssignment(tenant: "foxtrot", planCode: "basic", effectiveFrom: try Fixture.day("2026-01-01")),
            PlanAssignment(tenant: "golf", planCode: "basic", effectiveFrom: try Fixture.day("2026-05-01")),
        ])
        let tenants =
            try Fixture.tenants() + [
                BilledTenant(
                    id: "echo", name: "Echo", lifecycle: [.init(.created, at: try Fixture.at("2026-05-31T23:00:00Z"))]),
                BilledTenant(
                    id: "foxtrot", name: "Foxtrot",
                    lifecycle: [
                        .init(.created, at: try Fixture.at("2026-01-01T00:00:00Z")),
                        .init(.deleted, at: try Fixture.at("2026-06-01T00:00:00Z")),
                    ]),
                // Active but never assigned to this seller: not its revenue.
                BilledTenant(
                    id: "hotel", name: "Hotel", lifecycle: [.init(.created, at: try Fixture.at("2026-01-01T00:00:00Z"))]
                ),
            ]
        let months = try ["2026-04", "2026-05", "2026-06"].map { try BillingMonth.parse($0) }
        let chart = try book.recurringRevenue(months: months, tenants: tenants)
        #expect(chart.map(\.month) == months)
        // April: alpha 99 + charlie 249 + delta (basic) 99 + foxtrot 99; bravo and echo do not exist yet.
        #expect(chart[0].amount == (try Fixture.eur("546.00")))
        #expect(chart[0].tenantCount == 4)
        // May: alpha 99 + bravo 99 + delta (now pro) 249 + echo 249 (full fee, not 1/31) + foxtrot 99
        // (deleted at the first instant of June, so still active as May ends); charlie is suspended.
        #expect(chart[1].amount == (try Fixture.eur("795.00")))
        #expect(chart[1].tenantCount == 5)
        // June: charlie resumed (249), foxtrot gone: 99 + 99 + 249 + 249 + 249.
        #expect(chart[2].amount == (try Fixture.eur("945.00")))
        #expect(chart[2].tenantCount == 5)
    }

    @Test func usageDoesNotCountTowardsMRR() throws {
        let months = [try Fixture.may()]
        let chart = try Fixture.priceBook().recurringRevenue(months: months, tenants: try Fixture.tenants())
        // The May statement is 919.99 with usage and proration; MRR is only alpha + bravo + delta's fees.
        #expect(chart.first?.amount == (try Fixture.eur("447.00")))
    }
}
