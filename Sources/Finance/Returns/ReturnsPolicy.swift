import Foundation

/// A tenant's returns rules: how long customers have, what becomes of the goods, and what is credited.
public struct ReturnsPolicy: Sendable, Equatable {
    /// Days after the sale a return may arrive, the last day included. Default: 30.
    public var windowDays: Int
    /// Longer (or shorter) windows for some reasons, e.g. a warranty period for `.defective`.
    public var windowDaysByReason: [ReturnReason: Int]
    /// Disposition by received condition; a condition not listed is quarantined.
    public var dispositions: [ReturnCondition: ReturnDisposition]
    /// Restocking fee in percent of the returned value, 0 to 100. Default: 15.
    public var restockingFeePercent: Decimal
    /// Reasons that are the seller's (or its carrier's) fault, so no fee is
    /// charged. Default: everything except `no_longer_needed` and `other`.
    public var feeWaivedReasons: Set<ReturnReason>
    /// Conditions that earn no credit. Default: `wrong_item`, since what came
    /// back is not what was sold.
    public var nonCreditableConditions: Set<ReturnCondition>
    /// How value and fee become money. Default: `.halfUp`, as invoices and credit notes print.
    public var rounding: RoundingRule

    public init(
        windowDays: Int = 30, windowDaysByReason: [ReturnReason: Int] = [:],
        dispositions: [ReturnCondition: ReturnDisposition] = ReturnsPolicy.standardDispositions,
        restockingFeePercent: Decimal = 15,
        feeWaivedReasons: Set<ReturnReason> = [
            .damaged, .defective, .wrongItem, .notAsDescribed, .shortShipped, .lateDelivery,
        ],
        nonCreditableConditions: Set<ReturnCondition> = [.wrongItem], rounding: RoundingRule = .halfUp
    ) {
        self.windowDays = windowDays
        self.windowDaysByReason = windowDaysByReason
        self.dispositions = dispositions
        self.restockingFeePercent = restockingFeePercent
        self.feeWaivedReasons = feeWaivedReasons
        self.nonCreditableConditions = nonCreditableConditions
        self.rounding = rounding
    }

    /// Sellable goods go back on the shelf; opened or incomplete goods are
    /// made sellable again; defective goods go back to the supplier, who owes
    /// for them; damaged goods are written off; a wrong item waits for someone
    /// to find out what it is.
    public static let standardDispositions: [ReturnCondition: ReturnDisposition] = [
        .new: .restock, .good: .restock, .opened: .refurbish, .incomplete: .refurbish,
        .defective: .returnToVendor, .damaged: .scrap, .wrongItem: .quarantine,
    ]

    public static let standard = ReturnsPolicy()

    /// What goods in `condition` become.
    public func disposition(for condition: ReturnCondition) -> ReturnDisposition {
        dispositions[condition] ?? .quarantine
    }

    /// The last day a return for `rma` may arrive.
    public func deadline(for rma: ReturnAuthorisation) -> UTCDay {
        rma.soldOn.adding(days: windowDaysByReason[rma.reason] ?? windowDays)
    }
}
