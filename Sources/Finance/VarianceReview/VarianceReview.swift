import Foundation

extension VariancePolicy {
    /// Values and classifies one counted line.
    ///
    /// - Parameters:
    ///   - currency: the currency of the line's unit cost.
    ///   - priors: earlier variances; only those at the same SKU and location,
    ///     non-zero, and dated inside the window ending on `now`'s UTC day count.
    ///   - now: the moment of assessment; the look-back window ends on its UTC day.
    public func assess(_ line: CycleCountLine, currency: Currency, priors: [PriorVariance] = [], now: Date)
        throws(VarianceReviewError) -> VarianceAssessment
    {
        try validate(for: currency)
        return try assessValidated(line, currency: currency, priors: priors, now: now, field: "line")
    }

    /// Values and classifies every line of a count; see ``assess(_:currency:priors:now:)``.
    public func review(_ lines: [CycleCountLine], currency: Currency, priors: [PriorVariance] = [], now: Date)
        throws(VarianceReviewError) -> VarianceCountReview
    {
        try validate(for: currency)
        var assessments: [VarianceAssessment] = []
        var net = Money.zero(currency)
        var gross = Money.zero(currency)
        for (index, line) in lines.enumerated() {
            let field = "lines[\(index)]"
            let assessment = try assessValidated(line, currency: currency, priors: priors, now: now, field: field)
            if let value = assessment.varianceValue {
                try VarianceReviewError.checking(field: field) { () throws(MoneyError) in
                    net = try net.plus(value)
                    gross = try gross.plus(value.absolute)
                }
            }
            assessments.append(assessment)
        }
        return VarianceCountReview(
            assessments: assessments, classification: assessments.map(\.classification).max() ?? .withinTolerance,
            netValue: net, grossValue: gross)
    }

    private func assessValidated(
        _ line: CycleCountLine, currency: Currency, priors: [PriorVariance], now: Date, field: String
    ) throws(VarianceReviewError) -> VarianceAssessment {
        guard line.countedQuantity >= 0 else {
            throw VarianceReviewError(
                .invalidLine, "\(line.sku) at \(line.location) has a negative counted quantity",
                field: "\(field).counted_quantity")
        }
        if let cost = line.unitCost, cost < 0 {
            throw VarianceReviewError(
                .invalidLine, "\(line.sku) at \(line.location) has a negative unit cost", field: "\(field).unit_cost")
        }
        let variance = line.varianceQuantity
        let value = try line.unitCost.map { cost throws(VarianceReviewError) in
            try VarianceReviewError.checking(field: field) { () throws(MoneyError) in
                try Money.rounding(variance * cost, currency: currency, rule: valueRounding)
            }
        }
        let systemMagnitude = abs(line.systemQuantity)
        let percent =
            systemMagnitude == 0 ? nil : DecimalText.round(variance / systemMagnitude * 100, scale: 2, rule: .halfEven)

        var findings: [VarianceFinding] = []
        var classification = VarianceClassification.withinTolerance
        if variance == 0 {
            findings.append(
                VarianceFinding(.noVariance, "counted \(quantity(line.countedQuantity)) as the system expected"))
        } else {
            let measured = Measured(
                variance: variance, systemMagnitude: systemMagnitude, value: value, percent: percent)
            if let reasons = exceeded(escalation, tier: .escalate, measured) {
                classification = .escalate
                findings += reasons
            } else if let reasons = exceeded(review, tier: .review, measured) {
                classification = .review
                findings += reasons
            } else {
                findings.append(
                    VarianceFinding(.withinTolerance, "a variance of \(quantity(variance)) is within tolerance"))
            }
            if systemMagnitude == 0 {
                findings.append(
                    VarianceFinding(
                        .noSystemQuantity,
                        "the system expected none, so a variance of \(quantity(variance)) is beyond any percentage"))
            }
            if value == nil, review.value != nil || escalation.value != nil {
                classification = max(classification, unvaluedClassification)
                findings.append(
                    VarianceFinding(.unvalued, "there is no unit cost, so the variance's value could not be checked"))
            }
        }

        var occurrences = 0
        var isRepeat = false
        if let rule = repeatOffenders, variance != 0 {
            let today = UTCDay(now)
            occurrences =
                1
                + priors.filter { prior in
                    let age = UTCDay(prior.countedAt).days(until: today)
                    return prior.sku == line.sku && prior.location == line.location && prior.varianceQuantity != 0
                        && age >= 0 && age < rule.windowDays
                }.count
            if occurrences >= rule.occurrences {
                isRepeat = true
                classification = max(classification, rule.classification)
                findings.append(
                    VarianceFinding(
                        .repeatOffender,
                        "\(occurrences) variances for \(line.sku) at \(line.location) in \(rule.windowDays) days (limit \(rule.occurrences))"
                    ))
            }
        }
        return VarianceAssessment(
            line: line, varianceQuantity: variance, varianceValue: value, variancePercent: percent,
            classification: classification, findings: findings, occurrencesInWindow: occurrences,
            isRepeatOffender: isRepeat)
    }

    /// A variance's measures, as the limits see them.
    private struct Measured {
        let variance: Decimal
        let systemMagnitude: Decimal
        let value: Money?
        let percent: Decimal?
    }

    /// The findings that put a variance in `tier`, or nil when the tier does not apply.
    private func exceeded(_ threshold: Threshold, tier: VarianceClassification, _ measured: Measured)
        -> [VarianceFinding]?
    {
        let name = tier == .escalate ? "escalation" : "review"
        var checked = 0
        var reasons: [VarianceFinding] = []
        if let limit = threshold.value, let value = measured.value {
            checked += 1
            if value.absolute.minorUnits > limit.minorUnits {
                reasons.append(
                    VarianceFinding(
                        tier == .escalate ? .valueExceedsEscalation : .valueExceedsReview,
                        "the variance is worth \(value), beyond the \(name) limit of \(limit)"))
            }
        }
        if let limit = threshold.percent {
            checked += 1
            // Cross-multiplied so the comparison is exact: no rounded quotient decides a boundary.
            if measured.systemMagnitude == 0 || abs(measured.variance) * 100 > limit * measured.systemMagnitude {
                let shown = measured.percent.map { "\(DecimalText.text($0)) %" } ?? "unbounded"
                reasons.append(
                    VarianceFinding(
                        tier == .escalate ? .percentExceedsEscalation : .percentExceedsReview,
                        "the variance is \(shown) of the system quantity, beyond the \(name) limit of \(DecimalText.text(limit)) %"
                    ))
            }
        }
        switch trigger {
        case .eitherExceeded: return reasons.isEmpty ? nil : reasons
        case .bothExceeded: return checked > 0 && reasons.count == checked ? reasons : nil
        }
    }

    private func quantity(_ value: Decimal) -> String { DecimalText.text(value) }
}
