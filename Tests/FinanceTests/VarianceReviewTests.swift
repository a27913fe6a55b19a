import Finance
import Foundation
import Testing

@Suite("Cycle-count variance review")
struct VarianceReviewTests {
    static func usd() throws -> Currency { try Currency("USD") }

    static func date(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text), "\(text)")
    }

    static let now = "2026-11-16T18:20:00+01:00"

    struct Boundary: Sendable, CustomTestStringConvertible {
        let name: String
        let system: Decimal
        let counted: Decimal
        let unitCost: Decimal?
        let expected: VarianceClassification
        let codes: [VarianceFinding.Code]
        var testDescription: String { name }
    }

    // Standard USD policy: review beyond 50.00 or 5 %, escalate beyond 500.00 or 25 %.
    @Test(arguments: [
        // Value limits, with percentages kept far below theirs (1,000,000 on hand at 0.01).
        Boundary(
            name: "value exactly 50.00", system: 1_000_000, counted: 995_000, unitCost: 0.01,
            expected: .withinTolerance, codes: [.withinTolerance]),
        Boundary(
            name: "value 50.01", system: 1_000_000, counted: 994_999, unitCost: 0.01, expected: .review,
            codes: [.valueExceedsReview]),
        Boundary(
            name: "overage of 50.01", system: 1_000_000, counted: 1_005_001, unitCost: 0.01, expected: .review,
            codes: [.valueExceedsReview]),
        Boundary(
            name: "value exactly 500.00", system: 10_000_000, counted: 9_950_000, unitCost: 0.01, expected: .review,
            codes: [.valueExceedsReview]),
        Boundary(
            name: "value 500.01", system: 10_000_000, counted: 9_949_999, unitCost: 0.01, expected: .escalate,
            codes: [.valueExceedsEscalation]),
        // Percentage limits, with values kept at zero (unit cost 0).
        Boundary(
            name: "exactly 5 %", system: 200, counted: 190, unitCost: 0, expected: .withinTolerance,
            codes: [.withinTolerance]),
        Boundary(
            name: "5.5 %", system: 200, counted: 189, unitCost: 0, expected: .review, codes: [.percentExceedsReview]),
        Boundary(
            name: "just over 5 %", system: 2_000_000, counted: 2_100_001, unitCost: 0, expected: .review,
            codes: [.percentExceedsReview]),
        Boundary(
            name: "exactly 25 %", system: 200, counted: 150, unitCost: 0, expected: .review,
            codes: [.percentExceedsReview]),
        Boundary(
            name: "25.5 %", system: 200, counted: 149, unitCost: 0, expected: .escalate,
            codes: [.percentExceedsEscalation]),
        Boundary(
            name: "fractional quantities at 25 %", system: 0.4, counted: 0.5, unitCost: 0, expected: .review,
            codes: [.percentExceedsReview]),
        // Edges.
        Boundary(
            name: "no variance", system: 1_200, counted: 1_200, unitCost: 0.124, expected: .withinTolerance,
            codes: [.noVariance]),
        Boundary(
            name: "nothing expected, one found", system: 0, counted: 1, unitCost: 0, expected: .escalate,
            codes: [.percentExceedsEscalation, .noSystemQuantity]),
        Boundary(
            name: "negative on hand counted as zero", system: -4, counted: 0, unitCost: 0, expected: .escalate,
            codes: [.percentExceedsEscalation]),
        Boundary(
            name: "unvalued small variance", system: 1_000, counted: 999, unitCost: nil, expected: .review,
            codes: [.withinTolerance, .unvalued]),
        Boundary(
            name: "unvalued large variance", system: 100, counted: 50, unitCost: nil, expected: .escalate,
            codes: [.percentExceedsEscalation, .unvalued]),
    ])
    func thresholdsApplyOnBothSidesOfEachBoundary(_ row: Boundary) throws {
        let policy = VariancePolicy.standard(currency: try Self.usd())
        let line = CycleCountLine(
            sku: "BOLT-M8-40", location: "B-02-01", systemQuantity: row.system, countedQuantity: row.counted,
            unitCost: row.unitCost)
        let assessment = try policy.assess(line, currency: try Self.usd(), now: try Self.date(Self.now))
        #expect(assessment.classification == row.expected)
        #expect(assessment.findings.map(\.code) == row.codes)
        #expect(assessment.findings.allSatisfy { !$0.message.isEmpty })
        #expect(assessment.varianceQuantity == row.counted - row.system)
    }

    @Test func bothExceededNeedsEveryLimitOfATier() throws {
        var policy = VariancePolicy.standard(currency: try Self.usd())
        policy.trigger = .bothExceeded
        func classify(system: Decimal, counted: Decimal, cost: Decimal) throws -> VarianceClassification {
            let line = CycleCountLine(
                sku: "S", location: "L", systemQuantity: system, countedQuantity: counted, unitCost: cost)
            return try policy.assess(line, currency: try Self.usd(), now: try Self.date(Self.now)).classification
        }
        // 60 % of a cheap item: percentage beyond escalation, value 0.60.
        #expect(try classify(system: 10, counted: 4, cost: 0.1) == .withinTolerance)
        // 60.00 at 0.6 %: value beyond review, percentage not.
        #expect(try classify(system: 10_000, counted: 9_940, cost: 1) == .withinTolerance)
        // 60.00 at 6 %: both beyond review.
        #expect(try classify(system: 1_000, counted: 940, cost: 1) == .review)
        // 600.00 at 60 %: both beyond escalation.
        #expect(try classify(system: 1_000, counted: 400, cost: 1) == .escalate)
        // 600.00 at 6 %: value beyond escalation, percentage only beyond review.
        #expect(try classify(system: 10_000, counted: 9_400, cost: 1) == .review)
    }

    @Test func valuesAndPercentagesAreReported() throws {
        let line = CycleCountLine(
            sku: "BOLT-M8-40", location: "B-02-01", systemQuantity: 1_200, countedQuantity: 1_188, unitCost: 0.124)
        let assessment = try VariancePolicy.standard(currency: try Self.usd()).assess(
            line, currency: try Self.usd(), now: try Self.date(Self.now))
        // -12 × 0.1240 = -1.488, rounded half-even to -1.49; -12 / 1200 = -1 %.
        #expect(assessment.varianceValue == Money(minorUnits: -149, currency: try Self.usd()))
        #expect(assessment.variancePercent == -1)
        #expect(assessment.classification == .withinTolerance)
    }

    struct RepeatCase: Sendable, CustomTestStringConvertible {
        let name: String
        let priors: [(String, String, String, Decimal)]
        let occurrences: Int
        let isRepeat: Bool
        var testDescription: String { name }
    }

    // Rule: 3 variances in 90 days. Now is 2026-11-16 (17:20 UTC); day 89 back is 2026-08-19, day 90 back 2026-08-18.
    @Test(arguments: [
        RepeatCase(
            name: "two inside the window",
            priors: [("S", "L", "2026-08-19T00:00:00Z", -3), ("S", "L", "2026-11-16T09:00:00Z", 2)], occurrences: 3,
            isRepeat: true),
        RepeatCase(
            name: "one on day 90 is outside",
            priors: [("S", "L", "2026-08-18T23:59:59Z", -3), ("S", "L", "2026-10-01T12:00:00Z", 2)], occurrences: 2,
            isRepeat: false),
        RepeatCase(
            name: "UTC day, not local day",
            priors: [("S", "L", "2026-08-19T01:00:00+02:00", -3), ("S", "L", "2026-10-01T12:00:00Z", 2)],
            occurrences: 2, isRepeat: false),
        RepeatCase(
            name: "offset that lands inside",
            priors: [("S", "L", "2026-08-18T23:30:00-05:00", -3), ("S", "L", "2026-10-01T12:00:00Z", 2)],
            occurrences: 3, isRepeat: true),
        RepeatCase(
            name: "other SKU or location, zero, future",
            priors: [
                ("S2", "L", "2026-10-01T00:00:00Z", 1), ("S", "L2", "2026-10-01T00:00:00Z", 1),
                ("S", "L", "2026-10-02T00:00:00Z", 0), ("S", "L", "2026-11-17T00:00:00Z", 5),
                ("S", "L", "2026-10-03T00:00:00Z", 1),
            ], occurrences: 2, isRepeat: false),
        RepeatCase(name: "no history", priors: [], occurrences: 1, isRepeat: false),
    ])
    func repeatOffendersAreFoundInTheLookBackWindow(_ row: RepeatCase) throws {
        let priors = try row.priors.map {
            PriorVariance(sku: $0.0, location: $0.1, countedAt: try Self.date($0.2), varianceQuantity: $0.3)
        }
        // A tiny variance: only the repeat rule can raise it.
        let line = CycleCountLine(sku: "S", location: "L", systemQuantity: 1_000, countedQuantity: 999, unitCost: 0.01)
        let assessment = try VariancePolicy.standard(currency: try Self.usd()).assess(
            line, currency: try Self.usd(), priors: priors, now: try Self.date(Self.now))
        #expect(assessment.occurrencesInWindow == row.occurrences)
        #expect(assessment.isRepeatOffender == row.isRepeat)
        #expect(assessment.classification == (row.isRepeat ? .escalate : .withinTolerance))
        #expect(assessment.findings.contains { $0.code == .repeatOffender } == row.isRepeat)
    }

    @Test func aCountWithoutVarianceIsNeverARepeatOffender() throws {
        let prior = PriorVariance(
            sku: "S", location: "L", countedAt: try Self.date("2026-11-01T00:00:00Z"), varianceQuantity: 9)
        var policy = VariancePolicy.standard(currency: try Self.usd())
        policy.repeatOffenders = VariancePolicy.RepeatOffenderRule(
            occurrences: 2, windowDays: 30, classification: .review)
        let line = CycleCountLine(sku: "S", location: "L", systemQuantity: 5, countedQuantity: 5, unitCost: 1)
        let clean = try policy.assess(
            line, currency: try Self.usd(), priors: [prior, prior], now: try Self.date(Self.now))
        #expect(!clean.isRepeatOffender && clean.classification == .withinTolerance)
        let drifting = CycleCountLine(
            sku: "S", location: "L", systemQuantity: 500, countedQuantity: 499, unitCost: 0.01)
        let flagged = try policy.assess(
            drifting, currency: try Self.usd(), priors: [prior], now: try Self.date(Self.now))
        #expect(flagged.isRepeatOffender && flagged.classification == .review)
    }

    @Test func theFixtureCountIsReviewedLineByLine() throws {
        // cycle_count.completed CC-0457.
        let lines = [
            CycleCountLine(
                sku: "BOLT-M8-40", location: "B-02-01", systemQuantity: 1_200, countedQuantity: 1_188, unitCost: 0.124),
            CycleCountLine(sku: "NUT-M8", location: "B-02-02", lot: "L77", systemQuantity: -4, countedQuantity: 0),
        ]
        let review = try VariancePolicy.standard(currency: try Self.usd()).review(
            lines, currency: try Self.usd(), now: try Self.date(Self.now))
        #expect(review.assessments.map(\.classification) == [.withinTolerance, .escalate])
        #expect(review.classification == .escalate)
        #expect(review.netValue.amountText == "-1.49")
        #expect(review.grossValue.amountText == "1.49")
        #expect(review.assessments[1].varianceValue == nil)
        #expect(review.assessments[1].variancePercent == 100)
        #expect(review.assessments[1].findings.map(\.code) == [.percentExceedsEscalation, .unvalued])
    }

    @Test func classificationsAreOrderedBySeverity() {
        #expect(VarianceClassification.allCases.sorted() == [.withinTolerance, .review, .escalate])
        #expect(VarianceClassification.allCases.map(\.rawValue) == ["within_tolerance", "review", "escalate"])
    }

    @Test func refusesUnusablePoliciesAndLines() throws {
        let usd = try Self.usd()
        let now = try Self.date(Self.now)
        let line = CycleCountLine(sku: "S", location: "L", systemQuantity: 1, countedQuantity: 1, unitCost: 1)
        var inverted = VariancePolicy.standard(currency: usd)
        inverted.escalation.value = Money(minorUnits: 100, currency: usd)
        var percentInverted = VariancePolicy.standard(currency: usd)
        percentInverted.escalation.percent = 1
        var badRule = VariancePolicy.standard(currency: usd)
        badRule.repeatOffenders = VariancePolicy.RepeatOffenderRule(occurrences: 1, windowDays: 30)
        var negative = VariancePolicy.standard(currency: usd)
        negative.review.percent = -1
        let cases: [(VariancePolicy, CycleCountLine, Currency, VarianceReviewError.Kind)] = [
            (inverted, line, usd, .invalidPolicy),
            (percentInverted, line, usd, .invalidPolicy),
            (badRule, line, usd, .invalidPolicy),
            (negative, line, usd, .invalidPolicy),
            (VariancePolicy.standard(currency: usd), line, try Currency("EUR"), .currencyMismatch),
            (
                VariancePolicy.standard(currency: usd),
                CycleCountLine(sku: "S", location: "L", systemQuantity: 1, countedQuantity: -1), usd, .invalidLine
            ),
            (
                VariancePolicy.standard(currency: usd),
                CycleCountLine(sku: "S", location: "L", systemQuantity: 1, countedQuantity: 1, unitCost: -1), usd,
                .invalidLine
            ),
        ]
        for (policy, line, currency, kind) in cases {
            let error = try #require(throws: VarianceReviewError.self) {
                try policy.assess(line, currency: currency, now: now)
            }
            #expect(error.kind == kind)
            #expect(error.code == kind.rawValue)
        }
    }
}
