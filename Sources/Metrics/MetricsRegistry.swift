import Synchronization

/// The process's metrics: registered counter, gauge and histogram families,
/// collectors evaluated at scrape time, and their rendering as Prometheus
/// text (version 0.0.4) for `GET /metrics`.
///
/// Concurrency design, cheapest path first:
/// - Hot path: a `Counter`, `Gauge` or `Histogram` handle holds references to
///   its series' atomics, so recording is one or two relaxed atomic
///   operations (a compare-and-swap loop for doubles) with no lock and no
///   allocation. Handles are values; callers cache them.
/// - `labels(...)` takes the family's lock for a dictionary lookup (and an
///   allocation the first time a combination is seen). Each family caps its
///   series at `maximumSeries`; further combinations share one overflow
///   series whose label values are all `other`, and every observation made
///   through a folded handle adds one to
///   `countersign_metrics_series_folded_total{family="..."}`.
/// - Registration takes the registry's lock; it happens at start-up.
/// - `render()` copies the family and collector lists under the lock, runs
///   the collectors concurrently with no lock held, then reads the atomics.
///   A collector that throws or returns malformed samples is left out of that
///   scrape and counted in
///   `countersign_metrics_collector_errors_total{collector="..."}`; the
///   scrape itself never fails.
///
/// The same name registered twice with the same type, help, labels, buckets
/// and series cap gives back the first family, so two components may declare
/// a shared metric; any other difference is `metric_already_registered`.
public final class MetricsRegistry: Sendable {
    public struct Configuration: Sendable {
        /// Series a labelled family keeps before folding new label
        /// combinations into `other`. Default 1,000; each family may override it.
        public var maximumSeriesPerFamily: Int
        /// Told about each collector failure, for logging; the failure is
        /// counted either way. Called during `render()`, so it must not block.
        public var onCollectorError: (@Sendable (_ collector: String, _ error: any Error) -> Void)?

        public init(
            maximumSeriesPerFamily: Int = 1_000,
            onCollectorError: (@Sendable (_ collector: String, _ error: any Error) -> Void)? = nil
        ) {
            self.maximumSeriesPerFamily = maximumSeriesPerFamily
            self.onCollectorError = onCollectorError
        }
    }

    /// The `Content-Type` of `render()`'s output.
    public static let contentType = PrometheusText.contentType

    /// Names of the registry's own metrics.
    public static let seriesFoldedMetricName = "countersign_metrics_series_folded_total"
    public static let collectorErrorsMetricName = "countersign_metrics_collector_errors_total"

