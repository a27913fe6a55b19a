import Foundation

extension ThreeWayMatch {
    /// Matches one invoice line against its PO line, the receipts and what was billed before.
    struct InvoiceLineMatcher {
        typealias Reason = ThreeWayMatchResult.Reason

        let invoice: ThreeWayMatch.Invoice
        /// `nil` when the invoice's purchase order is not known.
        let order: ThreeWayMatch.PurchaseOrder?
        /// Whether invoice amounts may be compared with PO amounts: not across currencies.
        let comparesAmounts: Bool
        let policy: ThreeWayMatchPolicy
        private let resolver: LineResolver?

        init(invoice: Invoice, order: PurchaseOrder?, comparesAmounts: Bool, policy: ThreeWayMatchPolicy) {
            self.invoice = invoice
            self.order = order
            self.comparesAmounts = comparesAmounts
            self.policy = policy
            // Built once: an invoice may have thousands of lines.
            resolver = order.map(LineResolver.init)
        }

        func match(_ line: ThreeWayMatch.Invoice.Line, position: Int, quantities: inout LineQuantities)
            -> ThreeWayMatchResult.Line
        {
            var result = ThreeWayMatchResult.Line(invoiceLine: line.line ?? position, sku: line.sku)
            let label = "invoice line \(result.invoiceLine)"
            var reasons: [Reason] = []

            guard line.quantity > 0 else {
                result.reasons = [
                    Reason(.invalidQuantity, .exception, "\(label) bills a quantity of \(text(line.quantity))")
                ]
                result.outcome = .exception
                return result
            }
            guard line.unitPrice >= 0 else {
                result.reasons = [Reason(.invalidPrice, .exception, "\(label) has a negative unit price")]
                result.outcome = .exception
                return result
            }

            // The line's own arithmetic does not depend on the order; its findings go last.
            var amountReasons: [Reason] = []
            let extended = attempt(&amountReasons, label) { () throws(MoneyError) in
                try Money.rounding(
                    line.quantity * line.unitPrice, currency: invoice.currency, rule: policy.extendedAmountRounding)
            }
            result.amount = extended
            if let printed = line.amount {
                result.amount = attempt(&amountReasons, "") { () throws(MoneyError) in
                    try exactAmount(printed, invoice.currency, "the amount of \(label)")
                }
                if let billed = result.amount, let extended,
                    let finding = attempt(
                        &amountReasons, label,
                        { () throws(MoneyError) in
                            try lineAmountFinding(billed: billed, extended: extended, line: line, label: label)
                        }) ?? nil
                {
                    amountReasons.append(finding)
                }
            }

            if let order, let resolver {
                matchAgainstOrder(
                    line, order: order, resolver: resolver, label: label, extended: extended, into: &result,
                    reasons: &reasons,
                    quantities: &quantities)
            } else {
                reasons.append(Reason(.missingPO, .exception, "\(label) cannot be matched without its purchase order"))
            }
            // The same impossible amount can surface from two computations; say it once.
            for reason in reasons + amountReasons where !result.reasons.contains(reason) {
                result.reasons.append(reason)
            }
            result.outcome = .worst(of: result.reasons)
            return result
        }

