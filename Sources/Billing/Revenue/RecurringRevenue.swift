import Finance

/// Monthly recurring revenue of one seller at the end of one month.
public struct MonthlyRecurringRevenue: Sendable, Hashable {
    public let month: BillingMonth
    public let amount: Money
    /// Tenants counted: active at the month's end and assigned a plan.
    public let tenantCount: Int
}

/// MRR per month for a chart: what a seller's recurring fees come to as each month closes.
///
/// **Rule**: a month's MRR is the sum of the full, unprorated base fees of
/// the plans assigned on the month's last day to tenants that are active at
/// its end (their state once every lifecycle event before the next month's
/// first instant has happened). Usage is left out because it is not
/// recurring; proration is left out because MRR is a run rate, what the
/// seller would bill next month if nothing changed, not what it billed this
/// month. So a tenant created on the 31st adds its full fee, a tenant
/// suspended or deleted on the 31st adds nothing, and a plan change from the
/// 1st of next month shows next month.
extension PriceBook {
    /// - Parameter tenants: every tenant the seller bills; those without an assignment are not counted.
    /// - Throws: `invalid_lifecycle` (field `tenants[i].lifecycle[j]`); `amount_overflow`.
    public func recurringRevenue(months: [BillingMonth], tenants: [BilledTenant]) throws(BillingError)
        -> [MonthlyRecurringRevenue]
    {
        var activities: [(id: String, activity: TenantActivity)] = []
        for (index, tenant) in tenants.enumerated() {
            activities.append((tenant.id, try TenantActivity(tenant.lifecycle, field: "tenants[\(index)].lifecycle")))
        }
        var chart: [MonthlyRecurringRevenue] = []
        for month in months {
            var amount = Money.zero(currency)
            var count = 0
            for (id, activity) in activities where activity.isActive(justBefore: month.end) {
                guard let plan = plan(for: id, on: month.lastDay) else { continue }
                amount = try BillingError.checking { () throws(MoneyError) in try amount.plus(plan.baseFee) }
                count += 1
            }
            chart.append(MonthlyRecurringRevenue(month: month, amount: amount, tenantCount: count))
        }
        return chart
    }
}
