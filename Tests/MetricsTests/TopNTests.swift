import Metrics
import Testing

@Suite("TopN")
struct TopNTests {
    @Test func keepsTheLargestAndSumsTheRestIntoOther() {
        let entries: [(label: String, value: Double)] = [
            ("acme", 5), ("globex", 40), ("initech", 12), ("umbrella", 3), ("hooli", 12),
        ]
        #expect(
            TopN(3).select(entries) == [
                .init(label: "globex", value: 40),
                .init(label: "hooli", value: 12),
                .init(label: "initech", value: 12),
                .init(label: "other", value: 8),
            ])
    }

    @Test func otherIsPresentEvenWhenNothingIsLeftOver() {
        #expect(
            TopN(5).select([("acme", 1)]) == [.init(label: "acme", value: 1), .init(label: "other", value: 0)])
        #expect(TopN(2).select([]) == [.init(label: "other", value: 0)])
    }

    @Test func anInputNamedOtherJoinsTheAggregate() {
        let result = TopN(1, otherLabel: "rest").select([("rest", 100), ("a", 1), ("b", 2)])
        #expect(result == [.init(label: "b", value: 2), .init(label: "rest", value: 101)])
    }

    @Test func zeroOrNegativeLimitsKeepOnlyOther() {
        #expect(TopN(-3).select([("a", 1), ("b", 2)]) == [.init(label: "other", value: 3)])
    }

    @Test func notANumberRanksLast() {
        let result = TopN(2).select([("broken", .nan), ("a", -5), ("b", 1)])
        #expect(result.map(\.label) == ["b", "a", "other"])
        #expect(result.last?.value.isNaN == true)
    }
}
