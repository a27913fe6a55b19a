import Finance
import Foundation
import Testing

@Suite("Credit hold release")
struct CreditHoldTests {
    static func usd(_ text: String) throws -> Money { try Money.parse(text, currency: try Currency("USD")) }

    /// CH-1187 from the fixtures: limit 25,000.00, balance 27,315.40, 4,120.00 past due.
    static func account(balance: String = "27315.40", overdue: String = "4120.00", disputed: String = "0.00") throws
        -> CreditAccount
    {
        CreditAccount(
            customerID: "CUST-204", creditLimit: try usd("25000.00"), openBalance: try usd(balance),
            overdue: try usd(overdue), disputed: try usd(disputed))
    }

    static func request(
        reason: CreditHoldReason = .overCreditLimit, orders: String = "1800.00", payment: String? = nil,
        override: CreditOverride? = nil
    ) throws -> CreditReleaseRequest {
        CreditReleaseRequest(
            hold: CreditHold(holdNumber: "CH-1187", reason: reason, placedBy: "system.credit"),
            requestedBy: "sales.ops.kim", heldOrders: try usd(orders), paymentReceived: try payment.map { try usd($0) },
            override: override)
    }

    static let manager = CreditOverride(
        approvedBy: "credit.manager.ali", reason: "strategic account, payment promised Friday")

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        var policy = CreditReleasePolicy.standard
        var balance = "27315.40"
        var overdue = "4120.00"
        var disputed = "0.00"
        var reason = CreditHoldReason.overCreditLimit
        var payment: String?
        var override: CreditOverride?
        let decision: CreditReleaseDecision
        let exposure: String
        let codes: [CreditReleaseReason.Code]
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(
            name: "no payment, no override", decision: .keepHold, exposure: "29115.40",
            codes: [.noPaymentReceived, .overCreditLimit, .pastDue]),
        Case(
            name: "payment clears everything", payment: "6000.00", decision: .release, exposure: "23115.40",
            codes: [.paymentReceived, .withinCreditLimit, .pastDueCleared]),
        Case(
            name: "exposure exactly at the limit but 4.60 still past due", payment: "4115.40", decision: .keepHold,
            exposure: "25000.00", codes: [.paymentReceived, .withinCreditLimit, .pastDue]),
        Case(
            name: "4.60 past due within a 5.00 tolerance", policy: CreditReleasePolicy(overdueTolerance: 5),
            payment: "4115.40", decision: .release, exposure: "25000.00",
            codes: [.paymentReceived, .withinCreditLimit, .pastDueCleared]),
        Case(
            name: "one cent over the limit", policy: CreditReleasePolicy(overdueTolerance: 5), payment: "4115.39",
            decision: .keepHold, exposure: "25000.01", codes: [.paymentReceived, .overCreditLimit, .pastDueCleared]),
        Case(
            name: "10 % limit tolerance", policy: CreditReleasePolicy(limitTolerancePercent: 10), payment: "4120.00",
            decision: .release, exposure: "24995.40", codes: [.paymentReceived, .withinCreditLimit, .pastDueCleared]),
        Case(
            name: "override without payment", override: manager, decision: .releaseByOverride, exposure: "29115.40",
            codes: [.noPaymentReceived, .overCreditLimit, .pastDue, .overrideApplied]),
        Case(
            name: "requester approving their own override",
            override: CreditOverride(approvedBy: "sales.ops.kim", reason: "trust me"), decision: .keepHold,
            exposure: "29115.40", codes: [.noPaymentReceived, .overCreditLimit, .pastDue, .overrideSamePerson]),
        Case(
            name: "override without a reason", override: CreditOverride(approvedBy: "credit.manager.ali", reason: " "),
            decision: .keepHold, exposure: "29115.40",
            codes: [.noPaymentReceived, .overCreditLimit, .pastDue, .overrideIncomplete]),
        Case(
            name: "disputed past due does not block, the limit still does", disputed: "4120.00", payment: "2315.40",
            decision: .keepHold, exposure: "26800.00",
            codes: [.paymentReceived, .overCreditLimit, .pastDueCleared, .disputedExcluded]),
        Case(
            name: "disputed past due within the limit", balance: "23200.00", disputed: "4120.00", payment: "0.01",
            decision: .release, exposure: "24999.99",
            codes: [.paymentReceived, .withinCreditLimit, .pastDueCleared, .disputedExcluded]),
        Case(
            name: "disputed counts when the policy says so", policy: CreditReleasePolicy(disputedCountsAsOverdue: true),
            balance: "23200.00", disputed: "4120.00", payment: "0.01", decision: .keepHold, exposure: "24999.99",
            codes: [.paymentReceived, .withinCreditLimit, .pastDue]),
        Case(
            name: "manual hold needs an override", reason: .manual, payment: "6000.00", decision: .keepHold,
            exposure: "23115.40", codes: [.paymentReceived, .withinCreditLimit, .pastDueCleared, .manualHold]),
        Case(
            name: "manual hold released by override", reason: .manual, payment: "6000.00", override: manager,
            decision: .releaseByOverride, exposure: "23115.40",
            codes: [.paymentReceived, .withinCreditLimit, .pastDueCleared, .manualHold, .overrideApplied]),
        Case(
            name: "manual hold, policy lets figures decide",
            policy: CreditReleasePolicy(manualHoldsNeedOverride: false), reason: .manual, payment: "6000.00",
            decision: .release, exposure: "23115.40", codes: [.paymentReceived, .withinCreditLimit, .pastDueCleared]),
        Case(
            name: "customer in credit still needs payment or override", balance: "-500.00", overdue: "0.00",
            decision: .keepHold, exposure: "1300.00", codes: [.noPaymentReceived, .withinCreditLimit, .pastDueCleared]),
    ])
    func releaseNeedsPaymentOrAnOverride(_ row: Case) throws {
        let evaluation = try row.policy.evaluate(
            try Self.request(reason: row.reason, payment: row.payment, override: row.override),
            account: try Self.account(balance: row.balance, overdue: row.overdue, disputed: row.disputed))
        #expect(evaluation.decision == row.decision)
        #expect(evaluation.exposure == (try Self.usd(row.exposure)))
        #expect(try evaluation.headroom == evaluation.allowedExposure.minus(evaluation.exposure))
        #expect(evaluation.reasons.map(\.code) == row.codes)
        #expect(evaluation.reasons.allSatisfy { !$0.message.isEmpty })
    }

    @Test func theFiguresBehindTheDecisionAreReported() throws {
        let evaluation = try CreditReleasePolicy(limitTolerancePercent: Decimal(string: "2.5") ?? 0).evaluate(
            try Self.request(payment: "1000.00"), account: try Self.account())
        #expect(evaluation.allowedExposure.amountText == "25625.00")
        #expect(evaluation.exposure.amountText == "28115.40")
        #expect(evaluation.headroom.amountText == "-2490.40")
        #expect(evaluation.overdue.amountText == "3120.00")
        #expect(CreditReleaseDecision.releaseByOverride.rawValue == "release_by_override")
    }

    @Test func refusesMixedCurrenciesAndNegativeAmounts() throws {
        let eurPayment = CreditReleaseRequest(
            hold: CreditHold(holdNumber: "CH-1", reason: .pastDue, placedBy: "system.credit"), requestedBy: "kim",
            heldOrders: try Self.usd("1.00"), paymentReceived: try Money.parse("5.00", currency: try Currency("EUR")))
        let negativeOrders = try Self.request(orders: "-1.00")
        let cases: [(CreditReleasePolicy, CreditReleaseRequest, CreditHoldError.Kind, String?)] = [
            (.standard, eurPayment, .currencyMismatch, "payment_received"),
            (.standard, negativeOrders, .invalidAmount, "held_orders"),
            (CreditReleasePolicy(overdueTolerance: -1), try Self.request(), .invalidPolicy, nil),
        ]
        for (policy, request, kind, field) in cases {
            let error = try #require(throws: CreditHoldError.self) {
                try policy.evaluate(request, account: try Self.account())
            }
            #expect(error.kind == kind)
            #expect(error.field == field)
        }
    }
}
