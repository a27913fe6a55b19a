import Finance

/// From `effectiveFrom` on, `tenant` is billed under `planCode`, until its next assignment.
///
/// Changes take effect at the start of a UTC day: a change during a day
/// would make one day belong to two plans, and a day is the unit every
/// proration counts in.
public struct PlanAssignment: Sendable, Hashable {
    public var tenant: String
    public var planCode: String
    public var effectiveFrom: UTCDay

    public init(tenant: String, planCode: String, effectiveFrom: UTCDay) {
        self.tenant = tenant
        self.planCode = planCode
        self.effectiveFrom = effectiveFrom
    }
}

/// The days of one month during which one plan applied to a tenant.
public struct PlanPeriod: Sendable, Hashable {
    public let plan: Plan
    public let firstDay: UTCDay
    public let lastDay: UTCDay

    public func contains(_ day: UTCDay) -> Bool { day >= firstDay && day <= lastDay }
}
