/// What kind of exception a case is: the assistant's taxonomy.
///
/// Raw values are stable codes: they are stored with every resolved case, learned from,
/// exchanged with external models and shown in the portal, so a label is never renamed,
/// only added. `README.md` beside the module gives one line of meaning per label.
///
/// - `price_variance`: an invoice unit price differs from the PO price beyond tolerance.
/// - `short_shipment`: more is invoiced than was received (some, but not all, arrived).
/// - `over_billing`: more is invoiced than was ordered.
/// - `duplicate_invoice`: the invoice repeats one the supplier already sent.
/// - `missing_receipt`: an invoice line bills goods of which nothing has been received.
/// - `missing_po`: the invoice names no purchase order, or one that is not known.
/// - `not_on_po`: an invoice line has no counterpart on the purchase order.
/// - `uom_mismatch`: a line is billed or received in a unit the PO line cannot convert.
/// - `freight_tax_difference`: freight or tax billed above what the order agreed.
/// - `currency_mismatch`: invoice and order are in different currencies.
/// - `document_mismatch`: the documents disagree on who or what (PO number, supplier, SKU).
/// - `invoice_arithmetic`: the invoice's own lines or total do not add up.
/// - `invalid_document`: a quantity, price or amount that cannot be right (negative, unrepresentable).
/// - `damaged_on_arrival`: goods arrived damaged, rejected or quarantined.
/// - `late_asn`: the advance ship notice came after the goods, or not at all.
/// - `count_variance`: a cycle count differs from the book quantity.
/// - `return_outside_window`: a return was requested after its return window closed.
/// - `chargeback`: a customer or carrier deducted or charged back an amount.
/// - `credit_hold`: a customer order is held for credit.
public enum ExceptionLabel: String, Sendable, CaseIterable, Comparable {
    case priceVariance = "price_variance"
    case shortShipment = "short_shipment"
    case overBilling = "over_billing"
    case duplicateInvoice = "duplicate_invoice"
    case missingReceipt = "missing_receipt"
    case missingPO = "missing_po"
    case notOnPO = "not_on_po"
    case uomMismatch = "uom_mismatch"
    case freightTaxDifference = "freight_tax_difference"
    case currencyMismatch = "currency_mismatch"
    case documentMismatch = "document_mismatch"
    case invoiceArithmetic = "invoice_arithmetic"
    case invalidDocument = "invalid_document"
    case damagedOnArrival = "damaged_on_arrival"
    case lateASN = "late_asn"
    case countVariance = "count_variance"
    case returnOutsideWindow = "return_outside_window"
    case chargeback
    case creditHold = "credit_hold"

    /// Reads a stored or received label.
    ///
    /// - Throws: `invalid_code` naming the unknown label.
    public static func parse(_ text: String, field: String? = nil) throws(TriageError) -> ExceptionLabel {
        guard let label = ExceptionLabel(rawValue: text) else {
            throw TriageError(.invalidCode, "'\(text.prefix(64))' is not a known exception label", field: field)
        }
        return label
    }

    /// Sorted by code, so label sets print and key the same way everywhere.
    public static func < (lhs: ExceptionLabel, rhs: ExceptionLabel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The dimension of the variance this label describes.
    public var varianceType: VarianceType {
        switch self {
        case .priceVariance: .price
        case .shortShipment, .overBilling, .missingReceipt, .uomMismatch: .quantity
        case .freightTaxDifference: .charges
        case .duplicateInvoice, .missingPO, .notOnPO, .currencyMismatch, .documentMismatch, .invoiceArithmetic,
            .invalidDocument:
            .document
        case .damagedOnArrival, .countVariance: .inventory
        case .lateASN, .returnOutsideWindow: .timing
        case .chargeback, .creditHold: .customer
        }
    }
}

/// The dimension along which a case varies: a coarse feature that groups labels.
public enum VarianceType: String, Sendable, CaseIterable {
    case price
    case quantity
    case charges
    case document
    case inventory
    case timing
    case customer

    /// The variance type of a label set: the first, in this order of precedence, that any label has.
    ///
    /// Document problems come first because they make every other comparison unreliable; price before
    /// quantity because a price variance usually carries the larger amount.
    public static func dominant(of labels: some Sequence<ExceptionLabel>) -> VarianceType? {
        let types = Set(labels.map(\.varianceType))
        return [.document, .price, .quantity, .charges, .inventory, .timing, .customer].first(where: types.contains)
    }
}
