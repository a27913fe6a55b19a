/// A metered quantity the provider counts per tenant per UTC day.
///
/// Raw values are stored in the usage table and appear in plans, exports and
/// statement numbers: they never change. A new meter is a new case.
public enum Meter: String, CaseIterable, Sendable, Hashable, Comparable {
    case eventsAccepted = "events_accepted"
    case runsStarted = "runs_started"
    case runsCompleted = "runs_completed"
    case humanDecisions = "human_decisions"
    case apiCalls = "api_calls"
    case activeUsers = "active_users"
    case outboundDeliveries = "outbound_deliveries"

    /// How a month's quantity comes from the daily counts.
    public enum Aggregation: Sendable, Hashable {
        /// Flows (events, runs, calls): the month's count is the sum of the days.
        case sum
        /// Levels (users): the month's count is the largest daily value.
        case maximum
    }

    /// `active_users` is the number of distinct users active on a day. The
    /// same person active on 20 days is one user, not 20, so summing days
    /// would bill each person once per working day. The exact monthly number
    /// of distinct users cannot be rebuilt from daily counts; the busiest
    /// day's count is the closest figure that never exceeds it, and is what
    /// "per active user" plans mean in practice: the seats needed at the peak.
    public var aggregation: Aggregation { self == .activeUsers ? .maximum : .sum }

    /// "events accepted": how statements name the meter.
    public var label: String {
        switch self {
        case .eventsAccepted: "events accepted"
        case .runsStarted: "runs started"
        case .runsCompleted: "runs completed"
        case .humanDecisions: "human decisions"
        case .apiCalls: "API calls"
        case .activeUsers: "active users"
        case .outboundDeliveries: "outbound deliveries"
        }
    }

    /// Declaration order: the order meters appear in on a statement.
    public static func < (lhs: Meter, rhs: Meter) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }
}
