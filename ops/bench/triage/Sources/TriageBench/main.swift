import Foundation
import Triage

// Usage: TriageBench [cases] [recommendations] [rounds]
//
// Trains one tenant's model on `cases` resolved cases from DemoHistory (seed 7), then times
// `recommendations` recommendations for exceptions drawn from another seed's history, each with
// its similar cases and reasons, as the assist step asks for them. Prints the training time,
// the median, p90 and p99 latency of one recommendation over all rounds, and the backtest
// accuracy on the same history. Figures, not thresholds: compare runs on the same idle machine.
let arguments = CommandLine.arguments
let caseCount = arguments.count > 1 ? Int(arguments[1]) ?? 100_000 : 100_000
let perRound = arguments.count > 2 ? Int(arguments[2]) ?? 2_000 : 2_000
let rounds = arguments.count > 3 ? Int(arguments[3]) ?? 5 : 5

let tenant = try TenantID("bench")
let history = DemoHistory.generate(tenant: tenant, count: caseCount, seed: 7)
let queries = DemoHistory.generate(tenant: tenant, count: perRound, seed: 99).map(\.features)

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
}

let clock = ContinuousClock()
let trainingStart = clock.now
let model = try TenantModel.train(tenant: tenant, cases: history)
let training = clock.now - trainingStart
print(
    "model: \(model.caseCount) cases, \(model.knownRootCauses.count) root causes; trained in \(String(format: "%.0f", milliseconds(training))) ms"
)

/// Keeps results alive so the optimiser cannot drop the work.
nonisolated(unsafe) var sink = 0
var latencies: [Double] = []
latencies.reserveCapacity(perRound * rounds)
for _ in 0..<rounds {
    for features in queries {
        let start = clock.now
        let recommendation = try model.recommend(features: features)
        latencies.append(milliseconds(clock.now - start))
        sink &+= recommendation.similarCases.count + recommendation.reasons.count
    }
}
latencies.sort()
let sorted = latencies
func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
print(
    "recommend: \(latencies.count) calls; median \(String(format: "%.3f", percentile(0.5))) ms, "
        + "p90 \(String(format: "%.3f", percentile(0.9))) ms, p99 \(String(format: "%.3f", percentile(0.99))) ms "
        + "(target: median < 5 ms)")

let backtestStart = clock.now
let report = try Evaluation.backtest(cases: history)
print("backtest: \(report.lines.last ?? "") in \(String(format: "%.0f", milliseconds(clock.now - backtestStart))) ms")
if sink == -1 { print(sink) }
