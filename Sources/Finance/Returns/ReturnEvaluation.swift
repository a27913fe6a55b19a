import Foundation

/// What to do with a return as a whole.
public enum ReturnDecision: String, Sendable, CaseIterable {
    /// Issue the credit as computed.
    case approved
    /// Some lines need a person (over-received, wrong SKU, no price); the clean lines' credit stands.
    case needsReview = "needs_review"
    /// No credit: no such RMA, it belongs to another receipt, or the window has closed.
    case rejected

    public var message: String {
        switch self {
        case .approved: "approved: issue the credit"
        case .needsReview: "needs review: some lines could not be credited as received"
        case .rejected: "rejected: no credit is due against this authorisation"
        }
    }
}

/// One reason behind a decision, a credit or a disposition.
public struct ReturnFinding: Sendable, Equatable {
    public enum Code: String, Sendable, CaseIterable {
        case rmaNotFound = "rma_not_found"
        case rmaMismatch = "rma_mismatch"
        case rmaExpired = "rma_expired"
        case unknownRMALine = "unknown_rma_line"
        case skuMismatch = "sku_mismatch"
        case overAuthorised = "over_authorised"
        case missingUnitPrice = "missing_unit_price"
        case conditionNotCreditable = "condition_not_creditable"
        case restockingFeeWaived = "restocking_fee_waived"
        case restockingFeeCharged = "restocking_fee_charged"
        /// The warehouse proposed another disposition than the policy's; informational.
        case dispositionDiffers = "disposition_differs"
    }

    public let code: Code
    public let message: String
    /// The RMA line concerned; nil for the return as a whole.
    public let rmaLine: Int?

    public init(_ code: Code, _ message: String, rmaLine: Int? = nil) {
        self.code = code
        self.message = message
        self.rmaLine = rmaLine
    }

    /// Whether this finding holds back a line's credit.
    public var needsReview: Bool {
        switch code {
        case .unknownRMALine, .skuMismatch, .overAuthorised, .missingUnitPrice, .conditionNotCreditable: true
        default: false
        }
    }
}

/// Money due for one received line.
public struct ReturnCredit: Sendable, Equatable {
    /// Received quantity within what was still authorised: what is credited.
    public let quantity: Decimal
    /// Credited quantity × unit price, rounded to the currency.
    public let gross: Money
    /// The restocking fee, rounded on its own so that `credit + fee == gross` exactly.
    public let restockingFee: Money
    public let credit: Money
    public let feeWaived: Bool
}

/// The outcome for one received line.
public struct ReturnLineOutcome: Sendable, Equatable {
    public let line: ReturnReceipt.Line
    public let disposition: ReturnDisposition
    /// The quantity credited; zero when `credit` is nil.
    public let creditedQuantity: Decimal
    /// Nil when nothing can be credited for the line.
    public let credit: ReturnCredit?
}

/// The verdict on a return receipt.
public struct ReturnEvaluation: Sendable, Equatable {
    public let decision: ReturnDecision
    public let findings: [ReturnFinding]
    /// One per received line, in order; dispositions are decided even when no credit is due.
    public let lines: [ReturnLineOutcome]
    /// The last day the return could arrive; nil without an RMA.
    public let deadline: UTCDay?
    /// The sum of the line credits; nil only when there is no RMA to take a currency from.
    public let totalCredit: Money?
}
