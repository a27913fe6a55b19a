import Billing
import ControlPlane
import Finance
import Foundation
import Metering
import Postgres
import Testing

let standardPlan = Data(
    #"""
    {"code": "standard", "name": "Standard", "currency": "EUR", "base_fee": "300.00",
     "included": {"events_accepted": 1000}, "overage": {"events_accepted": [{"unit_price": "0.01"}]}}
    """#.utf8)

/// April 2026 (30 days) for one partner with four tenants, provisioned for real,
/// whose lifecycle times are then set to known instants:
/// - a: created 2026-03-15, active all month: 300.00 + (1500 − 1000) × 0.01 = 305.00
/// - b: created 2026-04-11 09:00, 20 billable days: 300 × 20/30 = 200.00; allowance
///   ⌊1000 × 20/30⌋ = 666; 700 events → 34 × 0.01 = 0.34
/// - c: suspended 2026-04-20 00:00 exactly, so billed 1–19: 190.00; allowance 633; 640 events → 0.07
/// - d: suspended 04-05 12:00, resumed 04-25 08:00: days 1–5 and 25–30, 11 days: 110.00; no usage
/// Total 805.41 EUR. A tenant of another partner is not on the statement.
struct AprilFixture {
    let partner: Slug
    let a: Slug, b: Slug, c: Slug, d: Slug
    let month: BillingMonth

    static func make(_ world: MeteringWorld) async throws -> AprilFixture {
        let partner = try await world.partner("pn")
        let other = try await world.partner("po")
        let a = try await world.tenant("ta", of: partner, legalName: "Alpha Foods")
        let b = try await world.tenant("tb", of: partner, legalName: "Beta, \"Wholesale\"")
        let c = try await world.tenant("tc", of: partner)
        let d = try await world.tenant("td", of: partner)
        let stranger = try await world.tenant("tx", of: other)
        _ = try await world.service.suspend(c, actor: "test")
        _ = try await world.service.suspend(d, actor: "test")
        _ = try await world.service.resume(d, actor: "test")
        try await world.setLifecycle(a, "created", at: "2026-03-15T10:00:00Z")
        try await world.setLifecycle(b, "created", at: "2026-04-11T09:00:00Z")
        try await world.setLifecycle(c, "created", at: "2026-03-01T00:00:00Z")
        try await world.setLifecycle(c, "suspended", at: "2026-04-20T00:00:00Z")
        try await world.setLifecycle(d, "created", at: "2026-03-01T00:00:00Z")
        try await world.setLifecycle(d, "suspended", at: "2026-04-05T12:00:00Z")
        try await world.setLifecycle(d, "resumed", at: "2026-04-25T08:00:00Z")
        try await world.setLifecycle(stranger, "created", at: "2026-03-01T00:00:00Z")

        try await world.addUsage(a, day: "2026-04-03", metric: "events.accepted", quantity: 1000)
        try await world.addUsage(a, day: "2026-04-20", metric: "events.accepted", shard: 3, quantity: 300)
        try await world.addUsage(a, day: "2026-04-20", metric: "events.accepted", shard: 7, quantity: 200)
        try await world.addUsage(a, day: "2026-05-01", metric: "events.accepted", quantity: 1000)  // next month
        try await world.addUsage(a, day: "2026-04-04", metric: "engine.steps", quantity: 99)  // not a meter
        try await world.addUsage(b, day: "2026-04-15", metric: "events.accepted", quantity: 700)
        try await world.addUsage(c, day: "2026-04-10", metric: "events.accepted", quantity: 640)
        try await world.addUsage(stranger, day: "2026-04-10", metric: "events.accepted", quantity: 5000)

        let books = PriceBookStore(pool: world.pool)
        #expect(try await books.put(try Plan.decode(json: standardPlan), seller: .provider, actor: "test") == .created)
        for tenant in [a, b, c, d, stranger] {
            try await books.assign(
                tenant: tenant, planCode: "standard", from: try #require(UTCDay.parse("2026-01-01")), seller: .provider,
                actor: "test")
        }
        return AprilFixture(partner: partner, a: a, b: b, c: c, d: d, month: try BillingMonth.parse("2026-04"))
    }
}

@Suite("Statements from storage")
struct MonthlyStatementStorageTests {
    @Test func aMonthWithTenantsAddedAndSuspendedGivesTheHandComputedStatement() async throws {
        try await MeteringWorld.with { world in
            let april = try await AprilFixture.make(world)
            let statement = try await BillingStatements(pool: world.pool).providerStatement(
                partner: april.partner, month: april.month)
            #expect(statement.number == "2026-04/provider/partner:\(april.partner)")
            #expect(statement.total.amountText == "805.41")
            #expect(statement.currency.code == "EUR")
            let sections = Dictionary(uniqueKeysWithValues: statement.tenants.map { ($0.tenantID, $0) })
            #expect(statement.tenants.map(\.tenantID) == [april.a, april.b, april.c, april.d].map(\.value))
            #expect(sections[april.a.value]?.subtotal.amountText == "305.00")
            #expect(sections[april.a.value]?.tenantName == "Alpha Foods")
            #expect(sections[april.b.value]?.subtotal.amountText == "200.34")
            #expect(sections[april.c.value]?.subtotal.amountText == "190.07")
            #expect(sections[april.d.value]?.subtotal.amountText == "110.00")
            let bLines = try #require(sections[april.b.value]?.lines)
            #expect(bLines.map(\.amount.amountText) == ["200.00", "0.34"])
            #expect(bLines[0].proration.description == "20/30")
            #expect(bLines[1].usage?.quantity == 700)
            #expect(bLines[1].usage?.included == 666)
            #expect(sections[april.c.value]?.lines.first?.proration.description == "19/30")
            #expect(sections[april.d.value]?.lines.map(\.proration.description) == ["11/30"])
            #expect(sections[april.a.value]?.lines.last?.usage?.quantity == 1500)
        }
    }

    @Test func issuedStatementsCannotBeChangedAndACreditNoteCorrectsThem() async throws {
        try await MeteringWorld.with { world in
            let april = try await AprilFixture.make(world)
            let statements = BillingStatements(pool: world.pool)
            let computed = try await statements.providerStatement(partner: april.partner, month: april.month)
            try await statements.issue([computed], actor: "test")
            let stored = try await statements.statement(number: computed.number)
            #expect(stored == computed)

            // The same month again is refused.
            await #expect(throws: MeteringError.self) { try await statements.issue([computed], actor: "test") }
            do {
                try await statements.issue([computed], actor: "test")
            } catch let error as MeteringError {
                #expect(error.code == "statement_already_issued")
            }
            // The database itself refuses to change or remove it, owner included.
            for sql: PostgresQuery in [
                "UPDATE control.billing_statements SET total = '0.00'", "DELETE FROM control.billing_statements",
                "TRUNCATE control.billing_statements CASCADE",
            ] {
                do {
                    try await world.pool.query(sql)
                    Issue.record("the statement table accepted a change")
                } catch let error as PostgresError {
                    #expect(error.sqlState == .insufficientPrivilege)
                }
            }
            #expect(try await statements.statement(number: computed.number).total.amountText == "805.41")

            // Nothing changed: nothing to correct.
            #expect(try await statements.correct(number: computed.number, actor: "test").isEmpty)

            // a's usage on the 20th was over-counted by 300: 1200 events, 2.00 instead of 5.00.
            let schema = try SQLIdentifier(april.a.tenantSchemaName)
            try await world.pool.query(
                "UPDATE \(identifier: schema, try SQLIdentifier("usage_counters")) SET quantity = 0 WHERE day = '2026-04-20' AND shard = 3")
            let credit = try await statements.correct(number: computed.number, actor: "test")
            let note = try #require(credit.creditNote)
            #expect(credit.debitNote == nil)
            #expect(note.number == computed.number + "/C1")
            #expect(note.total.amountText == "-3.00")
            #expect(note.tenants.map(\.tenantID) == [april.a.value])
            #expect(try await statements.statement(number: note.number) == note)
            // Once corrected, the same recomputation needs nothing more.
            #expect(try await statements.correct(number: computed.number, actor: "test").isEmpty)

            // b turns out to have been created a day earlier: one more billable day is 10.00 more base
            // fee (a debit note), and a larger allowance (⌊1000 × 21/30⌋ = 700 ≥ 700 events) takes
            // back its 0.34 of usage (a credit note).
            try await world.setLifecycle(april.b, "created", at: "2026-04-10T09:00:00Z")
            let both = try await statements.correct(number: computed.number, actor: "test")
            #expect(both.creditNote?.number == computed.number + "/C2")
            #expect(both.creditNote?.total.amountText == "-0.34")
            #expect(both.debitNote?.number == computed.number + "/C3")
            #expect(both.debitNote?.total.amountText == "10.00")
            #expect(both.debitNote?.lines.map(\.kind) == [.baseFee])
            #expect(try await statements.issuedNumbers(month: april.month) == [
                computed.number, computed.number + "/C1", computed.number + "/C2", computed.number + "/C3",
            ])
            let audit = try await world.pool.query(
                "SELECT action FROM control.audit_log WHERE subject LIKE 'statement:%' ORDER BY id")
            #expect(try audit.map { try $0.decode("action", as: String.self) } == [
                "billing.statement_issued", "billing.credit_note_issued", "billing.credit_note_issued",
                "billing.debit_note_issued",
            ])
        }
    }

    @Test func aMonthIsIssuedOnlyOnceItHasEnded() async throws {
        try await MeteringWorld.with { world in
            let april = try await AprilFixture.make(world)
            let early = BillingStatements(pool: world.pool, now: { Date(timeIntervalSince1970: 1_777_000_000) })  // 2026-04-24
            let computed = try await early.providerStatement(partner: april.partner, month: april.month)
            do {
                try await early.issue([computed], actor: "test")
                Issue.record("a month still running was issued")
            } catch let error as MeteringError {
                #expect(error.code == "month_not_ended")
            }
            #expect(try await early.issuedNumbers(month: april.month).isEmpty)
        }
    }

    @Test func aPartnerBillsItsClientsFromItsOwnPriceBook() async throws {
        try await MeteringWorld.with { world in
            let april = try await AprilFixture.make(world)
            let books = PriceBookStore(pool: world.pool)
            let resale = Data(
                #"{"code": "resale", "name": "Managed", "currency": "EUR", "base_fee": "450.00", "overage": {"events_accepted": [{"up_to": 1000, "unit_price": "0"}, {"unit_price": "0.02"}]}}"#
                    .utf8)
            let seller = BillingParty.partner(april.partner.value)
            try await books.put(try Plan.decode(json: resale), seller: seller, actor: "test")
            try await books.assign(
                tenant: april.a, planCode: "resale", from: try #require(UTCDay.parse("2026-04-01")), seller: seller,
                actor: "test")
            // A partner cannot put another partner's tenant on its plans.
            let other = try await world.partner("pz")
            let foreign = try await world.tenant("tz", of: other)
            await #expect(throws: MeteringError.self) {
                try await books.assign(
                    tenant: foreign, planCode: "resale", from: try #require(UTCDay.parse("2026-04-01")), seller: seller,
                    actor: "test")
            }
            let clients = try await BillingStatements(pool: world.pool).clientStatements(
                partner: april.partner, month: april.month)
            #expect(clients.map(\.number) == ["2026-04/partner:\(april.partner)/tenant:\(april.a)"])
            // 450.00 + (1500 − 1000) × 0.02 = 460.00
            #expect(clients.first?.total.amountText == "460.00")
            #expect(clients.first?.buyer == .tenant(april.a.value))
        }
    }

    @Test func recurringRevenuePerPartnerFollowsLifecycleAndAssignments() async throws {
        try await MeteringWorld.with { world in
            let april = try await AprilFixture.make(world)
            let months = RevenueChart.months(3, endingWith: try BillingMonth.parse("2026-04"))
            #expect(months.map(\.description) == ["2026-02", "2026-03", "2026-04"])
            let chart = try await RevenueChart(pool: world.pool).chart(months: months)
            let series = try #require(chart.partners.first { $0.partner == april.partner.value })
            // February: nobody yet; March: a, c, d active; April: c is suspended at the end, b has arrived.
            #expect(series.points.map(\.amount.amountText) == ["0.00", "900.00", "900.00"])
            #expect(series.points.map(\.tenantCount) == [0, 3, 3])
            #expect(chart.currency == "EUR")
        }
    }

    @Test func aTenantDeletedMidMonthIsBilledFromItsArchivedUsage() async throws {
        try await MeteringWorld.with { world in
            let april = try await AprilFixture.make(world)
            let token = try await world.service.requestDeletion(april.b, actor: "test")
            try await world.service.delete(april.b, confirmation: token, actor: "test")
            try await world.setLifecycle(april.b, "deleted", at: "2026-04-26T00:00:00Z")
            let schemas = try await world.pool.query(
                "SELECT 1 FROM pg_namespace WHERE nspname = \(april.b.tenantSchemaName)")
            #expect(schemas.isEmpty)
            let statement = try await BillingStatements(pool: world.pool).providerStatement(
                partner: april.partner, month: april.month)
            // 11th to 25th: 15 days, 150.00; allowance ⌊1000 × 15/30⌋ = 500, 700 events → 2.00.
            let section = try #require(statement.tenants.first { $0.tenantID == april.b.value })
            #expect(section.lines.map(\.amount.amountText) == ["150.00", "2.00"])
        }
    }
}