        private func matchAgainstOrder(
            _ line: ThreeWayMatch.Invoice.Line, order: ThreeWayMatch.PurchaseOrder, resolver: LineResolver,
            label: String, extended: Money?,
            into result: inout ThreeWayMatchResult.Line, reasons: inout [Reason], quantities: inout LineQuantities
        ) {
            let orderLine: ThreeWayMatch.PurchaseOrder.Line
            switch resolver.resolve(poLine: line.poLine, sku: line.sku) {
            case .notOnOrder:
                let missing = line.poLine.map { "has no line \($0)" } ?? "has no line for SKU \(line.sku)"
                reasons.append(
                    Reason(.lineNotOnPO, .exception, "\(label): PO \(order.number) \(missing)", amount: result.amount))
                return
            case .ambiguous(let candidates):
                reasons.append(
                    Reason(
                        .ambiguousSKU, .exception,
                        "\(label) names no PO line, and SKU \(line.sku) is on PO lines "
                            + candidates.map(String.init).joined(separator: ", ")))
                return
            case .found(let found, let matchedBy):
                orderLine = found
                result.poLine = found.line
                result.matchedBy = matchedBy
                if matchedBy == .poLine, policy.requiresSKUAgreement, line.sku != found.sku {
                    reasons.append(
                        Reason(
                            .skuMismatch, .exception,
                            "\(label) bills SKU \(line.sku) against PO line \(found.line), which orders \(found.sku)"))
                }
            }

            let units = LineUnits(orderLine, policy: policy)
            let received = quantities.received[orderLine.line] ?? 0
            result.uom = orderLine.uom
            result.orderedQuantity = text(orderLine.quantity)
            result.orderUnitPrice = text(orderLine.unitPrice)
            result.receivedQuantity = text(units.orderUnits(received))
            reasons += quantities.receiptProblems[orderLine.line] ?? []

            guard let billed = units.internalQuantity(line.quantity, line.uom),
                let price = units.pricePerOrderUnit(line.unitPrice, line.uom)
            else {
                reasons.append(
                    Reason(
                        .uomMismatch, .exception,
                        "\(label) bills PO line \(orderLine.line) in \(line.uom), which is not \(units.acceptedUnits)"))
                return
            }
            let before = quantities.bill(billed, against: orderLine.line)
            let cumulative = before + billed
            result.invoicedQuantity = text(units.orderUnits(billed))
            result.cumulativeInvoicedQuantity = text(units.orderUnits(cumulative))
            result.invoiceUnitPrice = text(price)

            func valued(_ quantity: Decimal) -> Money? {
                guard comparesAmounts else { return nil }
                return attempt(&reasons, label) { () throws(MoneyError) in
                    try units.valueAtOrderPrice(
                        quantity, currency: invoice.currency, rule: policy.extendedAmountRounding)
                }
            }

            let billedAtOrderPrice = valued(billed)
            if received == 0 {
                reasons.append(
                    Reason(
                        .missingReceipt, .exception,
                        "nothing has been received against PO line \(orderLine.line); the \(units.describe(billed)) "
                            + "billed on \(label) are not supported",
                        amount: billedAtOrderPrice, quantity: text(units.orderUnits(billed))))
            } else if let over = overage(before: before, cumulative: cumulative, limit: received, units: units) {
                let valuedExcess = valued(over.excess)
                reasons.append(
                    Reason(
                        .quantityVariance, over.tolerated ? .withinTolerance : .exception,
                        "\(units.describe(cumulative)) invoiced in total against PO line \(orderLine.line), "
                            + "\(units.describe(received)) received: \(units.describe(over.excess)) on \(label) "
                            + "are not received" + (valuedExcess.map { " (\($0) at the order price)" } ?? "")
                            + (over.tolerated ? ", within the quantity tolerance" : ""),
                        amount: valuedExcess, quantity: text(units.orderUnits(over.excess))))
            }

            if policy.checksOrderedQuantity,
                let over = overage(before: before, cumulative: cumulative, limit: units.orderedInternal, units: units)
            {
                let valuedExcess = valued(over.excess)
                reasons.append(
                    Reason(
                        .quantityExceedsOrder, over.tolerated ? .withinTolerance : .exception,
                        "\(units.describe(cumulative)) invoiced in total against "
                            + "\(units.describe(units.orderedInternal)) "
                            + "ordered on PO line \(orderLine.line): \(units.describe(over.excess)) on \(label) exceed "
                            + "the order" + (over.tolerated ? ", within the quantity tolerance" : ""),
                        amount: valuedExcess, quantity: text(units.orderUnits(over.excess))))
            }

            if comparesAmounts, price != orderLine.unitPrice {
                let difference = price - orderLine.unitPrice
                let tolerated = difference.magnitude <= policy.priceTolerance.allowance(on: orderLine.unitPrice)
                // Extended minus the same quantity at the PO price: what the price difference costs, as printed.
                let amount =
                    extended.flatMap { extended in
                        billedAtOrderPrice.flatMap { atOrderPrice in
                            attempt(&reasons, label) { () throws(MoneyError) in try extended.minus(atOrderPrice) }
                        }
                    }
                var message =
                    "\(label) prices PO line \(orderLine.line) at \(text(price)) per \(orderLine.uom) against "
                    + "\(text(orderLine.unitPrice)) on the order (\(signed(difference)) per unit"
                let percent =
                    orderLine.unitPrice == 0
                    ? 0 : DecimalText.round(difference * 100 / orderLine.unitPrice, scale: 2, rule: .halfUp)
                // A difference too small to show as a percentage is left at "per unit".
                if percent != 0 {
                    message += ", \(signed(percent))%"
                }
                message += ")" + (amount.map { ": \($0) on \(units.describe(billed))" } ?? "")
                message += tolerated ? ", within the price tolerance" : ""
                reasons.append(
                    Reason(.priceVariance, tolerated ? .withinTolerance : .exception, message, amount: amount))
            }
        }

