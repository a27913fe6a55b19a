import Metrics
import Testing

@Suite("Concurrent recording")
struct ConcurrencyTests {
    @Test func parallelRecordingLosesNothing() async throws {
        let registry = MetricsRegistry()
        let requests = try registry.counter("requests_total", help: "Requests.", labelNames: ["route"])
        let seconds = try registry.counter("busy_seconds_total", help: "Busy time.").labels()
        let inFlight = try registry.gauge("in_flight", help: "In flight.").labels()
        let level = try registry.gauge("level", help: "Level.").labels()
        let latency = try registry.histogram("latency_seconds", help: "Latency.", buckets: [0.5, 1]).labels()
        let tasks = 8
        let iterations = 5_000

        await withTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    // Every task looks the series up itself, so the lookup
                    // races too and must hand all of them the same series.
                    guard let counter = try? requests.labels("/v1/events") else { return }
                    for iteration in 0..<iterations {
                        counter.increment()
                        try? seconds.add(0.25)
                        inFlight.increment()
                        level.increment(by: 1)
                        inFlight.decrement()
                        latency.observe(iteration.isMultiple(of: 2) ? 0.5 : 2)
                    }
                    _ = task
                }
            }
        }

        let total = Double(tasks * iterations)
        #expect(try requests.labels("/v1/events").value == total)
        #expect(seconds.value == total * 0.25)
        #expect(inFlight.value == 0)
        #expect(level.value == total)
        #expect(latency.count == UInt64(tasks * iterations))
        #expect(latency.sum == total / 2 * 0.5 + total / 2 * 2)
        let text = await registry.render()
        #expect(text.contains("latency_seconds_bucket{le=\"0.5\"} \(tasks * iterations / 2)\n"))
        #expect(text.contains("latency_seconds_bucket{le=\"+Inf\"} \(tasks * iterations)\n"))
    }
}
