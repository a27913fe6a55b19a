import Foundation
import Metrics
import TestSupport
import Testing

/// Prometheus's own checker reads what a scrape would read, with its lint
/// rules on; it is the judge of "valid exposition" rather than our reading of
/// the format description.
@Suite("promtool check metrics")
struct PromtoolTests {
    static let promtool = "/usr/bin/promtool"

    struct Unreachable: Error {}

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: promtool), "needs promtool (apt: prometheus)"))
    func everyFeatureRendersValidExposition() async throws {
        let registry = MetricsRegistry(configuration: .init(maximumSeriesPerFamily: 3))
        let requests = try registry.counter(
            "countersign_http_requests_total", help: "Requests answered, by method, route and status.",
            labelNames: ["method", "route", "status"])
        try requests.labels("GET", "/v1/events", "200").increment(by: 1_000_000)
        try requests.labels("POST", "/v1/events", "201").increment()
        try requests.labels("POST", "/hooks/{tenant}/{source}", "401").increment()
        try requests.labels("PUT", "/v1/\"odd\"\\path\nwith newline", "500").increment()
        try registry.counter("countersign_cpu_seconds_total", help: "CPU time\\spent.\nSecond line.").labels()
            .add(0.000012)
        let gauges = try registry.gauge("countersign_pool_value", help: "Edge values.", labelNames: ["kind"])
        try gauges.labels("nan").set(.nan)
        try gauges.labels("inf").set(.infinity)
        try gauges.labels("neg").set(-.infinity)
        try gauges.labels("tiny").set(1e-300)
        let latency = try registry.histogram(
            "countersign_http_request_duration_seconds", help: "Time to answer.", labelNames: ["route"])
        try latency.labels("/v1/events").observe(0.01)
        try latency.labels("/v1/events").observe(.seconds(3))
        _ = try registry.histogram("countersign_idle_seconds", help: "Idle.", buckets: [1, 2]).labels().observe(1)
        try registry.registerCollector(named: "tenants") {
            let perTenant = (0..<50).map { (label: "tenant_\($0)", value: Double($0)) }
            return [
                CollectedFamily(
                    name: "countersign_tenant_open_exceptions", help: "Open exceptions, top tenants.", kind: .gauge,
                    labelNames: ["tenant"],
                    samples: TopN(5).select(perTenant).map { CollectedSample(labelValues: [$0.label], value: $0.value) }
                ),
                CollectedFamily(
                    name: "countersign_build_info", help: "Build.", kind: .untyped, labelNames: ["version"],
                    samples: [.init(labelValues: ["1.0.0"], value: 1)]),
            ]
        }
        try registry.registerCollector(named: "broken") { throw Unreachable() }

        let text = await registry.render()
        #expect(text.contains(#"countersign_http_requests_total{method="other",route="other",status="other"} 1"#))
        #expect(text.contains(#"countersign_metrics_collector_errors_total{collector="broken"} 1"#))
        #expect(text.contains(#"countersign_tenant_open_exceptions{tenant="other"} 990"#))
        let completed = try ChildProcess.run(
            executable: Self.promtool, arguments: ["check", "metrics"], input: Array(text.utf8))
        let report = String(decoding: completed.output + completed.errorOutput, as: UTF8.self)
        #expect(completed.status == 0, "promtool: \(report)\n\(text)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: promtool), "needs promtool (apt: prometheus)"))
    func promtoolRejectsWhatIsNotExposition() throws {
        // Shows the check above can fail: an unescaped quote in a label value.
        let completed = try ChildProcess.run(
            executable: Self.promtool, arguments: ["check", "metrics"],
            input: Array("# HELP x_total X.\n# TYPE x_total counter\nx_total{a=\"b\"c\"} 1\n".utf8))
        #expect(completed.status != 0)
    }
}