        /// The part of this line's quantity above `limit`, and whether the cumulative excess is tolerated.
        ///
        /// Only what this line adds counts against it, so a line is not blamed for an
        /// earlier invoice's over-billing, but the tolerance applies to the total.
        private func overage(before: Decimal, cumulative: Decimal, limit: Decimal, units: LineUnits)
            -> (excess: Decimal, tolerated: Bool)?
        {
            let excess = max(0, cumulative - limit) - max(0, before - limit)
            guard excess > 0 else { return nil }
            let allowance = policy.quantityTolerance.allowance(on: limit, absoluteScale: units.factor)
            return (excess, cumulative - limit <= allowance)
        }

        private func lineAmountFinding(billed: Money, extended: Money, line: ThreeWayMatch.Invoice.Line, label: String)
            throws(MoneyError) -> Reason?
        {
            let difference = try billed.minus(extended)
            guard !difference.isZero else { return nil }
            let tolerated = difference.decimal.magnitude <= policy.lineAmountTolerance.allowance(on: extended.decimal)
            return Reason(
                .lineAmountMismatch, tolerated ? .withinTolerance : .exception,
                "\(label) prints \(billed) but \(text(line.quantity)) \(line.uom) × \(text(line.unitPrice)) "
                    + "is \(extended)"
                    + (tolerated ? ", within the line amount tolerance" : ""),
                amount: difference)
        }
    }
}

extension ThreeWayMatchPolicy.Tolerance {
    /// ``allowance(on:)`` for a reference in units `absoluteScale` times smaller than the absolute limit's:
    /// quantities compared in base units against a limit written in PO units.
    func allowance(on reference: Decimal, absoluteScale: Decimal) -> Decimal {
        var scaled = self
        scaled.absolute = absolute.map { $0 * absoluteScale }
        return scaled.allowance(on: reference)
    }
}

extension ThreeWayMatch {
    /// Runs `body`, turning an amount that cannot be represented into a finding instead of a failed match.
    static func attempt<T>(
        _ reasons: inout [ThreeWayMatchResult.Reason], _ context: String, _ body: () throws(MoneyError) -> T
    ) -> T? {
        do {
            return try body()
        } catch {
            let code = ThreeWayMatchResult.Reason.Code(rawValue: error.code) ?? .invalidAmount
            let message = context.isEmpty ? error.message : "\(context): \(error.message)"
            reasons.append(ThreeWayMatchResult.Reason(code, .exception, message))
            return nil
        }
    }

    /// `amount` as money of `currency`, exactly as written.
    static func exactAmount(_ amount: Decimal, _ currency: Currency, _ what: String) throws(MoneyError) -> Money {
        guard let money = Money.exact(amount, currency: currency) else {
            throw MoneyError(
                .invalidAmount,
                "\(what), \(text(amount)), is not a whole number of \(currency) minor units or is too large")
        }
        return money
    }

    static func text(_ value: Decimal) -> String { DecimalText.text(value) }

    static func signed(_ value: Decimal) -> String { value > 0 ? "+" + text(value) : text(value) }
}
