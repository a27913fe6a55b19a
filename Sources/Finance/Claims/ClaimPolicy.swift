import Foundation

/// How long there is to file a claim, and what it needs.
///
/// Two deadlines: the filing deadline is the tenant's own target (miss it and
/// the claim is overdue, but can still be filed); the time bar is the
/// contractual or legal limit (miss it and the counterparty may refuse to pay).
public struct ClaimDeadlineRule: Sendable, Equatable {
    /// The event the days count from.
    public enum Clock: String, Sendable, Equatable {
        case delivery
        case damageFound = "damage_found"
    }

    public var measuredFrom: Clock
    /// Days to the filing deadline, the last day included.
    public var filingDays: Int
    /// Days to the time bar, the last day included; not before `filingDays`.
    public var timeBarDays: Int
    /// Distinct pieces of evidence needed before filing.
    public var minimumEvidence: Int

    public init(measuredFrom: Clock, filingDays: Int, timeBarDays: Int, minimumEvidence: Int) {
        self.measuredFrom = measuredFrom
        self.filingDays = filingDays
        self.timeBarDays = timeBarDays
        self.minimumEvidence = minimumEvidence
    }

    /// Carriers may not allow less than nine months from delivery (49 U.S.C.
    /// § 14706(e)), and most allow no more; 270 days is never later than nine
    /// calendar months, so it errs towards filing early. Photos plus the delivery receipt
    /// with the exception noted are the least a carrier accepts.
    public static let carrier = ClaimDeadlineRule(
        measuredFrom: .delivery, filingDays: 30, timeBarDays: 270, minimumEvidence: 2)

    /// Supplier agreements typically allow 30 days from receipt.
    public static let supplier = ClaimDeadlineRule(
        measuredFrom: .delivery, filingDays: 14, timeBarDays: 30, minimumEvidence: 1)
}

/// A tenant's claim rules: deadlines per counterparty and when a deadline counts as near.
public struct ClaimPolicy: Sendable, Equatable {
    public var carrier: ClaimDeadlineRule
    public var supplier: ClaimDeadlineRule
    /// Rules for particular carriers or suppliers, from their contracts or tariffs.
    public var overrides: [ClaimCounterparty: ClaimDeadlineRule]
    /// A claim is due soon when this many days or fewer remain to the filing deadline. Default: 7.
    public var dueSoonDays: Int
    /// How damaged quantity × unit cost becomes money, line by line. Default: `.halfUp`.
    public var rounding: RoundingRule

    public init(
        carrier: ClaimDeadlineRule = .carrier, supplier: ClaimDeadlineRule = .supplier,
        overrides: [ClaimCounterparty: ClaimDeadlineRule] = [:], dueSoonDays: Int = 7, rounding: RoundingRule = .halfUp
    ) {
        self.carrier = carrier
        self.supplier = supplier
        self.overrides = overrides
        self.dueSoonDays = dueSoonDays
        self.rounding = rounding
    }

    public static let standard = ClaimPolicy()

    /// The rule for `counterparty`: its own, else its role's.
    public func rule(for counterparty: ClaimCounterparty) -> ClaimDeadlineRule {
        if let rule = overrides[counterparty] { return rule }
        switch counterparty {
        case .carrier: return carrier
        case .supplier: return supplier
        }
    }
}
