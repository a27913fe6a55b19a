import Events
import Finance
import Foundation
import Testing

@testable import Triage

@Suite("Governance")
struct GovernanceTests {
    let tenant = TriageFixtures.tenant

    func policy(materiality: Int64 = 100_000, auto: Int64 = 2_500, confidence: Double = 0.9) throws -> GovernancePolicy
    {
        try GovernancePolicy(
            tenant: tenant, materialityThreshold: TriageFixtures.usd(materiality),
            autoResolution: .init(
                templates: ["ap-three-way"], threshold: TriageFixtures.usd(auto), minimumConfidence: confidence,
                allowedLabels: [.priceVariance, .freightTaxDifference]))
    }

    func recommendation(confidence: Double) -> Recommendation {
        Recommendation(
            rootCause: .poNotUpdated, resolution: .amendPurchaseOrder, confidence: confidence,
            model: TenantModel.identity)
    }

    @Test("auto-resolves only below both thresholds, confident enough, with allowed labels, for an enabled template")
    func autoResolve() throws {
        let policy = try policy()
        let small = TriageFixtures.exception(labels: [.priceVariance], exposure: 1_999)
        #expect(
            policy.decide(recommendation(confidence: 0.95), for: small, template: "ap-three-way").action == .autoResolve
        )

        let cases: [(OpenException, Double, String, String)] = [
            (
                TriageFixtures.exception(labels: [.priceVariance], exposure: 2_500), 0.95, "ap-three-way",
                "auto-resolution threshold"
            ),
            (small, 0.89, "ap-three-way", "below the minimum"),
            (small, 0.95, "returns", "not enabled for template returns"),
            (
                TriageFixtures.exception(labels: [.priceVariance, .duplicateInvoice], exposure: 100), 0.99,
                "ap-three-way", "duplicate_invoice"
            ),
            (TriageFixtures.exception(labels: [], exposure: 100), 0.99, "ap-three-way", "no label"),
            (
                TriageFixtures.exception(tenant: TriageFixtures.otherTenant, exposure: 100), 0.99, "ap-three-way",
                "another tenant"
            ),
        ]
        for (exception, confidence, template, reason) in cases {
            let decision = policy.decide(recommendation(confidence: confidence), for: exception, template: template)
            #expect(decision.action == .recommend)
            #expect(decision.reasons.contains { $0.contains(reason) }, "expected a reason containing '\(reason)'")
        }
    }

    @Test("a negative variance counts by its magnitude")
    func magnitude() throws {
        let credit = TriageFixtures.exception(exposure: -250_000)
        let decision = try policy().decide(recommendation(confidence: 1), for: credit, template: "ap-three-way")
        #expect(decision.action == .recommend)
        #expect(decision.isMaterial)
    }

    @Test("an amount in another currency is treated as material")
    func otherCurrency() throws {
        var exception = TriageFixtures.exception(exposure: 1)
        exception.exposure = Money(minorUnits: 1, currency: TriageFixtures.eur)
        let decision = try policy().decide(recommendation(confidence: 1), for: exception, template: "ap-three-way")
        #expect(decision.action == .recommend)
        #expect(decision.isMaterial)
    }

    @Test("property: never auto-resolves at or above the materiality threshold, whatever else holds")
    func neverAboveMateriality() throws {
        var random = SplitMix64(seed: 20_260_301)
        let labels = ExceptionLabel.allCases
        var autoResolved = 0
        for _ in 0..<5_000 {
            let materiality = Int64(random.below(1_000_000))
            // The auto threshold is drawn up to materiality itself, the loosest policy allowed.
            let auto = Int64(random.below(Int(materiality) + 1))
            let allowed = Set(labels.filter { _ in random.chance(0.6) })
            let policy = try GovernancePolicy(
                tenant: tenant, materialityThreshold: TriageFixtures.usd(materiality),
                autoResolution: .init(
                    templates: ["t"], threshold: TriageFixtures.usd(auto), minimumConfidence: random.unit(),
                    allowedLabels: allowed))
            let amount = Int64(random.below(2_000_000)) - 1_000_000
            let exceptionLabels = labels.filter { _ in random.chance(0.15) }
            let exception = TriageFixtures.exception(labels: exceptionLabels, exposure: amount)
            let decision = policy.decide(recommendation(confidence: random.unit()), for: exception, template: "t")
            if decision.action == .autoResolve {
                autoResolved += 1
                #expect(amount.magnitude < UInt64(materiality))
                #expect(amount.magnitude < UInt64(auto))
                #expect(!decision.isMaterial)
            }
            if amount.magnitude >= UInt64(materiality) {
                #expect(decision.action == .recommend)
                #expect(decision.isMaterial)
            }
        }
        // The property must not hold vacuously.
        #expect(autoResolved > 0)
    }

    @Test("policies with impossible thresholds or confidences are refused")
    func invalidPolicies() throws {
        #expect(throws: TriageError.self) { try policy(materiality: 1_000, auto: 1_001) }
        #expect(throws: TriageError.self) { try policy(confidence: 1.5) }
        #expect(throws: TriageError.self) { try policy(materiality: -1, auto: 0) }
        let mixed = try #require(throws: TriageError.self) {
            try GovernancePolicy(
                tenant: tenant, materialityThreshold: TriageFixtures.usd(100),
                autoResolution: .init(
                    templates: [], threshold: Money(minorUnits: 1, currency: TriageFixtures.eur),
                    minimumConfidence: 0.5,
                    allowedLabels: []))
        }
        #expect(mixed.code == "invalid_policy")
    }

    @Test("the record holds inputs, model name and version, output and governance as stable JSON")
    func record() throws {
        let model = try TenantModel.train(
            tenant: tenant, cases: DemoHistory.generate(tenant: tenant, count: 500, seed: 4))
        let exception = TriageFixtures.exception(supplier: "S3", labels: [.priceVariance], exposure: 300_000)
        let answer = AnsweredRecommendation(
            recommendation: try model.recommend(for: exception), source: .builtIn(fallbackReason: .timeout))
        let decision = try policy().decide(answer.recommendation, for: exception, template: "ap-three-way")
        let record = RecommendationRecord(
            exception: exception, answer: answer, decision: decision, template: "ap-three-way",
            recordedAt: TriageFixtures.now)
        let json = record.json
        #expect(json["tenant"] == .string("acme"))
        #expect(json["recorded_at"] == .string("2026-03-02T09:00:00Z"))
        #expect(json["model"]?["name"] == .string(TenantModel.identity.name))
        #expect(json["model"]?["version"] == .string(TenantModel.identity.version))
        #expect(json["answered_by"] == .string("built_in"))
        #expect(json["fallback_reason"] == .string("timeout"))
        #expect(json["inputs"]?["labels"] == .array([.string("price_variance")]))
        #expect(json["inputs"]?["exposure"]?["minor_units"] == .number("300000"))
        #expect(json["inputs"]?["amount_band"] == .string("1k_10k"))
        #expect(json["inputs"]?["day_of_week"] == .string("sunday"))
        #expect(json["output"]?["root_cause"] == .string("supplier_price_increase"))
        #expect(json["output"]?["similar_cases"]?.arrayValue?.count == 5)
        #expect(json["governance"]?["action"] == .string("recommend"))
        #expect(json["governance"]?["material"] == .bool(true))
        if case .number(let text)? = json["output"]?["confidence"] {
            #expect(text.wholeMatch(of: /0\.\d{3}|1\.000/) != nil)
        } else {
            Issue.record("confidence is not a number")
        }
        // Stable bytes: the storage layer may compare records.
        #expect(json.serialized() == record.json.serialized())
        #expect(try JSONParser().parse(json.serialized()) == json)
    }
}
