import Foundation

/// Where a claim stands at a given moment.
public enum ClaimStatus: String, Sendable, CaseIterable {
    /// Not filed; the filing deadline is more than the due-soon days away.
    case open
    /// Not filed; the filing deadline is near.
    case dueSoon = "due_soon"
    /// Not filed; past the filing deadline but not the time bar: file now.
    case overdue
    /// Past the time bar without being filed, or filed after it.
    case timeBarred = "time_barred"
    /// Filed in time.
    case filed

    public var message: String {
        switch self {
        case .open: "open: not yet filed, deadline not near"
        case .dueSoon: "due soon: file before the deadline"
        case .overdue: "overdue: past the filing deadline, still inside the time bar"
        case .timeBarred: "time-barred: the counterparty may refuse to pay"
        case .filed: "filed in time"
        }
    }
}

/// One reason behind a claim's status or fileability.
public struct ClaimFinding: Sendable, Equatable {
    public enum Code: String, Sendable, CaseIterable {
        case insufficientEvidence = "insufficient_evidence"
        /// No delivery date: the days count from when the damage was found,
        /// which is later, so the deadline shown may be too generous.
        case deliveryDateUnknown = "delivery_date_unknown"
        case dueSoon = "due_soon"
        case overdue
        case timeBarred = "time_barred"
        case filedLate = "filed_late"
        case zeroAmount = "zero_amount"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// A claim's amount, deadlines and status at a given moment.
public struct ClaimAssessment: Sendable, Equatable {
    /// Damaged quantity × unit cost, rounded line by line and added up.
    public let goodsAmount: Money
    /// The damaged units' share of the freight bill; zero without one.
    public let freightShare: Money
    /// What to claim: goods plus freight share.
    public let amount: Money
    public let filingDeadline: UTCDay
    public let timeBar: UTCDay
    /// Days from `now`'s UTC day to the filing deadline; negative once past it.
    public let daysToFilingDeadline: Int
    public let status: ClaimStatus
    /// Distinct, non-blank evidence references.
    public let evidenceCount: Int
    /// Unfiled, not time-barred, enough evidence, and something to claim.
    public let canFile: Bool
    public let findings: [ClaimFinding]
}
