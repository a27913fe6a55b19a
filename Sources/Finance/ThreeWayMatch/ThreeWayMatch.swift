import Foundation

extension ThreeWayMatch {
    /// Matches `invoice` against its purchase order, the goods received, and the invoices already matched.
    ///
    /// Lines are paired by PO line number, else by SKU; receipt and invoice
    /// quantities are converted into the PO line's unit: a unit equal to the line's `uom` is taken as is,
    /// one equal to its base unit (with a `uom_factor`) is divided by the factor, any other is a `uom_mismatch`.
    /// Quantities are cumulative: everything billed against a PO line (by
    /// `previousInvoices` for the same PO, earlier lines of this invoice, and
    /// this line) is compared with everything accepted into stock and with
    /// the quantity ordered, and a line is charged only with the excess it adds.
    /// Amounts are never compared across currencies.
    ///
    /// Never throws: every problem, including amounts that cannot be
    /// represented, is a finding in the result, so a caller can always store it.
    ///
    /// - Parameters:
    ///   - purchaseOrder: `nil` when the invoice names an order that is not known (`missing_po`).
    ///   - receipts: Receipts for other orders are ignored.
    ///   - previousInvoices: Invoices seen before: all of the supplier's, for duplicate detection; those for
    ///     this order also count towards cumulative quantities and charges. One with `invoice.id` is
    ///     this invoice matched again and is ignored.
    public static func match(
        invoice: Invoice, purchaseOrder: PurchaseOrder?, receipts: [GoodsReceipt] = [],
        previousInvoices: [Invoice] = [], policy: ThreeWayMatchPolicy = ThreeWayMatchPolicy()
    ) -> ThreeWayMatchResult {
        let earlier = previousInvoices.filter { $0.id != invoice.id }
        let checks = InvoiceHeaderChecks(invoice: invoice, policy: policy)
        var reasons = checks.duplicates(among: earlier)

        var comparesAmounts = false
        if let order = purchaseOrder {
            if let named = invoice.poNumber, named != order.number {
                reasons.append(
                    Reason(
                        .poNumberMismatch, .exception,
                        "the invoice names PO \(named) but was matched against PO \(order.number)"))
            }
            if invoice.supplierID != order.supplierID {
                reasons.append(
                    Reason(
                        .supplierMismatch, .exception,
                        "the invoice is from supplier \(invoice.supplierID) but PO \(order.number) is with "
                            + "\(order.supplierID)"))
            }
            comparesAmounts = invoice.currency == order.currency
            if !comparesAmounts {
                reasons.append(
                    Reason(
                        .currencyMismatch, .exception,
                        "the invoice is in \(invoice.currency) but PO \(order.number) is in \(order.currency); "
                            + "no amounts were compared"))
            }
        } else {
            let named = invoice.poNumber.map { "PO \($0) is not known" } ?? "the invoice names no purchase order"
            reasons.append(Reason(.missingPO, .exception, "\(named); nothing can be matched"))
        }

        let earlierForOrder = purchaseOrder.map { order in earlier.filter { $0.poNumber == order.number } } ?? []
        var quantities =
            purchaseOrder.map {
                LineQuantities(order: $0, receipts: receipts, previousInvoices: earlierForOrder, policy: policy)
            } ?? LineQuantities()
        let matcher = InvoiceLineMatcher(
            invoice: invoice, order: purchaseOrder, comparesAmounts: comparesAmounts, policy: policy)
        var lines: [ThreeWayMatchResult.Line] = []
        for (index, line) in invoice.lines.enumerated() {
            lines.append(matcher.match(line, position: index + 1, quantities: &quantities))
        }

        // Header amounts: each is read once, so a bad one is reported once.
        let currency = invoice.currency
        func amount(_ value: Decimal?, _ what: String) -> Money? {
            attempt(&reasons, "") { () throws(MoneyError) in
                try exactAmount(value ?? 0, currency, "the invoice's \(what)")
            }
        }
        let freight = amount(invoice.freight, "freight")
        let tax = amount(invoice.tax, "tax")
        let discount = amount(invoice.discount, "discount")
        let total = amount(invoice.total, "total")

        if let order = purchaseOrder, comparesAmounts {
            // Earlier invoices in another currency cannot be added up with this one.
            let sameCurrency = earlierForOrder.filter { $0.currency == currency }
            func check(
                _ code: Reason.Code, _ name: String, agreed: Decimal?, billed: Money?,
                earlier: (Invoice) -> Decimal?, tolerance: ThreeWayMatchPolicy.Tolerance
            ) {
                guard let billed else { return }
                let finding = attempt(&reasons, "") { () throws(MoneyError) in
                    try checks.charge(
                        code, name: name, agreed: exactAmount(agreed ?? 0, currency, "the order's \(name)"),
                        billed: billed,
                        earlier: sameCurrency.compactMap { Money.exact(earlier($0) ?? 0, currency: currency) },
                        tolerance: tolerance)
                }
                if let finding = finding ?? nil { reasons.append(finding) }
            }
            check(
                .freightVariance, "freight", agreed: order.freight, billed: freight, earlier: \.freight,
                tolerance: policy.freightTolerance)
            check(.taxVariance, "tax", agreed: order.tax, billed: tax, earlier: \.tax, tolerance: policy.taxTolerance)
        }

        // Checked only when every line's amount is known; a line whose amount is not has its own finding.
        let lineAmounts = lines.compactMap(\.amount)
        if lineAmounts.count == invoice.lines.count, let freight, let tax, let discount, let total,
            let finding = attempt(
                &reasons, "the invoice total",
                { () throws(MoneyError) in
                    try checks.totalConsistency(
                        lines: lineAmounts, freight: freight, tax: tax, discount: discount, total: total)
                }) ?? nil
        {
            reasons.append(finding)
        }

        let outcome = max(Outcome.worst(of: reasons), lines.map(\.outcome).max() ?? .matched)
        return ThreeWayMatchResult(
            outcome: outcome, invoiceNumber: invoice.number, supplierID: invoice.supplierID,
            poNumber: purchaseOrder?.number ?? invoice.poNumber, currency: invoice.currency.code, reasons: reasons,
            lines: lines)
    }

    typealias Reason = ThreeWayMatchResult.Reason
    typealias Outcome = ThreeWayMatchResult.Outcome
}
