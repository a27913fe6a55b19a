import Foundation

/// What to do with a proposed release.
public enum CreditReleaseDecision: String, Sendable, CaseIterable {
    /// Payment came in and the account is back within its limits.
    case release
    /// The figures do not allow it, but a second person approved an override.
    case releaseByOverride = "release_by_override"
    case keepHold = "keep_hold"

    public var message: String {
        switch self {
        case .release: "release: payment received and the account is within its limits"
        case .releaseByOverride: "release by override: approved by a second person despite the figures"
        case .keepHold: "keep the hold"
        }
    }
}

/// One reason behind the decision: a stable code and a sentence for people.
public struct CreditReleaseReason: Sendable, Equatable {
    public enum Code: String, Sendable, CaseIterable {
        case paymentReceived = "payment_received"
        case noPaymentReceived = "no_payment_received"
        case withinCreditLimit = "within_credit_limit"
        case overCreditLimit = "over_credit_limit"
        case pastDueCleared = "past_due_cleared"
        case pastDue = "past_due"
        case disputedExcluded = "disputed_excluded"
        case manualHold = "manual_hold"
        case overrideApplied = "override_applied"
        case overrideSamePerson = "override_same_person"
        case overrideIncomplete = "override_incomplete"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// The verdict on a proposed release, with the figures behind it.
public struct CreditReleaseEvaluation: Sendable, Equatable {
    public let decision: CreditReleaseDecision
    /// Open balance less payment received, plus the held orders: what the
    /// customer would owe if the orders shipped.
    public let exposure: Money
    /// The credit limit plus its tolerance.
    public let allowedExposure: Money
    /// Allowed exposure less exposure; negative when over.
    public let headroom: Money
    /// Overdue after payment (applied to the oldest items first), less disputed items unless they count.
    public let overdue: Money
    public let reasons: [CreditReleaseReason]
}

extension CreditReleasePolicy {
    /// Decides whether a hold may be released: payment received and the
    /// account within its limit with nothing (undisputed) past due, or else
    /// an override approved by someone other than the requester.
    public func evaluate(_ request: CreditReleaseRequest, account: CreditAccount) throws(CreditHoldError)
        -> CreditReleaseEvaluation
    {
        let currency = account.openBalance.currency
        let zero = Money.zero(currency)
        let payment = request.paymentReceived ?? zero
        try validate(request, account: account, payment: payment)
        let overdueTolerance = try CreditHoldError.checking(field: "overdue_tolerance") { () throws(MoneyError) in
            try Money.rounding(self.overdueTolerance, currency: currency, rule: .down)
        }
        let allowed = try CreditHoldError.checking(field: "credit_limit") { () throws(MoneyError) in
            try account.creditLimit.plus(try account.creditLimit.times(limitTolerancePercent / 100, rule: .down))
        }
        let (exposure, overdueAfterPayment) = try CreditHoldError.checking { () throws(MoneyError) in
            (
                try account.openBalance.minus(payment).plus(request.heldOrders),
                Money(minorUnits: max(0, try account.overdue.minus(payment).minorUnits), currency: currency)
            )
        }
        let overdue =
            disputedCountsAsOverdue
            ? overdueAfterPayment
            : Money(
                minorUnits: max(0, overdueAfterPayment.minorUnits - account.disputed.minorUnits), currency: currency)
        let headroom = try CreditHoldError.checking { () throws(MoneyError) in try allowed.minus(exposure) }

        var reasons: [CreditReleaseReason] = []
        let paid = payment.minorUnits > 0
        reasons.append(
            paid
                ? CreditReleaseReason(.paymentReceived, "payment of \(payment) received")
                : CreditReleaseReason(.noPaymentReceived, "no payment received since the hold"))
        let overLimit = exposure.minorUnits > allowed.minorUnits
        reasons.append(
            overLimit
                ? CreditReleaseReason(
                    .overCreditLimit,
                    "exposure of \(exposure) would exceed the allowed \(allowed) by \(headroom.absolute)")
                : CreditReleaseReason(.withinCreditLimit, "exposure of \(exposure) is within the allowed \(allowed)"))
        let pastDue = overdue.minorUnits > overdueTolerance.minorUnits
        reasons.append(
            pastDue
                ? CreditReleaseReason(.pastDue, "\(overdue) is still past due")
                : CreditReleaseReason(.pastDueCleared, "nothing past due beyond \(overdueTolerance)"))
        if !disputedCountsAsOverdue, account.disputed.minorUnits > 0, overdueAfterPayment.minorUnits > 0 {
            let excluded = min(account.disputed.minorUnits, overdueAfterPayment.minorUnits)
            reasons.append(
                CreditReleaseReason(
                    .disputedExcluded,
                    "\(Money(minorUnits: excluded, currency: currency)) past due is in dispute and does not count"))
        }
        let manualBlock = request.hold.reason == .manual && manualHoldsNeedOverride
        if manualBlock {
            reasons.append(
                CreditReleaseReason(
                    .manualHold,
                    "\(request.hold.placedBy) placed hold \(request.hold.holdNumber) by hand; only an override releases it"
                ))
        }

        let conditionsMet = paid && !overLimit && !pastDue && !manualBlock
        var overrideValid = false
        if let override = request.override, !conditionsMet {
            let approver = override.approvedBy.trimmingCharacters(in: .whitespacesAndNewlines)
            if approver.isEmpty || override.reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                reasons.append(CreditReleaseReason(.overrideIncomplete, "an override needs an approver and a reason"))
            } else if override.approvedBy == request.requestedBy {
                reasons.append(
                    CreditReleaseReason(
                        .overrideSamePerson, "\(override.approvedBy) requested the release and cannot also approve it"))
            } else {
                overrideValid = true
                reasons.append(
                    CreditReleaseReason(
                        .overrideApplied, "override approved by \(override.approvedBy): \(override.reason)"))
            }
        }
        let decision: CreditReleaseDecision = conditionsMet ? .release : overrideValid ? .releaseByOverride : .keepHold
        return CreditReleaseEvaluation(
            decision: decision, exposure: exposure, allowedExposure: allowed, headroom: headroom, overdue: overdue,
            reasons: reasons)
    }

    private func validate(_ request: CreditReleaseRequest, account: CreditAccount, payment: Money)
        throws(CreditHoldError)
    {
        let currency = account.openBalance.currency
        let amounts: [(String, Money)] = [
            ("credit_limit", account.creditLimit), ("overdue", account.overdue), ("disputed", account.disputed),
            ("held_orders", request.heldOrders), ("payment_received", payment),
        ]
        for (field, amount) in amounts {
            guard amount.currency == currency else {
                throw CreditHoldError(
                    .currencyMismatch,
                    "\(field.replacingOccurrences(of: "_", with: " ")) is in \(amount.currency), the balance in \(currency)",
                    field: field)
            }
            guard !amount.isNegative else {
                throw CreditHoldError(
                    .invalidAmount, "\(field.replacingOccurrences(of: "_", with: " ")) cannot be negative", field: field
                )
            }
        }
        guard limitTolerancePercent >= 0, overdueTolerance >= 0 else {
            throw CreditHoldError(.invalidPolicy, "credit tolerances cannot be negative")
        }
    }
}
