import Foundation

extension ThreeWayMatch {
    /// Findings about the invoice as a whole: duplicates, charges against the order, its own arithmetic.
    struct InvoiceHeaderChecks {
        typealias Reason = ThreeWayMatchResult.Reason

        let invoice: Invoice
        let policy: ThreeWayMatchPolicy

        /// One finding per earlier invoice this one repeats: same supplier and invoice number, or
        /// same supplier, total and invoice date (the re-keyed duplicate with a new number).
        func duplicates(among earlier: [Invoice]) -> [Reason] {
            let number = comparable(invoice.number)
            let totalText =
                Money.exact(invoice.total, currency: invoice.currency)?.description
                ?? "\(invoice.currency) \(text(invoice.total))"
            return earlier.compactMap { other in
                guard other.supplierID == invoice.supplierID else { return nil }
                if comparable(other.number) == number {
                    return Reason(
                        .duplicateInvoice, .exception,
                        "supplier \(invoice.supplierID) already sent invoice \(other.number) (\(other.id))",
                        reference: other.number)
                }
                if other.currency == invoice.currency, other.total == invoice.total,
                    other.invoiceDate == invoice.invoiceDate
                {
                    return Reason(
                        .duplicateInvoice, .exception,
                        "invoice \(other.number) from supplier \(invoice.supplierID) has the same total "
                            + "\(totalText) and date \(invoice.invoiceDate)",
                        reference: other.number)
                }
                return nil
            }
        }

        private func comparable(_ number: String) -> String {
            switch policy.invoiceNumberComparison {
            case .exact: number
            case .lettersAndDigits:
                String(String.UnicodeScalarView(number.unicodeScalars.filter(CharacterSet.alphanumerics.contains)))
                    .uppercased()
            }
        }

        /// Freight or tax billed so far against what the order agreed.
        ///
        /// One-sided and cumulative, like quantities: billing less than agreed is
        /// not a variance, because a later invoice may bill the rest.
        func charge(
            _ code: Reason.Code, name: String, agreed: Money, billed: Money, earlier: [Money],
            tolerance: ThreeWayMatchPolicy.Tolerance
        ) throws(MoneyError) -> Reason? {
            var before = Money.zero(agreed.currency)
            for amount in earlier { before = try before.plus(amount) }
            let cumulative = try before.plus(billed)
            let over = try cumulative.minus(agreed)
            let overBefore = try before.minus(agreed)
            let excess = max(0, over.minorUnits) - max(0, overBefore.minorUnits)
            guard excess > 0 else { return nil }
            let tolerated = over.decimal <= tolerance.allowance(on: agreed.decimal)
            let excessMoney = Money(minorUnits: excess, currency: agreed.currency)
            let history = earlier.isEmpty ? "" : " (\(cumulative) with earlier invoices)"
            return Reason(
                code, tolerated ? .withinTolerance : .exception,
                "the invoice bills \(billed) of \(name)\(history) against \(agreed) on the order: \(excessMoney) over"
                    + (tolerated ? ", within the \(name) tolerance" : ""),
                amount: excessMoney)
        }

        /// Whether lines + freight + tax − discount make the stated total.
        func totalConsistency(lines: [Money], freight: Money, tax: Money, discount: Money, total: Money)
            throws(MoneyError) -> Reason?
        {
            var linesAmount = Money.zero(total.currency)
            for amount in lines { linesAmount = try linesAmount.plus(amount) }
            let computed = try linesAmount.plus(freight).plus(tax).minus(discount)
            let difference = try total.minus(computed)
            guard !difference.isZero else { return nil }
            let tolerated = difference.decimal.magnitude <= policy.totalTolerance.allowance(on: total.decimal)
            var terms = "lines \(linesAmount.amountText) + freight \(freight.amountText) + tax \(tax.amountText)"
            if !discount.isZero { terms += " − discount \(discount.amountText)" }
            return Reason(
                .totalMismatch, tolerated ? .withinTolerance : .exception,
                "the invoice total \(total) is not \(terms) = \(computed)"
                    + (tolerated ? ", within the total tolerance" : ""),
                amount: difference)
        }
    }
}
