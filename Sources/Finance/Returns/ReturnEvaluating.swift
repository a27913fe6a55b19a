import Foundation

extension ReturnsPolicy {
    /// Checks a return receipt against its RMA, decides each line's
    /// disposition, and computes the credit.
    ///
    /// - Parameters:
    ///   - rma: the authorisation the receipt names; nil when none was found.
    ///   - previouslyReceived: quantity already received per RMA line by
    ///     earlier receipts, so partial returns cannot add up past what was authorised.
    /// - Throws: ``ReturnsError`` only for malformed input; every business
    ///   outcome, rejection included, is a ``ReturnEvaluation``.
    public func evaluate(
        _ receipt: ReturnReceipt, against rma: ReturnAuthorisation?, previouslyReceived: [Int: Decimal] = [:]
    ) throws(ReturnsError) -> ReturnEvaluation {
        try validate(receipt, rma: rma, previouslyReceived: previouslyReceived)
        var findings: [ReturnFinding] = []
        let dispositions = receipt.lines.map { line in
            let disposition = disposition(for: line.condition)
            if let proposed = line.proposedDisposition, proposed != disposition {
                findings.append(
                    ReturnFinding(
                        .dispositionDiffers,
                        "the warehouse proposes \(proposed.rawValue) for \(line.sku) (\(line.condition.rawValue)); the policy says \(disposition.rawValue)",
                        rmaLine: line.rmaLine))
            }
            return disposition
        }
        func uncredited(_ decision: ReturnDecision, _ finding: ReturnFinding, deadline: UTCDay?, total: Money?)
            -> ReturnEvaluation
        {
            let lines = zip(receipt.lines, dispositions).map {
                ReturnLineOutcome(line: $0, disposition: $1, creditedQuantity: 0, credit: nil)
            }
            return ReturnEvaluation(
                decision: decision, findings: [finding] + findings, lines: lines, deadline: deadline, totalCredit: total
            )
        }

        guard let rma else {
            return uncredited(
                .rejected, ReturnFinding(.rmaNotFound, "there is no return authorisation \(receipt.rmaNumber)"),
                deadline: nil, total: nil)
        }
        let zero = Money.zero(rma.currency)
        let deadline = deadline(for: rma)
        guard rma.rmaNumber == receipt.rmaNumber else {
            return uncredited(
                .rejected,
                ReturnFinding(.rmaMismatch, "the receipt is for \(receipt.rmaNumber), not \(rma.rmaNumber)"),
                deadline: deadline, total: zero)
        }
        let receivedOn = UTCDay(receipt.receivedAt)
        guard receivedOn <= deadline else {
            return uncredited(
                .rejected,
                ReturnFinding(
                    .rmaExpired,
                    "\(rma.rmaNumber) allowed returns until \(deadline) (sold \(rma.soldOn)); the goods arrived on \(receivedOn)"
                ),
                deadline: deadline, total: zero)
        }

        let authorised = Dictionary(rma.lines.map { ($0.line, $0) }, uniquingKeysWith: { first, _ in first })
        var received = previouslyReceived
        var outcomes: [ReturnLineOutcome] = []
        var total = zero
        for (index, (line, disposition)) in zip(receipt.lines, dispositions).enumerated() {
            let credit = try credit(
                for: line, authorised: authorised[line.rmaLine], rma: rma, received: &received, findings: &findings,
                field: "lines[\(index)]")
            if let credit {
                total = try ReturnsError.checking(field: "lines[\(index)]") { () throws(MoneyError) in
                    try total.plus(credit.credit)
                }
            }
            outcomes.append(
                ReturnLineOutcome(
                    line: line, disposition: disposition, creditedQuantity: credit?.quantity ?? 0, credit: credit))
        }
        let decision: ReturnDecision = findings.contains(where: \.needsReview) ? .needsReview : .approved
        return ReturnEvaluation(
            decision: decision, findings: findings, lines: outcomes, deadline: deadline, totalCredit: total)
    }

