import Finance

/// Labels a three-way-match result: one label per finding that needs a person, with its evidence.
///
/// Findings within tolerance are not exceptions and are skipped unless asked for, because the
/// queue should hold only what blocks payment. Every ``ThreeWayMatchResult/Reason/Code`` maps to
/// exactly one label, so a new code in `Finance` fails to compile here rather than vanish.
public struct ThreeWayMatchClassifier: Sendable {
    /// Whether `within_tolerance` findings are labelled too (for analytics on near misses).
    public var includesWithinTolerance: Bool

    public init(includesWithinTolerance: Bool = false) {
        self.includesWithinTolerance = includesWithinTolerance
    }

    public func classify(_ result: ThreeWayMatchResult) -> Classification {
        var classification = Classification()
        for reason in result.reasons where counts(reason) {
            classification.add(Self.label(for: reason.code), evidence(reason, line: nil))
        }
        for line in result.lines {
            for reason in line.reasons where counts(reason) {
                classification.add(Self.label(for: reason.code), evidence(reason, line: line))
            }
        }
        return classification
    }

    /// The label a finding code stands for.
    public static func label(for code: ThreeWayMatchResult.Reason.Code) -> ExceptionLabel {
        switch code {
        case .missingPO: .missingPO
        case .poNumberMismatch, .supplierMismatch, .ambiguousSKU, .skuMismatch: .documentMismatch
        case .currencyMismatch: .currencyMismatch
        case .duplicateInvoice: .duplicateInvoice
        case .freightVariance, .taxVariance: .freightTaxDifference
        case .totalMismatch, .lineAmountMismatch: .invoiceArithmetic
        case .lineNotOnPO: .notOnPO
        case .uomMismatch: .uomMismatch
        case .invalidQuantity, .invalidPrice, .invalidAmount, .amountOverflow: .invalidDocument
        case .missingReceipt: .missingReceipt
        case .quantityVariance: .shortShipment
        case .quantityExceedsOrder: .overBilling
        case .priceVariance: .priceVariance
        }
    }

    private func counts(_ reason: ThreeWayMatchResult.Reason) -> Bool {
        reason.outcome == .exception || (includesWithinTolerance && reason.outcome == .withinTolerance)
    }

    /// The compared values of a finding, read from the line the matcher filled in.
    private func evidence(_ reason: ThreeWayMatchResult.Reason, line: ThreeWayMatchResult.Line?) -> Evidence {
        var item = Evidence(
            line: line?.invoiceLine, field: "document", amount: reason.amount, reference: reason.reference,
            note: reason.message)
        switch reason.code {
        case .priceVariance:
            item.field = "unit_price"
            item.expected = line?.orderUnitPrice
            item.actual = line?.invoiceUnitPrice
        case .quantityVariance:
            item.field = "quantity"
            item.expected = line?.receivedQuantity
            item.actual = line?.cumulativeInvoicedQuantity
        case .quantityExceedsOrder:
            item.field = "quantity"
            item.expected = line?.orderedQuantity
            item.actual = line?.cumulativeInvoicedQuantity
        case .missingReceipt:
            item.field = "received_quantity"
            item.expected = line?.invoicedQuantity
            item.actual = line?.receivedQuantity ?? "0"
        case .uomMismatch:
            item.field = "uom"
            item.expected = line?.uom
        case .lineNotOnPO, .ambiguousSKU, .skuMismatch:
            item.field = "sku"
            item.actual = line?.sku
        case .lineAmountMismatch:
            item.field = "line_amount"
        case .totalMismatch:
            item.field = "total"
        case .freightVariance:
            item.field = "freight"
        case .taxVariance:
            item.field = "tax"
        case .duplicateInvoice:
            item.field = "invoice_number"
        case .missingPO, .poNumberMismatch:
            item.field = "po_number"
        case .supplierMismatch:
            item.field = "supplier_id"
        case .currencyMismatch:
            item.field = "currency"
        case .invalidQuantity:
            item.field = "quantity"
        case .invalidPrice:
            item.field = "unit_price"
        case .invalidAmount, .amountOverflow:
            item.field = "amount"
        }
        return item
    }
}
