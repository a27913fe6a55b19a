import Foundation

/// Who has to look at a variance; ordered from least to most severe.
public enum VarianceClassification: String, Sendable, CaseIterable, Comparable {
    /// Adjust without approval.
    case withinTolerance = "within_tolerance"
    /// A supervisor approves the adjustment, or orders a recount.
    case review
    /// Finance or loss prevention looks before anything is adjusted.
    case escalate

    public var message: String {
        switch self {
        case .withinTolerance: "within tolerance: the adjustment can be posted"
        case .review: "needs review: a supervisor approves the adjustment or orders a recount"
        case .escalate: "escalate: finance or loss prevention must look before adjusting"
        }
    }

    private var rank: Int {
        switch self {
        case .withinTolerance: 0
        case .review: 1
        case .escalate: 2
        }
    }

    public static func < (lhs: VarianceClassification, rhs: VarianceClassification) -> Bool { lhs.rank < rhs.rank }
}

/// One reason behind a classification: a stable code and a sentence for people.
public struct VarianceFinding: Sendable, Equatable {
    public enum Code: String, Sendable, CaseIterable {
        case noVariance = "no_variance"
        case withinTolerance = "within_tolerance"
        case valueExceedsReview = "value_exceeds_review"
        case percentExceedsReview = "percent_exceeds_review"
        case valueExceedsEscalation = "value_exceeds_escalation"
        case percentExceedsEscalation = "percent_exceeds_escalation"
        /// The system expected nothing (or nothing was on record), so any
        /// variance is beyond every percentage.
        case noSystemQuantity = "no_system_quantity"
        /// No unit cost: the value limits could not be checked.
        case unvalued
        case repeatOffender = "repeat_offender"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// The verdict on one counted line.
public struct VarianceAssessment: Sendable, Equatable {
    public let line: CycleCountLine
    /// Counted minus system quantity.
    public let varianceQuantity: Decimal
    /// Variance quantity × unit cost, rounded to the currency; nil without a unit cost.
    public let varianceValue: Money?
    /// Variance in percent of the absolute system quantity, signed, to two
    /// decimals; nil when the system quantity is zero.
    public let variancePercent: Decimal?
    public let classification: VarianceClassification
    public let findings: [VarianceFinding]
    /// Variances at this SKU and location inside the look-back window, this one included.
    public let occurrencesInWindow: Int
    public let isRepeatOffender: Bool
}

/// The verdict on a whole count.
public struct VarianceCountReview: Sendable, Equatable {
    /// One per line, in the order given.
    public let assessments: [VarianceAssessment]
    /// The most severe line's classification.
    public let classification: VarianceClassification
    /// Overages minus shortages, over the valued lines.
    public let netValue: Money
    /// Overages plus shortages, over the valued lines: what moved, whichever way.
    public let grossValue: Money
}
