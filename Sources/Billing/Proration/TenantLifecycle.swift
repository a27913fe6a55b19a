import Finance
import Foundation

/// What happened to a tenant, and when (UTC), as the control plane records it.
public struct LifecycleEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case created, suspended, resumed, deleted
    }

    public var kind: Kind
    public var at: Date

    public init(_ kind: Kind, at: Date) {
        self.kind = kind
        self.at = at
    }
}

/// A tenant as a statement sees it: its id, the name printed on the statement, and its lifecycle.
public struct BilledTenant: Sendable, Hashable {
    public var id: String
    public var name: String
    /// In the order they happened.
    public var lifecycle: [LifecycleEvent]

    public init(id: String, name: String, lifecycle: [LifecycleEvent]) {
        self.id = id
        self.name = name
        self.lifecycle = lifecycle
    }
}

/// The spans of time a tenant was active, derived from its lifecycle events.
///
/// **Billable day rule**: a UTC day is billable if the tenant was active at
/// any moment of it. Active spans are half-open (`created ..< suspended`), so
/// the day a tenant is created, the day it is suspended (if not at midnight
/// exactly) and the day it is resumed all count, and a tenant suspended at
/// 00:00:00 on the 20th is billed through the 19th. This rule was chosen over
/// "active at the start of the day" because that one would make a tenant
/// created at 09:00 on the 10th free until the 11th, and a tenant suspended
/// and resumed within one day free for that day although it was used; "any
/// moment" bills every day on which the tenant could work, and nothing else.
public struct TenantActivity: Sendable, Hashable {
    /// `start ..< end`; `end == nil` while the tenant is still active.
    public struct Span: Sendable, Hashable {
        public var start: Date
        public var end: Date?
    }

    /// Ordered and disjoint; spans of no length (created and suspended in one instant) are left out.
    public let spans: [Span]

    /// - Parameter field: the path of the lifecycle list in the caller's input, used in errors.
    /// - Throws: `invalid_lifecycle` (field `…[i]`) unless the events are in
    ///   time order, start with `created`, suspend only an active tenant,
    ///   resume only a suspended one, and nothing follows `deleted`.
    public init(_ events: [LifecycleEvent], field: String = "lifecycle") throws(BillingError) {
        enum State { case none, active, suspended, deleted }
        var state = State.none
        var spans: [Span] = []
        var previous: Date?
        for (index, event) in events.enumerated() {
            let path = "\(field)[\(index)]"
            if let previous, event.at < previous {
                throw BillingError(.invalidLifecycle, "lifecycle events must be in time order", field: path)
            }
            previous = event.at
            switch (state, event.kind) {
            case (.none, .created):
                state = .active
                spans.append(Span(start: event.at, end: nil))
            case (.active, .suspended):
                state = .suspended
                spans[spans.count - 1].end = event.at
            case (.suspended, .resumed):
                state = .active
                spans.append(Span(start: event.at, end: nil))
            case (.active, .deleted):
                state = .deleted
                spans[spans.count - 1].end = event.at
            case (.suspended, .deleted):
                state = .deleted
            case (.none, _):
                throw BillingError(.invalidLifecycle, "a tenant's first lifecycle event is its creation", field: path)
            case (.deleted, _):
                throw BillingError(.invalidLifecycle, "nothing can happen to a tenant after its deletion", field: path)
            case (_, .created):
                throw BillingError(.invalidLifecycle, "a tenant is created only once", field: path)
            case (.active, .resumed):
                throw BillingError(.invalidLifecycle, "only a suspended tenant can be resumed", field: path)
            case (.suspended, .suspended):
                throw BillingError(.invalidLifecycle, "the tenant is already suspended", field: path)
            }
        }
        self.spans = spans.filter { span in span.end.map { $0 > span.start } ?? true }
    }

    /// The billable days of `month`, in order.
    public func billableDays(in month: BillingMonth) -> [UTCDay] {
        var days = Set<UTCDay>()
        for span in spans {
            let first = max(UTCDay(span.start), month.firstDay)
            var last = month.lastDay
            if let end = span.end {
                // The span is open at `end`: a span ending at midnight does not reach into that day.
                let endDay = UTCDay(end)
                last = min(last, endDay.start == end ? endDay.adding(days: -1) : endDay)
            }
            guard first <= last else { continue }
            for offset in 0...first.days(until: last) { days.insert(first.adding(days: offset)) }
        }
        return days.sorted()
    }

    /// Whether the tenant is active at the last instant before `instant`: its state once every earlier event happened.
    public func isActive(justBefore instant: Date) -> Bool {
        spans.contains { span in span.start < instant && (span.end.map { $0 >= instant } ?? true) }
    }
}
