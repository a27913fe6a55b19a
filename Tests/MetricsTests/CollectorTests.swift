import Metrics
import Synchronization
import Testing

@Suite("Collectors")
struct CollectorTests {
    struct DatabaseUnavailable: Error {}

    final class ErrorLog: Sendable {
        let names = Mutex<[String]>([])
    }

    @Test func collectorSamplesAreRenderedAndFailuresCountedWithoutBreakingTheScrape() async throws {
        let log = ErrorLog()
        let registry = MetricsRegistry(
            configuration: .init(onCollectorError: { name, _ in log.names.withLock { $0.append(name) } }))
        _ = try registry.counter("served_total", help: "Served.")
        try registry.registerCollector(named: "queues") {
            await Task.yield()
            return [
                CollectedFamily(
                    name: "outbox_pending", help: "Deliveries waiting.", kind: .gauge, labelNames: ["tenant"],
                    samples: [
                        CollectedSample(labelValues: ["globex"], value: 2),
                        CollectedSample(labelValues: ["acme"], value: 7),
                    ])
            ]
        }
        try registry.registerCollector(named: "database") { throw DatabaseUnavailable() }
        try registry.registerCollector(named: "miscounted") {
            [
                CollectedFamily(
                    name: "bad_labels", help: "Two labels, one value.", kind: .gauge, labelNames: ["a", "b"],
                    samples: [CollectedSample(labelValues: ["x"], value: 1)])
            ]
        }
        try registry.registerCollector(named: "shadowing") {
            [CollectedFamily(name: "served_total", help: "Clash.", kind: .counter, samples: [.init(value: 99)])]
        }

        let first = await registry.render()
        let expected = """
            # HELP countersign_metrics_collector_errors_total Scrapes in which a collector threw or returned \
            invalid samples; its samples were left out.
            # TYPE countersign_metrics_collector_errors_total counter
            countersign_metrics_collector_errors_total{collector="database"} 1
            countersign_metrics_collector_errors_total{collector="miscounted"} 1
            countersign_metrics_collector_errors_total{collector="queues"} 0
            countersign_metrics_collector_errors_total{collector="shadowing"} 1
            # HELP outbox_pending Deliveries waiting.
            # TYPE outbox_pending gauge
            outbox_pending{tenant="acme"} 7
            outbox_pending{tenant="globex"} 2
            # HELP served_total Served.
            # TYPE served_total counter
            served_total 0

            """
        #expect(first == expected)
        #expect(log.names.withLock { $0.sorted() } == ["database", "miscounted", "shadowing"])

        let second = await registry.render()
        #expect(second.contains(#"countersign_metrics_collector_errors_total{collector="database"} 2"#))
        #expect(second.contains(#"outbox_pending{tenant="acme"} 7"#))
    }

    @Test func collectorsAreReadAtEveryScrape() async throws {
        let registry = MetricsRegistry()
        let depth = Mutex(1.0)
        try registry.registerCollector(named: "depth") {
            [
                CollectedFamily(
                    name: "queue_depth", help: "Depth.", kind: .untyped,
                    samples: [.init(value: depth.withLock { $0 })])
            ]
        }
        #expect(await registry.render().contains("queue_depth 1\n"))
        depth.withLock { $0 = 42 }
        let text = await registry.render()
        #expect(text.contains("# TYPE queue_depth untyped\nqueue_depth 42\n"))
    }

    @Test func twoCollectorsExposingOneFamilyKeepTheFirstByName() async throws {
        let registry = MetricsRegistry()
        for name in ["b_second", "a_first"] {
            try registry.registerCollector(named: name) {
                [
                    CollectedFamily(
                        name: "shared", help: "Shared.", kind: .gauge,
                        samples: [.init(value: name == "a_first" ? 1 : 2)])
                ]
            }
        }
        let text = await registry.render()
        #expect(text.contains("shared 1\n"))
        #expect(!text.contains("shared 2\n"))
        #expect(text.contains(#"countersign_metrics_collector_errors_total{collector="b_second"} 1"#))
    }

    @Test(arguments: [
        CollectedFamily(name: "bad-name", help: "Dash.", kind: .gauge, samples: [.init(value: 1)]),
        CollectedFamily(name: "no_help", help: " ", kind: .gauge, samples: [.init(value: 1)]),
        CollectedFamily(name: "reserved", help: "Label.", kind: .gauge, labelNames: ["__x"], samples: []),
        CollectedFamily(
            name: "twice", help: "Same series twice.", kind: .gauge, labelNames: ["t"],
            samples: [.init(labelValues: ["a"], value: 1), .init(labelValues: ["a"], value: 2)]),
    ])
    func malformedOutputIsSkippedAndCounted(family: CollectedFamily) async throws {
        let registry = MetricsRegistry()
        try registry.registerCollector(named: "faulty") { [family] }
        let text = await registry.render()
        #expect(text.contains(#"countersign_metrics_collector_errors_total{collector="faulty"} 1"#))
        #expect(!text.contains("# HELP \(family.name)"))
    }

    @Test func collectorNamesAreUnique() throws {
        let registry = MetricsRegistry()
        try registry.registerCollector(named: "pool") { [] }
        let error = #expect(throws: MetricsError.self) { try registry.registerCollector(named: "pool") { [] } }
        #expect(error?.code == "duplicate_collector")
    }
}
