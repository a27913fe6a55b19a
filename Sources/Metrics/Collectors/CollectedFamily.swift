/// Samples a collector reads at scrape time: values that live elsewhere
/// (queue depth in the database, a pool's counters, per-tenant business
/// figures) and would be stale or costly to mirror in a gauge.
public struct CollectedFamily: Sendable, Equatable {
    /// The types a collector may expose. Histograms are left to registered
    /// families, whose buckets the registry keeps consistent.
    public enum Kind: String, Sendable {
        case counter
        case gauge
        case untyped
    }

    public var name: String
    public var help: String
    public var kind: Kind
    public var labelNames: [String]
    public var samples: [CollectedSample]

    public init(name: String, help: String, kind: Kind, labelNames: [String] = [], samples: [CollectedSample]) {
        self.name = name
        self.help = help
        self.kind = kind
        self.labelNames = labelNames
        self.samples = samples
    }
}

/// One series of a collected family: label values in the order of the
/// family's `labelNames`, and its value.
public struct CollectedSample: Sendable, Equatable {
    public var labelValues: [String]
    public var value: Double

    public init(labelValues: [String] = [], value: Double) {
        self.labelValues = labelValues
        self.value = value
    }
}

/// Reads samples at scrape time. It may suspend (a database query) and
/// throw; a throw skips its samples for that scrape only.
public typealias MetricsCollector = @Sendable () async throws -> [CollectedFamily]

extension CollectedFamily {
    /// Checks what the registry cannot check at registration: names, label
    /// arity, and that no series appears twice (Prometheus would reject the
    /// whole scrape for a duplicate).
    func validated() throws(MetricsError) -> FamilySnapshot {
        try NameRules.checkMetricName(name)
        try NameRules.checkHelp(help, of: name)
        try NameRules.checkLabelNames(labelNames, of: name)
        var seen = Set<[String]>()
        for sample in samples {
            guard sample.labelValues.count == labelNames.count else {
                throw MetricsError(
                    .invalidCollectorOutput,
                    "a sample of \(name) has \(sample.labelValues.count) label value(s) for \(labelNames.count) label(s)",
                    field: name)
            }
            guard seen.insert(sample.labelValues).inserted else {
                throw MetricsError(
                    .invalidCollectorOutput, "\(name) has the same label values twice", field: name)
            }
        }
        let ordered = samples.sorted { $0.labelValues.lexicographicallyPrecedes($1.labelValues) }
        return FamilySnapshot(
            name: name, help: help, type: kind.rawValue,
            samples: ordered.map { sample in
                FamilySnapshot.Sample(
                    name: name, labels: FamilySnapshot.labels(labelNames, sample.labelValues), value: sample.value)
            })
    }
}
