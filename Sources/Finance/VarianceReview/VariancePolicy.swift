import Foundation

/// When a cycle-count variance needs a person, and which person.
///
/// Two tiers, review and escalation, each with an optional absolute value and
/// an optional percentage of the system quantity. A limit is exceeded only
/// when the variance is strictly beyond it: a variance exactly at the limit
/// is within it.
public struct VariancePolicy: Sendable, Equatable {
    /// A tier's limits; a nil limit is not checked.
    public struct Threshold: Sendable, Equatable {
        /// Largest absolute variance value within the tier.
        public var value: Money?
        /// Largest absolute variance, in percent of the absolute system quantity, within the tier.
        public var percent: Decimal?

        public init(value: Money? = nil, percent: Decimal? = nil) {
            self.value = value
            self.percent = percent
        }
    }

    /// How a tier's two limits combine.
    public enum Trigger: String, Sendable, Equatable {
        /// The tier applies when either limit is exceeded: the stricter reading, and the default.
        case eitherExceeded = "either_exceeded"
        /// The tier applies only when every limit it sets is exceeded: filters
        /// out large percentages on cheap items and large values on tiny percentages.
        case bothExceeded = "both_exceeded"
    }

    /// N variances at the same SKU and location within D days make a repeat offender.
    public struct RepeatOffenderRule: Sendable, Equatable {
        /// Variances needed, the one being assessed included; at least 2.
        public var occurrences: Int
        /// The look-back window in UTC days, today included: 90 means today and the 89 days before.
        public var windowDays: Int
        /// The least a repeat offender is classified as. Default: `.escalate`.
        public var classification: VarianceClassification

        public init(occurrences: Int, windowDays: Int, classification: VarianceClassification = .escalate) {
            self.occurrences = occurrences
            self.windowDays = windowDays
            self.classification = classification
        }
    }

    public var review: Threshold
    public var escalation: Threshold
    public var trigger: Trigger
    /// Nil turns repeat-offender detection off.
    public var repeatOffenders: RepeatOffenderRule?
    /// The least a non-zero variance without a unit cost is classified as,
    /// when a tier has a value limit: a variance nobody can value must not
    /// pass as within tolerance. Default: `.review`.
    public var unvaluedClassification: VarianceClassification
    /// How variance quantity × unit cost becomes money. Default: `.halfEven`.
    public var valueRounding: RoundingRule

    public init(
        review: Threshold, escalation: Threshold, trigger: Trigger = .eitherExceeded,
        repeatOffenders: RepeatOffenderRule? = RepeatOffenderRule(occurrences: 3, windowDays: 90),
        unvaluedClassification: VarianceClassification = .review, valueRounding: RoundingRule = .halfEven
    ) {
        self.review = review
        self.escalation = escalation
        self.trigger = trigger
        self.repeatOffenders = repeatOffenders
        self.unvaluedClassification = unvaluedClassification
        self.valueRounding = valueRounding
    }

    /// Review beyond 50 major units or 5 %, escalate beyond 500 or 25 %;
    /// three variances at one SKU and location in 90 days escalate.
    public static func standard(currency: Currency) -> VariancePolicy {
        VariancePolicy(
            review: Threshold(value: Money(minorUnits: 50 * currency.minorPerMajor, currency: currency), percent: 5),
            escalation: Threshold(
                value: Money(minorUnits: 500 * currency.minorPerMajor, currency: currency), percent: 25))
    }

    /// Checks the policy makes sense for a count valued in `currency`.
    func validate(for currency: Currency) throws(VarianceReviewError) {
        for (name, threshold) in [("review", review), ("escalation", escalation)] {
            if let value = threshold.value {
                guard value.currency == currency else {
                    throw VarianceReviewError(
                        .currencyMismatch,
                        "the \(name) threshold is in \(value.currency) but the count is valued in \(currency)",
                        field: "\(name).value")
                }
                guard !value.isNegative else {
                    throw VarianceReviewError(
                        .invalidPolicy, "the \(name) value threshold is negative", field: "\(name).value")
                }
            }
            if let percent = threshold.percent, percent < 0 {
                throw VarianceReviewError(
                    .invalidPolicy, "the \(name) percentage is negative", field: "\(name).percent")
            }
        }
        if let low = review.value, let high = escalation.value, high.minorUnits < low.minorUnits {
            throw VarianceReviewError(
                .invalidPolicy, "the escalation value \(high) is below the review value \(low)",
                field: "escalation.value")
        }
        if let low = review.percent, let high = escalation.percent, high < low {
            throw VarianceReviewError(
                .invalidPolicy, "the escalation percentage is below the review percentage", field: "escalation.percent")
        }
        if let rule = repeatOffenders {
            guard rule.occurrences >= 2, (1...3_660).contains(rule.windowDays) else {
                throw VarianceReviewError(
                    .invalidPolicy, "a repeat offender needs at least 2 occurrences within 1 to 3660 days",
                    field: "repeat_offenders")
            }
        }
    }
}
