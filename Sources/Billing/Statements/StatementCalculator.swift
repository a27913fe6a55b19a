import Finance
import Foundation

/// Computes a month's statement from a price book, the buyer's tenants and their daily usage.
///
/// For each tenant and each run of days one plan applied to it (`PlanPeriod`):
/// - **Base fee**: `fee × billable days in the period / days in the month`,
///   rounded half-even once (see `Proration`). Billable days follow
///   `TenantActivity`'s rule (active at any moment of the UTC day).
/// - **Usage**, for each meter the plan prices and the tenant used in the
///   period: the period's quantity (summed, or the busiest day for
///   `active_users`), minus the allowance, priced through the graduated
///   tiers exactly, then rounded once per line half-even to a minor unit.
///   Usage is not prorated: it is what was used. The allowance of a summed
///   meter is prorated like the fee, rounded down to whole units; the
///   allowance of `active_users` is not, because the peak number of users
///   does not shrink with fewer days: a tenant with 8 users for half a
///   month on a plan including 5 needs 3 extra seats, not 6.
/// Usage is priced by the plan in force on the day it was recorded, whatever
/// the tenant's state that day: what was counted was used.
/// Usage outside the month and usage of tenants not listed is ignored (the
/// caller may pass a wider query); a tenant that was billable, or used
/// anything, on a day with no plan assignment is an error rather than free.
extension PriceBook {
    /// - Parameters:
    ///   - buyer: a partner or tenant; a partner's price book bills tenants only.
    ///   - tenants: the buyer's tenants; for a tenant buyer, only itself.
    ///   - usage: daily counts; one row per tenant, day and meter.
    /// - Throws: `invalid_party`, `invalid_lifecycle`, `invalid_usage`,
    ///   `unassigned_tenant`, `amount_overflow`; each with the path of the input at fault.
    public func statement(
        for buyer: BillingParty, month: BillingMonth, tenants: [BilledTenant], usage: [DailyUsage]
    ) throws(BillingError) -> Statement {
        try checkParties(buyer: buyer, tenants: tenants)
        let ledger = try UsageLedger(usage.filter { month.contains($0.day) })
        var sections: [(id: String, name: String, lines: [StatementLine])] = []
        for (index, tenant) in tenants.enumerated() {
            let lines = try lines(for: tenant, at: index, month: month, ledger: ledger)
            if !lines.isEmpty { sections.append((tenant.id, tenant.name, lines)) }
        }
        return try Statement(
            kind: .statement, number: Statement.number(seller: seller, buyer: buyer, month: month), corrects: nil,
            seller: seller, buyer: buyer, month: month, currency: currency, tenants: sections)
    }

    private func checkParties(buyer: BillingParty, tenants: [BilledTenant]) throws(BillingError) {
        guard buyer.role != .provider, buyer != seller else {
            throw BillingError(
                .invalidParty, "the provider buys nothing, and a seller does not bill itself", field: "buyer")
        }
        guard seller.role == .provider || buyer.role == .tenant else {
            throw BillingError(.invalidParty, "a partner bills its client tenants, not other partners", field: "buyer")
        }
        var seen = Set<String>()
        for (index, tenant) in tenants.enumerated() {
            guard seen.insert(tenant.id).inserted else {
                throw BillingError(.invalidParty, "tenant '\(tenant.id)' is listed twice", field: "tenants[\(index)]")
            }
            guard buyer.role != .tenant || tenant.id == buyer.id else {
                throw BillingError(
                    .invalidParty, "a statement to tenant '\(buyer.id)' covers only that tenant",
                    field: "tenants[\(index)]")
            }
        }
    }

    private func lines(for tenant: BilledTenant, at index: Int, month: BillingMonth, ledger: UsageLedger)
        throws(BillingError) -> [StatementLine]
    {
        let activity = try TenantActivity(tenant.lifecycle, field: "tenants[\(index)].lifecycle")
        let billable = Set(activity.billableDays(in: month))
        let periods = periods(for: tenant.id, in: month)
        let charged = billable.union(ledger.daysWithUsage(tenant: tenant.id))
        if let uncovered = charged.sorted().first(where: { day in !periods.contains { $0.contains(day) } }) {
            throw BillingError(
                .unassignedTenant,
                "tenant '\(tenant.id)' was active or used the platform on \(uncovered) without a plan",
                field: "tenants[\(index)]")
        }
        var lines: [StatementLine] = []
        for period in periods {
            let plan = period.plan
            let proration = Proration(
                billableDays: billable.filter { period.contains($0) }.count, daysInMonth: month.dayCount)
            if proration.billableDays > 0 {
                lines.append(
                    StatementLine(
                        kind: .baseFee, planCode: plan.code, meter: nil,
                        description:
                            "\(plan.name) base fee, \(period.firstDay) to \(period.lastDay) (\(proration) days)",
                        firstDay: period.firstDay, lastDay: period.lastDay, proration: proration, usage: nil,
                        amount: try proration.prorate(plan.baseFee)))
            }
            for meter in plan.pricedMeters {
                let quantity = try ledger.quantity(
                    tenant: tenant.id, meter: meter, from: period.firstDay, through: period.lastDay)
                guard quantity > 0, let tiers = plan.overage[meter] else { continue }
                let allowance = plan.included[meter] ?? 0
                let included: Int64 =
                    switch meter.aggregation {
                    case .sum: try proration.prorate(included: allowance)
                    case .maximum: proration.billableDays > 0 ? allowance : 0
                    }
                let billableQuantity = max(0, quantity - included)
                let charges = tiers.charges(for: billableQuantity)
                let exact = charges.reduce(Decimal(0)) { $0 + $1.amount }
                let amount = try BillingError.checking(field: "tenants[\(index)]") { () throws(MoneyError) in
                    try Money.rounding(exact, currency: currency, rule: .halfEven)
                }
                lines.append(
                    StatementLine(
                        kind: .usage, planCode: plan.code, meter: meter,
                        description: "\(plan.name) \(meter.label), \(period.firstDay) to \(period.lastDay)",
                        firstDay: period.firstDay, lastDay: period.lastDay, proration: proration,
                        usage: StatementLine.Usage(
                            quantity: quantity, included: included, billableQuantity: billableQuantity, tiers: charges),
                        amount: amount))
            }
        }
        return lines
    }
}
