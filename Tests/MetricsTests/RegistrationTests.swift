import Metrics
import Testing

@Suite("Registration")
struct RegistrationTests {
    @Test(arguments: ["", "1abc", "a-b", "a b", "caf\u{e9}", "a.b", "total{}"])
    func invalidMetricNamesAreRejected(name: String) {
        let registry = MetricsRegistry()
        let error = #expect(throws: MetricsError.self) { try registry.counter(name, help: "x") }
        #expect(error?.code == "invalid_metric_name")
    }

    @Test(arguments: ["a", "_x", ":x", "job:rate5m", "A_b_9"])
    func validMetricNamesAreAccepted(name: String) throws {
        _ = try MetricsRegistry().gauge(name, help: "x")
    }

    @Test(arguments: [["__reserved"], ["a:b"], ["1a"], [""], ["a", "a"], ["ok", "m\u{fc}"]])
    func invalidLabelNamesAreRejected(labels: [String]) {
        let registry = MetricsRegistry()
        let error = #expect(throws: MetricsError.self) {
            try registry.counter("x_total", help: "x", labelNames: labels)
        }
        #expect(error?.code == "invalid_label_name")
    }

    @Test func leIsReservedOnlyForHistograms() throws {
        let registry = MetricsRegistry()
        _ = try registry.gauge("threshold", help: "x", labelNames: ["le"])
        let error = #expect(throws: MetricsError.self) {
            try registry.histogram("latency_seconds", help: "x", labelNames: ["le"])
        }
        #expect(error?.code == "invalid_label_name")
    }

    @Test func emptyHelpIsRejected() {
        let error = #expect(throws: MetricsError.self) { try MetricsRegistry().counter("x_total", help: "  ") }
        #expect(error?.code == "metric_help_missing")
    }

    @Test(arguments: [[1.0, 1.0], [2, 1], [Double.nan], [-Double.infinity, 1], [1, .infinity, 2]])
    func invalidBucketsAreRejected(buckets: [Double]) {
        let error = #expect(throws: MetricsError.self) {
            try MetricsRegistry().histogram("h_seconds", help: "x", buckets: buckets)
        }
        #expect(error?.code == "invalid_histogram_buckets")
    }

    @Test func theSameShapeTwiceGivesTheSameFamily() throws {
        let registry = MetricsRegistry()
        let first = try registry.counter("jobs_total", help: "Jobs.", labelNames: ["kind"])
        let second = try registry.counter("jobs_total", help: "Jobs.", labelNames: ["kind"])
        #expect(first === second)
        try first.labels("a").increment()
        #expect(try second.labels("a").value == 1)
        let latency = try registry.histogram("run_seconds", help: "Runs.", buckets: [1, 2])
        #expect(try registry.histogram("run_seconds", help: "Runs.", buckets: [1, 2, .infinity]) === latency)
    }

    @Test func aDifferentShapeUnderATakenNameIsRejected() throws {
        let registry = MetricsRegistry()
        _ = try registry.counter("jobs_total", help: "Jobs.", labelNames: ["kind"])
        _ = try registry.histogram("run_seconds", help: "Runs.", buckets: [1, 2])
        let attempts: [() throws -> Void] = [
            { _ = try registry.gauge("jobs_total", help: "Jobs.", labelNames: ["kind"]) },
            { _ = try registry.counter("jobs_total", help: "Other help.", labelNames: ["kind"]) },
            { _ = try registry.counter("jobs_total", help: "Jobs.", labelNames: ["type"]) },
            { _ = try registry.counter("jobs_total", help: "Jobs.", labelNames: ["kind"], maximumSeries: 5) },
            { _ = try registry.histogram("run_seconds", help: "Runs.", buckets: [1, 3]) },
            { _ = try registry.counter(MetricsRegistry.collectorErrorsMetricName, help: "Mine.") },
        ]
        for attempt in attempts {
            let error = #expect(throws: MetricsError.self) { try attempt() }
            #expect(error?.code == "metric_already_registered")
        }
    }

    @Test func histogramSeriesNamesCannotBeTakenEitherWay() throws {
        let registry = MetricsRegistry()
        _ = try registry.histogram("wait_seconds", help: "Waits.")
        _ = try registry.counter("queue_sum", help: "A sum.")
        let clashes: [() throws -> Void] = [
            { _ = try registry.gauge("wait_seconds_count", help: "x") },
            { _ = try registry.counter("wait_seconds_bucket", help: "x") },
            { _ = try registry.histogram("queue", help: "x") },
        ]
        for clash in clashes {
            let error = #expect(throws: MetricsError.self) { try clash() }
            #expect(error?.code == "metric_already_registered")
        }
    }

    @Test func labelValuesMustMatchTheDeclaredLabels() throws {
        let family = try MetricsRegistry().counter("calls_total", help: "Calls.", labelNames: ["method", "route"])
        let error = #expect(throws: MetricsError.self) { try family.labels("GET") }
        #expect(error?.code == "label_count_mismatch")
        #expect(error?.field == "calls_total")
        #expect(throws: MetricsError.self) { try family.labels("GET", "/", "200") }
    }
}