    /// The credit for one line, or nil when it earns none; records why in `findings`.
    private func credit(
        for line: ReturnReceipt.Line, authorised: ReturnAuthorisation.Line?, rma: ReturnAuthorisation,
        received: inout [Int: Decimal], findings: inout [ReturnFinding], field: String
    ) throws(ReturnsError) -> ReturnCredit? {
        guard let authorised else {
            findings.append(
                ReturnFinding(
                    .unknownRMALine, "\(rma.rmaNumber) has no line \(line.rmaLine)", rmaLine: line.rmaLine))
            return nil
        }
        guard authorised.sku == line.sku else {
            findings.append(
                ReturnFinding(
                    .skuMismatch, "line \(line.rmaLine) authorises \(authorised.sku), but \(line.sku) arrived",
                    rmaLine: line.rmaLine))
            return nil
        }
        let before = received[line.rmaLine] ?? 0
        received[line.rmaLine] = before + line.quantity
        let remaining = max(0, authorised.quantity - before)
        let quantity = min(line.quantity, remaining)
        if line.quantity > remaining {
            findings.append(
                ReturnFinding(
                    .overAuthorised,
                    "line \(line.rmaLine) authorises \(text(authorised.quantity)) and \(text(before)) had arrived before; \(text(line.quantity - remaining)) of these \(text(line.quantity)) are not authorised",
                    rmaLine: line.rmaLine))
        }
        guard !nonCreditableConditions.contains(line.condition) else {
            findings.append(
                ReturnFinding(
                    .conditionNotCreditable, "\(line.sku) arrived as \(line.condition.rawValue), which earns no credit",
                    rmaLine: line.rmaLine))
            return nil
        }
        guard let price = authorised.unitPrice else {
            findings.append(
                ReturnFinding(
                    .missingUnitPrice, "line \(line.rmaLine) of \(rma.rmaNumber) has no unit price to credit",
                    rmaLine: line.rmaLine))
            return nil
        }
        let reason = authorised.reason ?? rma.reason
        let waived = feeWaivedReasons.contains(reason)
        let rounding = rounding
        let feeRate = restockingFeePercent / 100
        return try ReturnsError.checking(field: field) { () throws(MoneyError) in
            let gross = try Money.rounding(quantity * price, currency: rma.currency, rule: rounding)
            let fee = waived ? Money.zero(rma.currency) : try gross.times(feeRate, rule: rounding)
            if waived {
                findings.append(
                    ReturnFinding(
                        .restockingFeeWaived, "no restocking fee: the reason is \(reason.rawValue)",
                        rmaLine: line.rmaLine))
            } else if !fee.isZero {
                findings.append(
                    ReturnFinding(
                        .restockingFeeCharged,
                        "a \(DecimalText.text(restockingFeePercent)) % restocking fee of \(fee) applies: the reason is \(reason.rawValue)",
                        rmaLine: line.rmaLine))
            }
            return ReturnCredit(
                quantity: quantity, gross: gross, restockingFee: fee, credit: try gross.minus(fee), feeWaived: waived)
        }
    }

    private func validate(_ receipt: ReturnReceipt, rma: ReturnAuthorisation?, previouslyReceived: [Int: Decimal])
        throws(ReturnsError)
    {
        guard windowDays >= 0, windowDaysByReason.values.allSatisfy({ $0 >= 0 }) else {
            throw ReturnsError(.invalidPolicy, "a return window cannot be negative", field: "window_days")
        }
        guard restockingFeePercent >= 0, restockingFeePercent <= 100 else {
            throw ReturnsError(
                .invalidPolicy, "the restocking fee must be 0 to 100 percent", field: "restocking_fee_percent")
        }
        for (index, line) in receipt.lines.enumerated() where line.quantity < 0 {
            throw ReturnsError(
                .invalidLine, "received quantities cannot be negative", field: "lines[\(index)].quantity")
        }
        for (index, line) in (rma?.lines ?? []).enumerated() {
            guard line.quantity >= 0, (line.unitPrice ?? 0) >= 0 else {
                throw ReturnsError(
                    .invalidLine, "RMA line \(line.line) has a negative quantity or unit price",
                    field: "rma.lines[\(index)]")
            }
        }
        guard previouslyReceived.values.allSatisfy({ $0 >= 0 }) else {
            throw ReturnsError(
                .invalidLine, "quantities received earlier cannot be negative", field: "previously_received")
        }
    }

    private func text(_ value: Decimal) -> String { DecimalText.text(value) }
}
