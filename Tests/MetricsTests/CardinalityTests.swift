import Metrics
import Testing

@Suite("Bounded cardinality")
struct CardinalityTests {
    @Test func newCombinationsBeyondTheLimitFoldIntoOther() async throws {
        let registry = MetricsRegistry(configuration: .init(maximumSeriesPerFamily: 2))
        let family = try registry.counter("tenant_events_total", help: "Events per tenant.", labelNames: ["tenant"])
        try family.labels("acme").increment()
        try family.labels("globex").increment()
        let initech = try family.labels("initech")
        initech.increment()
        initech.increment()
        try family.labels("umbrella").increment(by: 5)
        // Known series keep working after the limit is reached.
        try family.labels("acme").increment()

        let text = await registry.render()
        let expected = """
            # HELP countersign_metrics_series_folded_total Observations recorded into a family's overflow series \
            (label values "other") because the family reached its series limit.
            # TYPE countersign_metrics_series_folded_total counter
            countersign_metrics_series_folded_total{family="tenant_events_total"} 3
            # HELP tenant_events_total Events per tenant.
            # TYPE tenant_events_total counter
            tenant_events_total{tenant="acme"} 2
            tenant_events_total{tenant="globex"} 1
            tenant_events_total{tenant="other"} 7

            """
        #expect(text == expected)
    }

    @Test func explicitOtherSharesTheSeriesWithoutCountingAsFolded() async throws {
        let registry = MetricsRegistry()
        let family = try registry.gauge(
            "queue_items", help: "Items.", labelNames: ["queue", "tenant"], maximumSeries: 1)
        try family.labels("ingest", "acme").set(1)
        try family.labels("delivery", "acme").increment(by: 4)
        try family.labels("other", "other").increment(by: 2)
        #expect(try family.labels("other", "other").value == 6)
        let text = await registry.render()
        #expect(text.contains(#"countersign_metrics_series_folded_total{family="queue_items"} 1"#))
        #expect(text.contains(#"queue_items{queue="other",tenant="other"} 6"#))
    }

    @Test func foldedHistogramObservationsAreCounted() async throws {
        let registry = MetricsRegistry()
        let family = try registry.histogram(
            "step_seconds", help: "Steps.", labelNames: ["step"], buckets: [1], maximumSeries: 1)
        try family.labels("match").observe(0.5)
        let folded = try family.labels("allocate")
        folded.observe(2)
        folded.observe(0.5)
        let text = await registry.render()
        #expect(text.contains(#"countersign_metrics_series_folded_total{family="step_seconds"} 2"#))
        #expect(text.contains(#"step_seconds_count{step="other"} 2"#))
        #expect(text.contains(#"step_seconds_count{step="match"} 1"#))
    }
}
