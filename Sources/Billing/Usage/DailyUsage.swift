import Finance

/// One tenant's count for one meter on one UTC day, as the usage table stores it.
public struct DailyUsage: Sendable, Hashable {
    public var tenant: String
    public var day: UTCDay
    public var meter: Meter
    public var count: Int64

    public init(tenant: String, day: UTCDay, meter: Meter, count: Int64) {
        self.tenant = tenant
        self.day = day
        self.meter = meter
        self.count = count
    }
}

/// Daily usage checked and indexed by tenant, so quantities over any run of days can be read.
///
/// Built once per statement. Two rows for one tenant, day and meter are an
/// error rather than being added: the usage table has one row per key, and a
/// caller that passes two has joined or paged wrongly, which summing would hide.
struct UsageLedger: Sendable {
    private var counts: [String: [Meter: [UTCDay: Int64]]] = [:]

    /// - Throws: `invalid_usage` (field `usage[i].count` or `usage[i]`) for a negative count or a repeated key.
    init(_ rows: [DailyUsage]) throws(BillingError) {
        for (index, row) in rows.enumerated() {
            guard row.count >= 0 else {
                throw BillingError(.invalidUsage, "a usage count cannot be negative", field: "usage[\(index)].count")
            }
            guard counts[row.tenant, default: [:]][row.meter, default: [:]][row.day] == nil else {
                throw BillingError(
                    .invalidUsage,
                    "usage for tenant '\(row.tenant)', \(row.meter.rawValue) on \(row.day) appears twice",
                    field: "usage[\(index)]")
            }
            counts[row.tenant, default: [:]][row.meter, default: [:]][row.day] = row.count
        }
    }

    /// The days on which `tenant` recorded anything, in order.
    func daysWithUsage(tenant: String) -> [UTCDay] {
        let days = (counts[tenant] ?? [:]).values.flatMap { perDay in perDay.filter { $0.value > 0 }.keys }
        return Set(days).sorted()
    }

    /// The tenant's quantity of `meter` over `first ... last`, aggregated as the meter says.
    ///
    /// - Throws: `amount_overflow` if a sum does not fit in 64 bits.
    func quantity(tenant: String, meter: Meter, from first: UTCDay, through last: UTCDay) throws(BillingError) -> Int64
    {
        let values = (counts[tenant]?[meter] ?? [:]).filter { $0.key >= first && $0.key <= last }.values
        switch meter.aggregation {
        case .maximum:
            return values.max() ?? 0
        case .sum:
            var total: Int64 = 0
            for value in values {
                let (sum, overflow) = total.addingReportingOverflow(value)
                guard !overflow else {
                    throw BillingError(.overflow, "the \(meter.rawValue) count of tenant '\(tenant)' is too large")
                }
                total = sum
            }
            return total
        }
    }
}
