import Foundation

/// How well the built-in model would have done on a tenant's own history.
///
/// A time-ordered split, never a random one: the model is trained on the earliest cases by
/// resolution time and judged on the later ones, as it will be used, so it cannot learn from
/// the future it is judged on.
public enum Evaluation {
    /// Trains on the first `trainingShare` of `cases` by resolution time and predicts the rest.
    ///
    /// - Throws: `insufficient_history` unless both parts get at least one case; `cross_tenant_case` when
    ///   the cases are not all of one tenant; `duplicate_case` for a repeated id.
    public static func backtest(
        cases: [ResolvedCase], trainingShare: Double = 0.8, configuration: TenantModel.Configuration = .init()
    ) throws(TriageError) -> EvaluationReport {
        let ordered = cases.sorted { a, b in a.resolvedAt != b.resolvedAt ? a.resolvedAt < b.resolvedAt : a.id < b.id }
        let split = Int((Double(ordered.count) * trainingShare).rounded(.down))
        guard let tenant = ordered.first?.tenant, split >= 1, split < ordered.count else {
            throw TriageError(
                .insufficientHistory, "a backtest needs at least one case to train on and one to test",
                field: "cases")
        }
        if let foreign = ordered.first(where: { $0.tenant != tenant }) {
            throw TriageError(
                .crossTenantCase, "case \(foreign.id.prefix(64)) is of another tenant; a backtest is per tenant",
                field: "tenant")
        }
        let model = try TenantModel.train(tenant: tenant, cases: Array(ordered[..<split]), configuration: configuration)
        var pairs: [(actual: RootCause, predicted: RootCause)] = []
        for resolved in ordered[split...] {
            let recommendation = try model.recommend(features: resolved.features)
            pairs.append((resolved.rootCause, recommendation.rootCause))
        }
        return EvaluationReport(tenant: tenant, trainCount: split, pairs: pairs)
    }
}

/// Top-1 accuracy, per-root-cause precision and recall, and confusion counts of a backtest.
public struct EvaluationReport: Sendable, Equatable {
    public struct ClassMetrics: Sendable, Equatable {
        public var rootCause: RootCause
        /// Of the test cases predicted as this root cause, the share that were (0 when none was predicted).
        public var precision: Double
        /// Of the test cases that were this root cause, the share predicted so (0 when none was).
        public var recall: Double
        /// Test cases that were this root cause.
        public var support: Int
    }

    public struct ConfusionCell: Sendable, Equatable {
        public var actual: RootCause
        public var predicted: RootCause
        public var count: Int
    }

    public var tenant: TenantID
    public var trainCount: Int
    public var testCount: Int
    public var correct: Int
    public var top1Accuracy: Double
    /// Sorted by root cause code.
    public var classes: [ClassMetrics]
    /// Non-zero cells, sorted by actual then predicted code.
    public var confusion: [ConfusionCell]

    init(tenant: TenantID, trainCount: Int, pairs: [(actual: RootCause, predicted: RootCause)]) {
        self.tenant = tenant
        self.trainCount = trainCount
        testCount = pairs.count
        correct = pairs.filter { $0.actual == $0.predicted }.count
        top1Accuracy = pairs.isEmpty ? 0 : Double(correct) / Double(pairs.count)
        var cells: [RootCause: [RootCause: Int]] = [:]
        for pair in pairs { cells[pair.actual, default: [:]][pair.predicted, default: 0] += 1 }
        let causes = Set(pairs.flatMap { [$0.actual, $0.predicted] }).sorted()
        classes = causes.map { cause in
            let truePositives = cells[cause]?[cause] ?? 0
            let predicted = pairs.filter { $0.predicted == cause }.count
            let actual = pairs.filter { $0.actual == cause }.count
            return ClassMetrics(
                rootCause: cause,
                precision: predicted == 0 ? 0 : Double(truePositives) / Double(predicted),
                recall: actual == 0 ? 0 : Double(truePositives) / Double(actual), support: actual)
        }
        confusion = causes.flatMap { actual in
            causes.compactMap { predicted in
                (cells[actual]?[predicted]).map { ConfusionCell(actual: actual, predicted: predicted, count: $0) }
            }
        }
    }

    /// The report as text; the last line is exactly `top1_accuracy=<three decimals>`.
    public var lines: [String] {
        var lines = ["backtest tenant=\(tenant) train=\(trainCount) test=\(testCount) correct=\(correct)"]
        for metrics in classes {
            lines.append(
                "class=\(metrics.rootCause) precision=\(FixedPoint.text(metrics.precision, places: 3)) "
                    + "recall=\(FixedPoint.text(metrics.recall, places: 3)) support=\(metrics.support)")
        }
        for cell in confusion {
            lines.append("confusion actual=\(cell.actual) predicted=\(cell.predicted) count=\(cell.count)")
        }
        lines.append("top1_accuracy=\(FixedPoint.text(top1Accuracy, places: 3))")
        return lines
    }
}
