/// A value that goes up and down: connections open, items in a queue.
///
/// Every operation is one relaxed atomic store or compare-and-swap on the
/// value's bit pattern. Values that are only known at scrape time (queue
/// depth in the database, pool usage) belong in a collector instead.
public struct Gauge: Sendable {
    let cell: GaugeCell
    let foldedObservations: CounterCell?

    public func set(_ value: Double) {
        cell.value.store(value)
        foldedObservations?.whole.wrappingAdd(1, ordering: .relaxed)
    }

    public func increment(by amount: Double = 1) {
        cell.value.add(amount)
        foldedObservations?.whole.wrappingAdd(1, ordering: .relaxed)
    }

    public func decrement(by amount: Double = 1) {
        increment(by: -amount)
    }

    /// The current value.
    public var value: Double { cell.value.load() }
}

final class GaugeCell: Sendable {
    let value = AtomicDouble()
}

/// A gauge with declared label names; `labels(...)` gives the series.
///
/// A folded gauge series (label values `other`) holds whatever its folded
/// callers last set or the sum of what they added; it tells that folding
/// happened more than it measures anything.
public final class GaugeFamily: Sendable {
    public let name: String
    public let help: String
    public let labelNames: [String]
    let series: SeriesTable<GaugeCell>
    let foldedObservations: CounterCell?

    init(name: String, help: String, labelNames: [String], maximumSeries: Int, foldedObservations: CounterCell?) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.series = SeriesTable(labelCount: labelNames.count, maximumSeries: maximumSeries) { GaugeCell() }
        self.foldedObservations = foldedObservations
        if labelNames.isEmpty { _ = series.lookup([]) }
    }

    /// The series for these label values, in the order of `labelNames`.
    public func labels(_ values: String...) throws(MetricsError) -> Gauge {
        try labels(values)
    }

    /// The series for these label values, in the order of `labelNames`.
    public func labels(_ values: [String]) throws(MetricsError) -> Gauge {
        try checkLabelCount(values, of: name, declared: labelNames)
        let lookup = series.lookup(values)
        return Gauge(cell: lookup.cell, foldedObservations: lookup.folded ? foldedObservations : nil)
    }

    func snapshot() -> FamilySnapshot {
        let samples = series.snapshot().map { entry in
            FamilySnapshot.Sample(
                name: name, labels: FamilySnapshot.labels(labelNames, entry.labelValues), value: entry.cell.value.load()
            )
        }
        return FamilySnapshot(name: name, help: help, type: "gauge", samples: samples)
    }
}
