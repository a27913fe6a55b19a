import Foundation
import Testing

@testable import Triage

@Suite("Demo history and backtest")
struct EvaluationTests {
    let tenant = TriageFixtures.tenant

    @Test("the same seed gives the same history; another seed another")
    func determinism() throws {
        let first = DemoHistory.generate(tenant: tenant, count: 300, seed: 42)
        let again = DemoHistory.generate(tenant: tenant, count: 300, seed: 42)
        let other = DemoHistory.generate(tenant: tenant, count: 300, seed: 43)
        #expect(first == again)
        #expect(first != other)
        #expect(first.count == 300)
        #expect(Set(first.map(\.id)).count == 300)
    }

    @Test("the history spans about twelve months and is ordered by resolution time")
    func span() throws {
        let cases = DemoHistory.generate(tenant: tenant, count: 2_000, seed: 7)
        let first = try #require(cases.first).openedAt
        let last = try #require(cases.map(\.openedAt).max())
        let days = last.timeIntervalSince(first) / 86_400
        #expect(days > 330 && days < 366)
        #expect(zip(cases, cases.dropFirst()).allSatisfy { $0.resolvedAt <= $1.resolvedAt })
        #expect(cases.allSatisfy { $0.resolvedAt > $0.openedAt && $0.tenant == tenant })
    }

    @Test("the backtest reaches a top-1 accuracy of at least 0.8", arguments: [1, 2024, 987_654_321] as [UInt64])
    func accuracy(seed: UInt64) throws {
        let cases = DemoHistory.generate(tenant: tenant, count: 2_000, seed: seed)
        let report = try Evaluation.backtest(cases: cases)
        #expect(report.trainCount == 1_600)
        #expect(report.testCount == 400)
        #expect(report.top1Accuracy >= 0.8)
    }

    @Test("the report's last line is exactly top1_accuracy with three decimals")
    func lastLine() throws {
        let report = try Evaluation.backtest(cases: DemoHistory.generate(tenant: tenant, count: 500, seed: 5))
        let last = try #require(report.lines.last)
        let expected = String(format: "top1_accuracy=%.3f", report.top1Accuracy)
        #expect(last == expected)
        #expect(last.wholeMatch(of: /top1_accuracy=[01]\.\d{3}/) != nil)
    }

    @Test("precision, recall and confusion counts agree with the predictions")
    func metrics() throws {
        let report = try Evaluation.backtest(cases: DemoHistory.generate(tenant: tenant, count: 1_000, seed: 11))
        #expect(report.confusion.reduce(0) { $0 + $1.count } == report.testCount)
        #expect(report.confusion.filter { $0.actual == $0.predicted }.reduce(0) { $0 + $1.count } == report.correct)
        #expect(report.classes.reduce(0) { $0 + $1.support } == report.testCount)
        for metrics in report.classes {
            #expect((0...1).contains(metrics.precision) && (0...1).contains(metrics.recall))
            let truePositives =
                report.confusion.first { $0.actual == metrics.rootCause && $0.predicted == metrics.rootCause }?.count
                ?? 0
            if metrics.support > 0 {
                #expect(abs(metrics.recall - Double(truePositives) / Double(metrics.support)) < 1e-12)
            }
        }
    }

    @Test("a backtest needs cases on both sides of the split, all of one tenant")
    func refusals() throws {
        let one = DemoHistory.generate(tenant: tenant, count: 1, seed: 1)
        #expect(throws: TriageError.self) { try Evaluation.backtest(cases: one) }
        var mixed = DemoHistory.generate(tenant: tenant, count: 50, seed: 1)
        mixed += DemoHistory.generate(tenant: TriageFixtures.otherTenant, count: 5, seed: 1)
        let error = try #require(throws: TriageError.self) { try Evaluation.backtest(cases: mixed) }
        #expect(error.code == "cross_tenant_case")
    }
}
