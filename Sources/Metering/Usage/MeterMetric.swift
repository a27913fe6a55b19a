import Billing

/// The one mapping between billing meters and the metric names that `usage_counters` rows carry.
///
/// Writers in other modules (ingest, engine, delivery) cannot depend on this
/// module, so they spell the metric names themselves; this table is where the
/// names are bound to meters, and every reader of usage goes through it.
/// Metrics not listed (`engine.steps`, `engine.runs_exception`, …) are
/// operational counts that no plan prices.
public enum MeterMetric {
    /// Meter → the metric its counter rows are stored under.
    public static let names: [Meter: String] = [
        .eventsAccepted: "events.accepted",
        .runsStarted: "engine.runs_started",
        .runsCompleted: "engine.runs_completed",
        .humanDecisions: "engine.human_decisions",
        .outboundDeliveries: "delivery.delivered",
        .apiCalls: "api.calls",
        .activeUsers: "users.active",
    ]

    public static func name(of meter: Meter) -> String { names[meter] ?? meter.rawValue }

    /// The meter a stored metric counts, if it is billed at all.
    public static func meter(named metric: String) -> Meter? {
        names.first { $0.value == metric }?.key
    }

    /// Every billed metric name, for `WHERE metric = ANY(…)`.
    public static var billedNames: [String] { Meter.allCases.map(name(of:)) }
}
