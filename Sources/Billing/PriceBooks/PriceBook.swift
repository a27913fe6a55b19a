import Finance

/// One seller's prices: its plans, all in one currency, and which plan each of its buyers' tenants is on.
///
/// The provider has a price book for partners; each partner has its own for
/// re-billing its clients from the same usage meters. Assignments carry
/// effective days, so a tenant that changes plan mid-month is charged by
/// each plan for its own days. A single currency per book is what lets every
/// statement it produces be in one currency.
public struct PriceBook: Sendable {
    public let seller: BillingParty
    public let name: String
    public let currency: Currency
    public let plans: [String: Plan]
    /// Per tenant, ordered by effective day.
    public let assignments: [String: [PlanAssignment]]

    /// - Throws: `invalid_party` if the seller is a tenant; `invalid_plan` for
    ///   two plans with one code; `currency_mismatch` (field `plans[i].currency`)
    ///   for a plan in another currency; `invalid_assignment` for an unknown
    ///   plan code or two assignments of one tenant on one day.
    public init(
        seller: BillingParty, name: String, currency: Currency, plans: [Plan], assignments: [PlanAssignment]
    ) throws(BillingError) {
        guard seller.role != .tenant else {
            throw BillingError(.invalidParty, "a price book belongs to the provider or a partner", field: "seller")
        }
        var byCode: [String: Plan] = [:]
        for (index, plan) in plans.enumerated() {
            guard byCode[plan.code] == nil else {
                throw BillingError(
                    .invalidPlan, "two plans have the code '\(plan.code)'", field: "plans[\(index)].code")
            }
            guard plan.currency == currency else {
                throw BillingError(
                    .currencyMismatch,
                    "plan '\(plan.code)' is priced in \(plan.currency) but the price book in \(currency)",
                    field: "plans[\(index)].currency")
            }
            byCode[plan.code] = plan
        }
        var byTenant: [String: [PlanAssignment]] = [:]
        for (index, assignment) in assignments.enumerated() {
            guard byCode[assignment.planCode] != nil else {
                throw BillingError(
                    .invalidAssignment, "there is no plan '\(assignment.planCode)' in this price book",
                    field: "assignments[\(index)].plan")
            }
            guard !(byTenant[assignment.tenant] ?? []).contains(where: { $0.effectiveFrom == assignment.effectiveFrom })
            else {
                throw BillingError(
                    .invalidAssignment,
                    "tenant '\(assignment.tenant)' has two plans from \(assignment.effectiveFrom)",
                    field: "assignments[\(index)].effective_from")
            }
            byTenant[assignment.tenant, default: []].append(assignment)
        }
        self.seller = seller
        self.name = name
        self.currency = currency
        self.plans = byCode
        self.assignments = byTenant.mapValues { $0.sorted { $0.effectiveFrom < $1.effectiveFrom } }
    }

    /// The plan `tenant` is on during `day`, if any.
    public func plan(for tenant: String, on day: UTCDay) -> Plan? {
        (assignments[tenant] ?? []).last { $0.effectiveFrom <= day }.flatMap { plans[$0.planCode] }
    }

    /// The runs of days of `month` each plan applied to `tenant`, in order; days before its first assignment are in none.
    public func periods(for tenant: String, in month: BillingMonth) -> [PlanPeriod] {
        let list = assignments[tenant] ?? []
        var periods: [PlanPeriod] = []
        for (index, assignment) in list.enumerated() {
            let nextStart = index + 1 < list.count ? list[index + 1].effectiveFrom : month.lastDay.adding(days: 1)
            let first = max(assignment.effectiveFrom, month.firstDay)
            let last = min(nextStart.adding(days: -1), month.lastDay)
            guard first <= last, let plan = plans[assignment.planCode] else { continue }
            if let previous = periods.last, previous.plan.code == plan.code, previous.lastDay.adding(days: 1) == first {
                // Re-assigning the same plan is not a change: one period keeps one rounding per line.
                periods[periods.count - 1] = PlanPeriod(plan: plan, firstDay: previous.firstDay, lastDay: last)
                continue
            }
            periods.append(PlanPeriod(plan: plan, firstDay: first, lastDay: last))
        }
        return periods
    }
}