    public let configuration: Configuration
    private let state: Mutex<RegistryState>
    private let seriesFolded: CounterFamily
    private let collectorErrors: CounterFamily

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        // The registry's own families are keyed by code-defined names, so
        // their cardinality is bounded without a cap; a cap here could fold
        // the very series that reports folding.
        seriesFolded = CounterFamily(
            name: Self.seriesFoldedMetricName,
            help: "Observations recorded into a family's overflow series (label values \"other\") because "
                + "the family reached its series limit.",
            labelNames: ["family"], maximumSeries: .max, foldedObservations: nil)
        collectorErrors = CounterFamily(
            name: Self.collectorErrorsMetricName,
            help: "Scrapes in which a collector threw or returned invalid samples; its samples were left out.",
            labelNames: ["collector"], maximumSeries: .max, foldedObservations: nil)
        var initial = RegistryState()
        initial.families[seriesFolded.name] = .counter(seriesFolded)
        initial.families[collectorErrors.name] = .counter(collectorErrors)
        state = Mutex(initial)
    }

    /// Registers a counter family, or returns the one already registered
    /// under `name` with the same shape.
    public func counter(
        _ name: String, help: String, labelNames: [String] = [], maximumSeries: Int? = nil
    ) throws(MetricsError) -> CounterFamily {
        try NameRules.checkMetricName(name)
        try NameRules.checkHelp(help, of: name)
        try NameRules.checkLabelNames(labelNames, of: name)
        let limit = maximumSeries ?? configuration.maximumSeriesPerFamily
        return try register(name, derivedNames: []) { existing throws(MetricsError) in
            if let existing {
                guard case .counter(let family) = existing, family.help == help, family.labelNames == labelNames,
                    family.series.maximumSeries == max(1, limit)
                else { throw Self.conflict(name) }
                return (family, existing)
            }
            let family = CounterFamily(
                name: name, help: help, labelNames: labelNames, maximumSeries: limit,
                foldedObservations: foldedCell(for: name, labelNames: labelNames))
            return (family, .counter(family))
        }
    }

    /// Registers a gauge family, or returns the one already registered under
    /// `name` with the same shape.
    public func gauge(
        _ name: String, help: String, labelNames: [String] = [], maximumSeries: Int? = nil
    ) throws(MetricsError) -> GaugeFamily {
        try NameRules.checkMetricName(name)
        try NameRules.checkHelp(help, of: name)
        try NameRules.checkLabelNames(labelNames, of: name)
        let limit = maximumSeries ?? configuration.maximumSeriesPerFamily
        return try register(name, derivedNames: []) { existing throws(MetricsError) in
            if let existing {
                guard case .gauge(let family) = existing, family.help == help, family.labelNames == labelNames,
                    family.series.maximumSeries == max(1, limit)
                else { throw Self.conflict(name) }
                return (family, existing)
            }
            let family = GaugeFamily(
                name: name, help: help, labelNames: labelNames, maximumSeries: limit,
                foldedObservations: foldedCell(for: name, labelNames: labelNames))
            return (family, .gauge(family))
        }
    }

    /// Registers a histogram family with fixed bucket bounds (default:
    /// latency in seconds), or returns the one already registered under
    /// `name` with the same shape.
    public func histogram(
        _ name: String, help: String, labelNames: [String] = [],
        buckets: [Double] = HistogramBuckets.latencySeconds, maximumSeries: Int? = nil
    ) throws(MetricsError) -> HistogramFamily {
        try NameRules.checkMetricName(name)
        try NameRules.checkHelp(help, of: name)
        try NameRules.checkLabelNames(labelNames, of: name, reserved: ["le"])
        let bounds = try HistogramBuckets.validated(buckets, for: name)
        let limit = maximumSeries ?? configuration.maximumSeriesPerFamily
        return try register(name, derivedNames: HistogramFamily.derivedNames(of: name)) {
            existing throws(MetricsError) in
            if let existing {
                guard case .histogram(let family) = existing, family.help == help, family.labelNames == labelNames,
                    family.buckets == bounds, family.series.maximumSeries == max(1, limit)
                else { throw Self.conflict(name) }
                return (family, existing)
            }
            let family = HistogramFamily(
                name: name, help: help, labelNames: labelNames, buckets: bounds, maximumSeries: limit,
                foldedObservations: foldedCell(for: name, labelNames: labelNames))
            return (family, .histogram(family))
        }
    }

    /// Adds a collector, run at every scrape. `name` identifies it in
    /// `countersign_metrics_collector_errors_total`.
    public func registerCollector(named name: String, _ collect: @escaping MetricsCollector) throws(MetricsError) {
        let errorCell = collectorErrors.series.lookup([name]).cell
        let added = state.withLock { state in
            guard state.collectors[name] == nil else { return false }
            state.collectors[name] = RegisteredCollector(collect: collect, errors: errorCell)
            return true
        }
        guard added else {
            throw MetricsError(.duplicateCollector, "a collector named '\(name)' is already registered", field: name)
        }
    }

    /// The whole registry in the text exposition format, for `GET /metrics`.
    public func render() async -> String {
        let (families, collectors) = state.withLock { state in
            (Array(state.families.values), state.collectors.sorted { $0.key < $1.key })
        }
        let collected = await runCollectors(collectors)
        var taken = Set(families.flatMap { [$0.name] + $0.derivedNames })
        var snapshots: [FamilySnapshot] = []
        for (name, collector, output) in collected {
            let names = output.map(\.name)
            guard taken.isDisjoint(with: names), Set(names).count == names.count else {
                collector.errors.whole.wrappingAdd(1, ordering: .relaxed)
                configuration.onCollectorError?(
                    name,
                    MetricsError(
                        .invalidCollectorOutput,
                        "collector '\(name)' exposes a family that another family or collector already exposes",
                        field: name))
                continue
            }
            snapshots += output
            taken.formUnion(names)
        }
        // Read after the collectors so that this scrape's collector errors
        // are already in the self-metric.
        snapshots += families.map(\.snapshot)
        return PrometheusText.render(snapshots)
    }

    private typealias CollectorOutput = (name: String, collector: RegisteredCollector, families: [FamilySnapshot])

    /// Runs every collector concurrently and returns the validated output of
    /// those that succeeded, in collector-name order: when two collectors
    /// expose the same family, the order decides which is kept, and it must
    /// not depend on which finished first. Failures are counted here.
    private func runCollectors(_ collectors: [(key: String, value: RegisteredCollector)]) async -> [CollectorOutput] {
        var outputs: [CollectorOutput] = []
        await withTaskGroup(of: (Int, Result<[FamilySnapshot], any Error>).self) { group in
            for (index, entry) in collectors.enumerated() {
                let collect = entry.value.collect
                group.addTask {
                    do {
                        let families = try await collect()
                        return (
                            index, .success(try families.map { family throws(MetricsError) in try family.validated() })
                        )
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            for await (index, outcome) in group {
                let (name, collector) = collectors[index]
                switch outcome {
                case .success(let families):
                    outputs.append((name, collector, families))
                case .failure(let error):
                    collector.errors.whole.wrappingAdd(1, ordering: .relaxed)
                    configuration.onCollectorError?(name, error)
                }
            }
        }
        return outputs.sorted { $0.name < $1.name }
    }

    private static func conflict(_ name: String) -> MetricsError {
        MetricsError(
            .alreadyRegistered, "\(name) is already registered with a different type, help, labels or buckets",
            field: name)
    }

    /// The folded-observations series for a labelled family; unlabelled
    /// families have one series and never fold.
    private func foldedCell(for name: String, labelNames: [String]) -> CounterCell? {
        labelNames.isEmpty ? nil : seriesFolded.series.lookup([name]).cell
    }

    /// Finds or creates a family under the registry lock, rejecting names
    /// that collide with a histogram's `_bucket`/`_sum`/`_count` series.
    private func register<Family>(
        _ name: String, derivedNames: [String],
        _ resolve: (RegisteredFamily?) throws(MetricsError) -> (Family, RegisteredFamily)
    ) throws(MetricsError) -> Family {
        try state.withLock { state throws(MetricsError) -> Family in
            let existing = state.families[name]
            if existing == nil {
                let collides =
                    state.derivedNames.contains(name)
                    || derivedNames.contains { state.families[$0] != nil || state.derivedNames.contains($0) }
                if collides {
                    throw MetricsError(
                        .alreadyRegistered, "\(name) collides with a histogram's _bucket, _sum or _count series",
                        field: name)
                }
            }
            let (family, entry) = try resolve(existing)
            state.families[name] = entry
            state.derivedNames.formUnion(derivedNames)
            return family
        }
    }
}

struct RegistryState {
    var families: [String: RegisteredFamily] = [:]
    /// `_bucket`, `_sum` and `_count` names of registered histograms.
    var derivedNames: Set<String> = []
    var collectors: [String: RegisteredCollector] = [:]
}

struct RegisteredCollector: Sendable {
    let collect: MetricsCollector
    let errors: CounterCell
}

enum RegisteredFamily: Sendable {
    case counter(CounterFamily)
    case gauge(GaugeFamily)
    case histogram(HistogramFamily)

    var snapshot: FamilySnapshot {
        switch self {
        case .counter(let family): family.snapshot()
        case .gauge(let family): family.snapshot()
        case .histogram(let family): family.snapshot()
        }
    }

    var name: String {
        switch self {
        case .counter(let family): family.name
        case .gauge(let family): family.name
        case .histogram(let family): family.name
        }
    }

    var derivedNames: [String] {
        if case .histogram(let family) = self { return HistogramFamily.derivedNames(of: family.name) }
        return []
    }
}
