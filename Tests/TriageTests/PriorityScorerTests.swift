import Finance
import Foundation
import Testing

@testable import Triage

@Suite("Priority scores")
struct PriorityScorerTests {
    let scorer: PriorityScorer
    let now = TriageFixtures.now

    init() throws {
        scorer = try PriorityScorer(configuration: .init(currency: TriageFixtures.usd))
    }

    func input(_ exception: OpenException, typicalHours: Double = 24, history: SupplierHistory = .none) -> PriorityInput
    {
        PriorityInput(exception: exception, typicalCycleTime: typicalHours * 3600, supplierHistory: history)
    }

    @Test("the total is the sum of the four components, within 0…100, each with a sentence")
    func parts() throws {
        let history = try SupplierHistory(exceptions: 10, creditedOrDisputed: 6)
        let score = try scorer.score(input(TriageFixtures.exception(), history: history), now: now)
        #expect(score.components.map(\.factor) == PriorityScore.Factor.allCases)
        #expect(abs(score.total - score.components.reduce(0) { $0 + $1.points }) < 1e-9)
        #expect((0...100).contains(score.total))
        for component in score.components {
            #expect((0...1).contains(component.strength))
            #expect(component.points <= component.weight)
            #expect(!component.sentence.isEmpty)
        }
        #expect(score.component(.supplierHistory)?.sentence.hasPrefix("6 of supplier S3's 10 past exceptions") == true)
        #expect(
            score.component(.slaRisk)?.sentence.contains("due in 2 days and this role typically takes 24 h: on track")
                == true)
        // Two days left against a one-day typical cycle: one third.
        #expect(abs((score.component(.slaRisk)?.strength ?? 0) - 1.0 / 3.0) < 1e-12)
    }

    @Test("each factor raises the score when it grows, all else equal")
    func monotone() throws {
        func total(_ exception: OpenException, typical: Double = 24, history: SupplierHistory = .none) throws -> Double
        {
            try scorer.score(input(exception, typicalHours: typical, history: history), now: now).total
        }
        let base = try total(TriageFixtures.exception())
        #expect(try total(TriageFixtures.exception(exposure: 1_250_000)) > base)
        #expect(try total(TriageFixtures.exception(document: 25_000_000)) > base)
        #expect(try total(TriageFixtures.exception(dueInHours: 4)) > base)
        #expect(try total(TriageFixtures.exception(dueInHours: 48), typical: 72) > base)
        #expect(try total(TriageFixtures.exception(openedHoursAgo: 240)) > base)
        #expect(
            try total(TriageFixtures.exception(), history: try SupplierHistory(exceptions: 20, creditedOrDisputed: 15))
                > base)
    }

    @Test("an overdue exception has full SLA risk")
    func overdue() throws {
        let score = try scorer.score(input(TriageFixtures.exception(dueInHours: -3)), now: now)
        #expect(score.component(.slaRisk)?.strength == 1)
        #expect(score.component(.slaRisk)?.sentence.hasPrefix("overdue by 3 h") == true)
    }

    @Test("the queue ranks by total, then earlier due date, then id — the same every time")
    func ordering() throws {
        let inputs = [
            input(TriageFixtures.exception(id: "small-late", exposure: 500, dueInHours: 2)),
            input(
                TriageFixtures.exception(
                    id: "big-fresh", exposure: 5_000_000, document: 50_000_000, openedHoursAgo: 1, dueInHours: 200)),
            input(
                TriageFixtures.exception(
                    id: "tiny-calm", exposure: 100, document: 1_000, openedHoursAgo: 1, dueInHours: 400)),
            input(TriageFixtures.exception(id: "b-twin", dueInHours: 30)),
            input(TriageFixtures.exception(id: "a-twin", dueInHours: 30)),
            input(
                TriageFixtures.exception(id: "overdue-bad-supplier", exposure: 80_000, dueInHours: -10),
                history: try SupplierHistory(exceptions: 8, creditedOrDisputed: 7)),
        ]
        let ranked = try scorer.rank(inputs, now: now).map(\.exceptionID)
        #expect(ranked == ["overdue-bad-supplier", "small-late", "big-fresh", "a-twin", "b-twin", "tiny-calm"])
        #expect(try scorer.rank(inputs.reversed(), now: now).map(\.exceptionID) == ranked)
    }

    @Test("amounts in another currency, bad cycle times, weights and histories are refused")
    func refusals() throws {
        var foreign = TriageFixtures.exception()
        foreign.exposure = Money(minorUnits: 100, currency: TriageFixtures.eur)
        let mismatch = try #require(throws: TriageError.self) { try scorer.score(input(foreign), now: now) }
        #expect(mismatch.code == "currency_mismatch")
        #expect(throws: TriageError.self) {
            try scorer.score(input(TriageFixtures.exception(), typicalHours: 0), now: now)
        }
        var configuration = PriorityScorer.Configuration(currency: TriageFixtures.usd)
        configuration.ageWeight = 30
        #expect(throws: TriageError.self) { try PriorityScorer(configuration: configuration) }
        #expect(throws: TriageError.self) { try SupplierHistory(exceptions: 2, creditedOrDisputed: 3) }
    }
}
