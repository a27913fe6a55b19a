import Finance

/// A share of a month: `billableDays / daysInMonth`, applied to fees and allowances.
///
/// Computed in integers so every result is exact:
/// - a fee is `fee × billable / days` in minor units, rounded once, half-even
///   (an exact tie such as 0.5 of a cent goes to the even cent), matching
///   how usage lines round;
/// - an included quantity is rounded down to whole units: allowances are
///   whole events or runs, and rounding down means no partial month ever
///   includes more than its exact share (the difference is under one unit).
public struct Proration: Sendable, Hashable, CustomStringConvertible {
    public let billableDays: Int
    public let daysInMonth: Int

    public init(billableDays: Int, daysInMonth: Int) {
        self.billableDays = billableDays
        self.daysInMonth = daysInMonth
    }

    public var isFullMonth: Bool { billableDays == daysInMonth }

    /// `21/31`.
    public var description: String { "\(billableDays)/\(daysInMonth)" }

    /// - Throws: `amount_overflow` if `fee × billableDays` does not fit in 64 bits.
    public func prorate(_ fee: Money) throws(BillingError) -> Money {
        guard daysInMonth > 0 else { return .zero(fee.currency) }
        let (product, overflow) = fee.minorUnits.multipliedReportingOverflow(by: Int64(billableDays))
        guard !overflow else { throw BillingError(.overflow, "prorating \(fee) is too large") }
        return Money(minorUnits: Self.divideHalfEven(product, by: Int64(daysInMonth)), currency: fee.currency)
    }

    /// - Throws: `amount_overflow` if `quantity × billableDays` does not fit in 64 bits.
    public func prorate(included quantity: Int64) throws(BillingError) -> Int64 {
        guard daysInMonth > 0 else { return 0 }
        let (product, overflow) = quantity.multipliedReportingOverflow(by: Int64(billableDays))
        guard !overflow else {
            throw BillingError(.overflow, "prorating the included quantity \(quantity) is too large")
        }
        // Quantities are never negative, so integer division is rounding down.
        return product / Int64(daysInMonth)
    }

    /// `numerator / denominator` (denominator > 0) to the nearest integer, ties to even.
    static func divideHalfEven(_ numerator: Int64, by denominator: Int64) -> Int64 {
        let quotient = numerator / denominator
        let remainder = numerator % denominator
        let twice = remainder.magnitude * 2
        let step: Int64 = numerator < 0 ? -1 : 1
        if twice > denominator.magnitude || (twice == denominator.magnitude && quotient % 2 != 0) {
            return quotient + step
        }
        return quotient
    }
}
