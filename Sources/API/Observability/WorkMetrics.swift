import Delivery
import Engine
import Ingest
import Metrics

/// Counters and histograms for the work behind the API: ingest group
/// commits, workflow steps and outbound deliveries. The modules doing the
/// work only call observers; this type turns them into Prometheus families,
/// so Ingest, Engine and Delivery stay free of any metrics dependency.
public struct WorkMetrics: Sendable {
    let submissions: CounterFamily
    let commits: Histogram
    let batchSize: Histogram
    let steps: HistogramFamily
    let deliveries: CounterFamily

    public init(registry: MetricsRegistry) throws {
        submissions = try registry.counter(
            "countersign_ingest_submissions_total", help: "Ingest requests answered by a group commit, by HTTP status.",
            labelNames: ["status"])
        commits = try registry.histogram(
            "countersign_ingest_commit_duration_seconds", help: "Time to write and commit one ingest batch.").labels()
        batchSize = try registry.histogram(
            "countersign_ingest_commit_submissions", help: "Requests sharing one ingest commit.",
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1_000]).labels()
        steps = try registry.histogram(
            "countersign_engine_step_duration_seconds", help: "Time to execute and commit one workflow step, by step kind.",
            labelNames: ["kind"])
        deliveries = try registry.counter(
            "countersign_deliveries_total", help: "Outbound webhook deliveries, by outcome.", labelNames: ["outcome"])
    }

    public var ingestObserver: IngestService.CommitObserver {
        { [self] statuses, duration in
            commits.observe(duration)
            batchSize.observe(Double(statuses.count))
            for status in statuses { try? submissions.labels(String(status)).increment() }
        }
    }

    public var stepObserver: WorkflowEngine.StepObserver {
        { [self] kind, duration in try? steps.labels(kind).observe(duration) }
    }

    public func record(_ pass: DeliveryWorker.PassResult) {
        for (outcome, count) in [("delivered", pass.delivered), ("failed", pass.failed), ("dead_lettered", pass.deadLettered)]
        where count > 0 {
            try? deliveries.labels(outcome).increment(by: UInt64(count))
        }
    }
}
