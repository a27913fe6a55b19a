import Platform

/// Why a metric could not be registered, labelled, incremented or collected.
///
/// These are programming or configuration mistakes in the process itself, not
/// caller input, so they answer 500; `field` names the metric, label or
/// collector at fault so that the log line points at the code to fix.
public struct MetricsError: Error, CodedError, Equatable, CustomDebugStringConvertible {
    /// The kinds of mistake, each with a stable `code`.
    public enum Kind: String, Sendable, CaseIterable {
        /// The metric name does not match `[a-zA-Z_:][a-zA-Z0-9_:]*`.
        case invalidMetricName = "invalid_metric_name"
        /// The HELP text is empty; Prometheus lints a family without one.
        case missingHelp = "metric_help_missing"
        /// A label name does not match `[a-zA-Z_][a-zA-Z0-9_]*`, starts with
        /// `__` (reserved by Prometheus), repeats, or is reserved by the type.
        case invalidLabelName = "invalid_label_name"
        /// The name is taken by a family of another shape, by a collector's
        /// family, or by a series a histogram derives (`_bucket`, `_sum`, `_count`).
        case alreadyRegistered = "metric_already_registered"
        /// `labels(...)` was given a different number of values than the family declares.
        case labelCountMismatch = "label_count_mismatch"
        /// Histogram bounds are not finite and strictly increasing.
        case invalidBuckets = "invalid_histogram_buckets"
        /// A counter was asked to go down, or by a value that is not a number.
        case invalidIncrement = "invalid_counter_increment"
        /// A collector with this name already exists.
        case duplicateCollector = "duplicate_collector"
        /// A collector returned samples that cannot be exposed as they are.
        case invalidCollectorOutput = "invalid_collector_output"
    }

    public let kind: Kind
    public let message: String
    public let field: String?
    /// Where the error was made (debug output only).
    public let site: ThrowSite

    public init(_ kind: Kind, _ message: String, field: String? = nil, file: String = #fileID, line: UInt = #line) {
        self.kind = kind
        self.message = message
        self.field = field
        self.site = ThrowSite(file: file, line: line)
    }

    public var code: String { kind.rawValue }
    public var httpStatus: Int { 500 }
    public var debugDescription: String { "\(code): \(message) [at \(site)]" }

    /// Equal when kind, message and field agree; the throw site is not compared.
    public static func == (lhs: MetricsError, rhs: MetricsError) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message && lhs.field == rhs.field
    }
}
