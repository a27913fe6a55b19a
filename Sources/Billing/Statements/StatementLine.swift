import Finance
import Foundation

/// One charge on a statement: a plan's prorated base fee, or one meter's usage under one plan.
public struct StatementLine: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case baseFee = "base_fee"
        case usage
    }

    /// How a usage amount came about.
    public struct Usage: Sendable, Hashable {
        /// The period's quantity: summed, or the largest day for `active_users`.
        public let quantity: Int64
        /// The allowance after proration.
        public let included: Int64
        /// `max(0, quantity − included)`: what the tiers priced.
        public let billableQuantity: Int64
        /// Empty on correction lines, which show differences only.
        public let tiers: [TierCharge]
    }

    public let kind: Kind
    public let planCode: String
    /// Nil on base-fee lines.
    public let meter: Meter?
    public let description: String
    /// The plan period the line covers.
    public let firstDay: UTCDay
    public let lastDay: UTCDay
    /// Billable days over days in the month: what the fee and allowance were prorated by.
    public let proration: Proration
    /// Nil on base-fee lines.
    public let usage: Usage?
    public let amount: Money

    /// What identifies "the same charge" in a recomputed statement, for corrections.
    struct Key: Hashable {
        let kind: Kind
        let planCode: String
        let meter: Meter?
        let firstDay: UTCDay
        let lastDay: UTCDay
    }

    var key: Key { Key(kind: kind, planCode: planCode, meter: meter, firstDay: firstDay, lastDay: lastDay) }
}
