import Foundation

/// What a three-way match found, line by line and for the invoice as a whole.
///
/// Plain values with stable codes so they serialise to JSON without
/// interpretation: quantities and unit prices are canonical decimal text
/// (exact, unlike a JSON number), amounts are ``Money``.
public struct ThreeWayMatchResult: Sendable, Equatable {
    /// How well something matched; ordered from best to worst.
    public enum Outcome: String, Sendable, Comparable, CaseIterable {
        case matched
        /// Differences exist but the policy accepts them; the invoice may be paid.
        case withinTolerance = "within_tolerance"
        /// Someone has to look before the invoice is paid.
        case exception

        public static func < (lhs: Outcome, rhs: Outcome) -> Bool { lhs.rank < rhs.rank }

        private var rank: Int {
            switch self {
            case .matched: 0
            case .withinTolerance: 1
            case .exception: 2
            }
        }
    }

    /// One finding: a stable code to branch on and a sentence for people.
    public struct Reason: Sendable, Equatable {
        public enum Code: String, Sendable, CaseIterable {
            // Whole invoice.
            case missingPO = "missing_po"
            case poNumberMismatch = "po_number_mismatch"
            case supplierMismatch = "supplier_mismatch"
            case currencyMismatch = "currency_mismatch"
            case duplicateInvoice = "duplicate_invoice"
            case freightVariance = "freight_variance"
            case taxVariance = "tax_variance"
            case totalMismatch = "total_mismatch"
            // Lines.
            case lineNotOnPO = "line_not_on_po"
            case ambiguousSKU = "ambiguous_sku"
            case skuMismatch = "sku_mismatch"
            case uomMismatch = "uom_mismatch"
            case invalidQuantity = "invalid_quantity"
            case invalidPrice = "invalid_price"
            case missingReceipt = "missing_receipt"
            case quantityVariance = "quantity_variance"
            case quantityExceedsOrder = "quantity_exceeds_order"
            case priceVariance = "price_variance"
            case lineAmountMismatch = "line_amount_mismatch"
            // Either: an amount that cannot be represented.
            case invalidAmount = "invalid_amount"
            case amountOverflow = "amount_overflow"
        }

        public let code: Code
        /// `within_tolerance` or `exception`.
        public let outcome: Outcome
        public let message: String
        /// The variance in money, signed (positive: billed more than supported), when it has one.
        public let amount: Money?
        /// The quantity variance in the PO line's unit of measure, when it has one.
        public let quantity: String?
        /// The other document involved: the earlier invoice of a duplicate, the receipt with an odd unit.
        public let reference: String?

        public init(
            _ code: Code, _ outcome: Outcome, _ message: String, amount: Money? = nil, quantity: String? = nil,
            reference: String? = nil
        ) {
            self.code = code
            self.outcome = outcome
            self.message = message
            self.amount = amount
            self.quantity = quantity
            self.reference = reference
        }
    }

    /// One invoice line and what it was matched against.
    ///
    /// Quantities and prices are in the PO line's unit of measure (``uom``),
    /// whatever unit the receipt and invoice were written in.
    public struct Line: Sendable, Equatable {
        public enum MatchedBy: String, Sendable {
            case poLine = "po_line"
            case sku
        }

        /// The invoice's line number, or the line's 1-based position when it has none.
        public var invoiceLine: Int
        public var sku: String
        public var poLine: Int?
        public var matchedBy: MatchedBy?
        public var outcome: Outcome
        /// The unit the quantities and unit prices below are in.
        public var uom: String?
        public var orderedQuantity: String?
        /// Accepted receipts against the PO line, all receipts together.
        public var receivedQuantity: String?
        /// Billed on this line.
        public var invoicedQuantity: String?
        /// Billed against the PO line so far: earlier invoices, earlier lines of this one, and this line.
        public var cumulativeInvoicedQuantity: String?
        public var orderUnitPrice: String?
        public var invoiceUnitPrice: String?
        /// The line amount as billed: the printed amount, else quantity × price rounded.
        public var amount: Money?
        public var reasons: [Reason]

        init(invoiceLine: Int, sku: String) {
            self.invoiceLine = invoiceLine
            self.sku = sku
            outcome = .matched
            reasons = []
        }
    }

    public var outcome: Outcome
    public var invoiceNumber: String
    public var supplierID: String
    public var poNumber: String?
    /// The invoice's currency; every amount in the result is in it.
    public var currency: String
    /// Findings about the invoice as a whole (header, duplicates, totals).
    public var reasons: [Reason]
    public var lines: [Line]

    /// Every reason, whole-invoice ones first, then line by line.
    public var allReasons: [Reason] { reasons + lines.flatMap(\.reasons) }
}

extension ThreeWayMatchResult.Outcome {
    /// The worse of the outcomes of `reasons`, or `matched` when there are none.
    static func worst(of reasons: [ThreeWayMatchResult.Reason]) -> Self {
        reasons.map(\.outcome).max() ?? .matched
    }
}
