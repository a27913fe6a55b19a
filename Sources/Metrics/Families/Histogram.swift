import Synchronization

/// A distribution of observed values (latencies, sizes) in fixed buckets.
///
/// An observation finds its bucket by binary search over the bounds, then
/// does one relaxed atomic add on that bucket's count and one
/// compare-and-swap add on the sum; no lock. Counts are kept per bucket and
/// made cumulative at scrape time, and `_count` is the sum of the bucket
/// counts read in that same scrape, so `_count` always equals the `+Inf`
/// bucket. `_sum` is read separately and may include an observation whose
/// bucket was not yet counted; Prometheus tolerates that skew.
public struct Histogram: Sendable {
    let cell: HistogramCell
    let foldedObservations: CounterCell?

    /// Records a value. A value equal to a bound counts in that bound's
    /// bucket (`le` means less than or equal). NaN is dropped: it is no
    /// measurement, and it would turn `_sum` into NaN for good.
    public func observe(_ value: Double) {
        guard !value.isNaN else { return }
        cell.buckets[cell.bucketIndex(for: value)].count.wrappingAdd(1, ordering: .relaxed)
        cell.sum.add(value)
        foldedObservations?.whole.wrappingAdd(1, ordering: .relaxed)
    }

    /// Records a duration in seconds, the Prometheus base unit for time.
    public func observe(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        observe(Double(seconds) + Double(attoseconds) * 1e-18)
    }

    /// How many values were observed.
    public var count: UInt64 {
        cell.buckets.reduce(0) { $0 &+ $1.count.load(ordering: .relaxed) }
    }

    /// The sum of the observed values.
    public var sum: Double { cell.sum.load() }
}

final class BucketCount: Sendable {
    let count = Atomic<UInt64>(0)
}

final class HistogramCell: Sendable {
    let bounds: [Double]
    /// One per bound, then one for values above the last bound (`+Inf`).
    let buckets: [BucketCount]
    let sum = AtomicDouble()

    init(bounds: [Double]) {
        self.bounds = bounds
        self.buckets = (0...bounds.count).map { _ in BucketCount() }
    }

    /// The first bucket whose bound is at least `value`.
    func bucketIndex(for value: Double) -> Int {
        var low = 0
        var high = bounds.count
        while low < high {
            let middle = (low + high) / 2
            if bounds[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// A histogram with declared label names and fixed bucket bounds.
public final class HistogramFamily: Sendable {
    public let name: String
    public let help: String
    public let labelNames: [String]
    /// The finite upper bounds; `+Inf` follows them.
    public let buckets: [Double]
    let series: SeriesTable<HistogramCell>
    let foldedObservations: CounterCell?

    init(
        name: String, help: String, labelNames: [String], buckets: [Double], maximumSeries: Int,
        foldedObservations: CounterCell?
    ) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.buckets = buckets
        self.series = SeriesTable(labelCount: labelNames.count, maximumSeries: maximumSeries) {
            HistogramCell(bounds: buckets)
        }
        self.foldedObservations = foldedObservations
        if labelNames.isEmpty { _ = series.lookup([]) }
    }

    /// The names of the series a histogram exposes; no other family may take them.
    static func derivedNames(of name: String) -> [String] {
        [name + "_bucket", name + "_sum", name + "_count"]
    }

    /// The series for these label values, in the order of `labelNames`.
    public func labels(_ values: String...) throws(MetricsError) -> Histogram {
        try labels(values)
    }

    /// The series for these label values, in the order of `labelNames`.
    public func labels(_ values: [String]) throws(MetricsError) -> Histogram {
        try checkLabelCount(values, of: name, declared: labelNames)
        let lookup = series.lookup(values)
        return Histogram(cell: lookup.cell, foldedObservations: lookup.folded ? foldedObservations : nil)
    }

    func snapshot() -> FamilySnapshot {
        let boundLabels = buckets.map(PrometheusText.format) + ["+Inf"]
        var samples: [FamilySnapshot.Sample] = []
        for entry in series.snapshot() {
            let labels = FamilySnapshot.labels(labelNames, entry.labelValues)
            var cumulative: UInt64 = 0
            for (index, bucket) in entry.cell.buckets.enumerated() {
                cumulative &+= bucket.count.load(ordering: .relaxed)
                samples.append(
                    FamilySnapshot.Sample(
                        name: name + "_bucket",
                        labels: labels + [FamilySnapshot.Label(name: "le", value: boundLabels[index])],
                        value: Double(cumulative)))
            }
            samples.append(FamilySnapshot.Sample(name: name + "_sum", labels: labels, value: entry.cell.sum.load()))
            samples.append(FamilySnapshot.Sample(name: name + "_count", labels: labels, value: Double(cumulative)))
        }
        return FamilySnapshot(name: name, help: help, type: "histogram", samples: samples)
    }
}
