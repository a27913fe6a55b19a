import Billing
import Metering
import Testing

@Suite("Meter ↔ metric mapping")
struct MeterMetricTests {
    @Test func everyMeterHasItsOwnMetricAndMapsBack() {
        let names = Meter.allCases.map(MeterMetric.name(of:))
        #expect(Set(names).count == Meter.allCases.count)
        for meter in Meter.allCases {
            #expect(MeterMetric.meter(named: MeterMetric.name(of: meter)) == meter)
        }
        // The names the existing writers already use.
        #expect(MeterMetric.meter(named: "events.accepted") == .eventsAccepted)
        #expect(MeterMetric.meter(named: "engine.runs_started") == .runsStarted)
        #expect(MeterMetric.meter(named: "engine.runs_completed") == .runsCompleted)
        #expect(MeterMetric.meter(named: "engine.steps") == nil)
    }
}
