import Billing
import Finance
import Foundation
import Testing

@Suite("Plans from JSON, validated with field paths")
struct PlanValidationTests {
    static let valid = """
        {"code": "basic", "name": "Basic", "currency": "EUR", "base_fee": "99.00",
         "included": {"events_accepted": 10000, "active_users": 5},
         "overage": {
           "events_accepted": [{"up_to": 10000, "unit_price": "0.002"}, {"up_to": 100000, "unit_price": "0.0015"},
                               {"unit_price": "0.001"}],
           "active_users": [{"unit_price": "4.50"}]}}
        """

    static func decode(_ text: String) throws(BillingError) -> Plan { try Plan.decode(json: Data(text.utf8)) }

    @Test func aValidPlanDecodesAndRoundTrips() throws {
        let plan = try Self.decode(Self.valid)
        #expect(plan.code == "basic")
        #expect(plan.baseFee == (try Fixture.eur("99.00")))
        #expect(plan.included == [.eventsAccepted: 10_000, .activeUsers: 5])
        #expect(plan.pricedMeters == [.eventsAccepted, .activeUsers])
        #expect(plan.overage[.eventsAccepted]?.tiers.map(\.upTo) == [10_000, 100_000, nil])
        #expect(
            plan.overage[.eventsAccepted]?.tiers.map { DecimalText.text($0.unitPrice) } == ["0.002", "0.0015", "0.001"])
        #expect(try Self.decode(plan.jsonText) == plan)
    }

    /// The valid plan with `old` replaced by `new`.
    static func variant(_ old: String, _ new: String) -> String {
        valid.replacingOccurrences(of: old, with: new)
    }

    @Test(
        arguments: [
            (variant(#""up_to": 100000"#, #""up_to": 10000"#), "invalid_tiers", "overage.events_accepted[1].up_to"),
            (variant(#""up_to": 100000"#, #""up_to": 5000"#), "invalid_tiers", "overage.events_accepted[1].up_to"),
            (
                variant(#"{"unit_price": "0.001"}"#, #"{"up_to": 200000, "unit_price": "0.001"}"#), "invalid_tiers",
                "overage.events_accepted[2].up_to"
            ),
            (
                variant(#"{"up_to": 10000, "unit_price": "0.002"}"#, #"{"unit_price": "0.002"}"#), "invalid_tiers",
                "overage.events_accepted[0].up_to"
            ),
            (variant(#""up_to": 10000, "#, #""up_to": 0, "#), "invalid_tiers", "overage.events_accepted[0].up_to"),
            (variant(#"[{"unit_price": "4.50"}]"#, "[]"), "invalid_tiers", "overage.active_users"),
            (variant(#""0.0015""#, #""-0.0015""#), "invalid_price", "overage.events_accepted[1].unit_price"),
            (variant(#""0.0015""#, #""1.5e-3""#), "invalid_price", "overage.events_accepted[1].unit_price"),
            (variant(#""0.0015""#, #""0.0000000000001""#), "invalid_price", "overage.events_accepted[1].unit_price"),
            (variant(#""0.0015""#, "0.0015"), "invalid_plan_json", "overage.events_accepted[1].unit_price"),
            (variant(#""99.00""#, #""-99.00""#), "invalid_price", "base_fee"),
            (variant(#""99.00""#, #""99.001""#), "invalid_price", "base_fee"),
            (variant(#""EUR""#, #""EUT""#), "unknown_currency", "currency"),
            (variant(#""EUR""#, #""eur""#), "unknown_currency", "currency"),
            (variant(#""active_users": 5"#, #""active_user": 5"#), "unknown_meter", "included.active_user"),
            (variant(#""active_users": ["#, #""seats": ["#), "unknown_meter", "overage.seats"),
            (variant(#""active_users": 5"#, #""active_users": -5"#), "invalid_plan", "included.active_users"),
            (variant(#""active_users": 5"#, #""active_users": 5.5"#), "invalid_plan_json", "included.active_users"),
            (
                variant(#""active_users": 5"#, #""active_users": 5, "runs_started": 100"#), "invalid_plan",
                "included.runs_started"
            ),
            (variant(#""included""#, #""inclded""#), "invalid_plan_json", "inclded"),
            (
                variant(#"{"unit_price": "0.001"}"#, #"{"unit_price": "0.001", "per": 1000}"#), "invalid_plan_json",
                "overage.events_accepted[2].per"
            ),
            (variant(#""code": "basic", "#, ""), "invalid_plan_json", "code"),
            (variant(#""code": "basic""#, #""code": "Basic Plan""#), "invalid_plan", "code"),
            (variant(#""name": "Basic""#, #""name": "  ""#), "invalid_plan", "name"),
            (variant(#""name": "Basic""#, #""name": 7"#), "invalid_plan_json", "name"),
            ("[1, 2]", "invalid_plan_json", nil),
            ("{not json", "invalid_plan_json", nil),
        ] as [(String, String, String?)])
    func invalidPlansNameTheFieldAtFault(json: String, code: String, field: String?) {
        let error = #expect(throws: BillingError.self) { try Self.decode(json) }
        #expect(error?.code == code, "\(error?.debugDescription ?? "no error")")
        #expect(error?.field == field, "\(error?.debugDescription ?? "no error")")
        #expect(error?.httpStatus == 422)
    }

    @Test func priceBooksKeepOneCurrencyAndKnownPlans() throws {
        let usd = try Plan(code: "us", name: "US", currency: try Currency("USD"), baseFee: .zero(try Currency("USD")))
        let mixed = #expect(throws: BillingError.self) {
            try PriceBook(
                seller: .provider, name: "mixed", currency: try Currency("EUR"), plans: [try Fixture.basic(), usd],
                assignments: [])
        }
        #expect(mixed?.code == "currency_mismatch")
        #expect(mixed?.field == "plans[1].currency")
        let unknown = #expect(throws: BillingError.self) {
            try PriceBook(
                seller: .provider, name: "book", currency: try Currency("EUR"), plans: [try Fixture.basic()],
                assignments: [
                    PlanAssignment(tenant: "t", planCode: "gold", effectiveFrom: try Fixture.day("2026-05-01"))
                ])
        }
        #expect(unknown?.code == "invalid_assignment")
        #expect(unknown?.field == "assignments[0].plan")
        let twice = #expect(throws: BillingError.self) {
            try Fixture.priceBook(extra: [
                PlanAssignment(tenant: "delta", planCode: "basic", effectiveFrom: try Fixture.day("2026-05-16"))
            ])
        }
        #expect(twice?.code == "invalid_assignment")
        #expect(twice?.field == "assignments[5].effective_from")
        let feeCurrency = #expect(throws: BillingError.self) {
            try Plan(code: "x", name: "X", currency: try Currency("EUR"), baseFee: .zero(try Currency("USD")))
        }
        #expect(feeCurrency?.code == "currency_mismatch")
    }
}
