import Foundation

/// When a credit hold may be released.
public struct CreditReleasePolicy: Sendable, Equatable {
    /// How far exposure may go beyond the credit limit, in percent of it. Default: 0.
    public var limitTolerancePercent: Decimal
    /// Overdue amount, in the account's major units, that still counts as
    /// cleared: the odd unpaid cent should not hold a shipment. Default: 0.
    public var overdueTolerance: Decimal
    /// When false (the default), overdue amounts the customer disputes do not
    /// block a release: they wait on the dispute, not on the customer.
    public var disputedCountsAsOverdue: Bool
    /// When true (the default), a hold a person placed by hand is released only by override.
    public var manualHoldsNeedOverride: Bool

    public init(
        limitTolerancePercent: Decimal = 0, overdueTolerance: Decimal = 0, disputedCountsAsOverdue: Bool = false,
        manualHoldsNeedOverride: Bool = true
    ) {
        self.limitTolerancePercent = limitTolerancePercent
        self.overdueTolerance = overdueTolerance
        self.disputedCountsAsOverdue = disputedCountsAsOverdue
        self.manualHoldsNeedOverride = manualHoldsNeedOverride
    }

    public static let standard = CreditReleasePolicy()
}
