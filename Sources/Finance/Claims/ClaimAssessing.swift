import Foundation

extension ClaimPolicy {
    /// Prices a claim and works out its deadlines and status at `now`.
    ///
    /// - Throws: ``ClaimError`` for malformed input only; a late or
    ///   ill-evidenced claim is an assessment, not an error.
    public func assess(_ claim: DamageClaim, now: Date) throws(ClaimError) -> ClaimAssessment {
        let rule = rule(for: claim.counterparty)
        try validate(rule)
        let goods = try goodsAmount(claim)
        let freight = try freightShare(claim)
        let amount = try ClaimError.checking { () throws(MoneyError) in try goods.plus(freight) }

        var findings: [ClaimFinding] = []
        let start: UTCDay
        switch (rule.measuredFrom, claim.deliveredAt) {
        case (.delivery, let delivered?):
            start = UTCDay(delivered)
        case (.delivery, nil):
            start = UTCDay(claim.damageFoundAt)
            findings.append(
                ClaimFinding(
                    .deliveryDateUnknown,
                    "no delivery date: deadlines count from \(start), when the damage was found, and may be too late"))
        case (.damageFound, _):
            start = UTCDay(claim.damageFoundAt)
        }
        let filingDeadline = start.adding(days: rule.filingDays)
        let timeBar = start.adding(days: rule.timeBarDays)
        let today = UTCDay(now)
        let daysLeft = today.days(until: filingDeadline)

        let status: ClaimStatus
        if let filedAt = claim.filedAt {
            let filedOn = UTCDay(filedAt)
            if filedOn > timeBar {
                status = .timeBarred
                findings.append(ClaimFinding(.timeBarred, "filed on \(filedOn), after the time bar of \(timeBar)"))
            } else {
                status = .filed
                if filedOn > filingDeadline {
                    findings.append(
                        ClaimFinding(.filedLate, "filed on \(filedOn), after the filing deadline of \(filingDeadline)"))
                }
            }
        } else if today > timeBar {
            status = .timeBarred
            findings.append(ClaimFinding(.timeBarred, "the time bar for \(claim.reference) passed on \(timeBar)"))
        } else if today > filingDeadline {
            status = .overdue
            findings.append(
                ClaimFinding(
                    .overdue,
                    "the filing deadline was \(filingDeadline), \(-daysLeft) day(s) ago; the time bar is \(timeBar)"))
        } else if daysLeft <= dueSoonDays {
            status = .dueSoon
            findings.append(ClaimFinding(.dueSoon, "\(daysLeft) day(s) left to file, by \(filingDeadline)"))
        } else {
            status = .open
        }

        let evidence = Set(
            claim.evidence.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty })
        if evidence.count < rule.minimumEvidence {
            findings.append(
                ClaimFinding(
                    .insufficientEvidence,
                    "a \(claim.counterparty.role) claim needs \(rule.minimumEvidence) piece(s) of evidence; \(evidence.count) given"
                ))
        }
        if amount.minorUnits <= 0 {
            findings.append(ClaimFinding(.zeroAmount, "there is nothing to claim: the amount is \(amount)"))
        }
        let canFile =
            claim.filedAt == nil && status != .timeBarred && evidence.count >= rule.minimumEvidence
            && amount.minorUnits > 0
        return ClaimAssessment(
            goodsAmount: goods, freightShare: freight, amount: amount, filingDeadline: filingDeadline, timeBar: timeBar,
            daysToFilingDeadline: daysLeft, status: status, evidenceCount: evidence.count, canFile: canFile,
            findings: findings)
    }

    private func goodsAmount(_ claim: DamageClaim) throws(ClaimError) -> Money {
        guard !claim.lines.isEmpty else {
            throw ClaimError(.invalidClaim, "claim \(claim.reference) has no damaged lines", field: "lines")
        }
        var total = Money.zero(claim.currency)
        for (index, line) in claim.lines.enumerated() {
            let field = "lines[\(index)]"
            guard line.damagedQuantity >= 0, line.unitCost >= 0 else {
                throw ClaimError(
                    .invalidLine, "\(line.sku) has a negative damaged quantity or unit cost", field: field)
            }
            let rounding = rounding
            total = try ClaimError.checking(field: field) { () throws(MoneyError) in
                try total.plus(
                    try Money.rounding(line.damagedQuantity * line.unitCost, currency: claim.currency, rule: rounding))
            }
        }
        return total
    }

    private func freightShare(_ claim: DamageClaim) throws(ClaimError) -> Money {
        guard let freight = claim.freight else { return .zero(claim.currency) }
        guard freight.charge.currency == claim.currency else {
            throw ClaimError(
                .currencyMismatch,
                "the freight bill is in \(freight.charge.currency) but the goods are in \(claim.currency)",
                field: "freight.charge")
        }
        let damaged = claim.lines.reduce(Decimal(0)) { $0 + $1.damagedQuantity }
        guard freight.shippedQuantity > 0, damaged <= freight.shippedQuantity else {
            throw ClaimError(
                .invalidClaim,
                "freight is prorated over \(DecimalText.text(freight.shippedQuantity)) shipped, fewer than the \(DecimalText.text(damaged)) damaged",
                field: "freight.shipped_quantity")
        }
        guard damaged > 0 else { return .zero(claim.currency) }
        return try ClaimError.checking(field: "freight") { () throws(MoneyError) in
            try freight.charge.allocate([damaged, freight.shippedQuantity - damaged]).first ?? .zero(claim.currency)
        }
    }

    private func validate(_ rule: ClaimDeadlineRule) throws(ClaimError) {
        guard rule.filingDays >= 0, rule.timeBarDays >= rule.filingDays, rule.minimumEvidence >= 0, dueSoonDays >= 0,
            rule.timeBarDays <= 36_600
        else {
            throw ClaimError(
                .invalidPolicy,
                "claim days must be 0 or more with the time bar not before the filing deadline (at most 36600 days), and evidence 0 or more"
            )
        }
    }
}
