import Synchronization

/// A value that only goes up: requests served, bytes sent, seconds spent.
///
/// A handle is two references; keep it (in a stored property, per label
/// combination) rather than calling `labels(...)` per event. Whole-number
/// increments are a single relaxed atomic add on an integer, so they are
/// exact at any count; fractional amounts go to a separate double.
public struct Counter: Sendable {
    let cell: CounterCell
    /// The family's folded-observations counter when this handle was folded
    /// into the overflow series; nil otherwise.
    let foldedObservations: CounterCell?

    /// Adds one.
    public func increment() {
        increment(by: 1)
    }

    /// Adds a whole number.
    public func increment(by count: UInt64) {
        cell.whole.wrappingAdd(count, ordering: .relaxed)
        foldedObservations?.whole.wrappingAdd(1, ordering: .relaxed)
    }

    /// Adds a non-negative amount such as elapsed seconds. Negative amounts
    /// are refused because a counter that went down reads as a process
    /// restart to `rate()`; NaN and infinity because they would stick to the
    /// total for the rest of the process's life.
    public func add(_ amount: Double) throws(MetricsError) {
        guard amount >= 0, amount.isFinite else {
            throw MetricsError(.invalidIncrement, "a counter cannot be increased by \(PrometheusText.format(amount))")
        }
        cell.fraction.add(amount)
        foldedObservations?.whole.wrappingAdd(1, ordering: .relaxed)
    }

    /// The current total.
    public var value: Double { cell.value }
}

final class CounterCell: Sendable {
    let whole = Atomic<UInt64>(0)
    let fraction = AtomicDouble()

    var value: Double {
        Double(whole.load(ordering: .relaxed)) + fraction.load()
    }
}

/// A counter with declared label names; `labels(...)` gives the series.
public final class CounterFamily: Sendable {
    public let name: String
    public let help: String
    public let labelNames: [String]
    let series: SeriesTable<CounterCell>
    /// This family's series in `countersign_metrics_series_folded_total`.
    let foldedObservations: CounterCell?

    init(name: String, help: String, labelNames: [String], maximumSeries: Int, foldedObservations: CounterCell?) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.series = SeriesTable(labelCount: labelNames.count, maximumSeries: maximumSeries) { CounterCell() }
        self.foldedObservations = foldedObservations
        // An unlabelled counter is exposed at 0 from the start, so that
        // `rate()` sees its first increment.
        if labelNames.isEmpty { _ = series.lookup([]) }
    }

    /// The series for these label values, in the order of `labelNames`.
    public func labels(_ values: String...) throws(MetricsError) -> Counter {
        try labels(values)
    }

    /// The series for these label values, in the order of `labelNames`.
    public func labels(_ values: [String]) throws(MetricsError) -> Counter {
        try checkLabelCount(values, of: name, declared: labelNames)
        let lookup = series.lookup(values)
        return Counter(cell: lookup.cell, foldedObservations: lookup.folded ? foldedObservations : nil)
    }

    func snapshot() -> FamilySnapshot {
        let samples = series.snapshot().map { entry in
            FamilySnapshot.Sample(
                name: name, labels: FamilySnapshot.labels(labelNames, entry.labelValues), value: entry.cell.value)
        }
        return FamilySnapshot(name: name, help: help, type: "counter", samples: samples)
    }
}

func checkLabelCount(_ values: [String], of name: String, declared: [String]) throws(MetricsError) {
    guard values.count == declared.count else {
        throw MetricsError(
            .labelCountMismatch,
            "\(name) declares \(declared.count) label(s) (\(declared.joined(separator: ", "))) but was given \(values.count)",
            field: name)
    }
}
