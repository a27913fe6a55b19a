import Foundation
import Finance

/// How much of this exception's supplier's history ended badly.
public struct SupplierHistory: Sendable, Equatable {
    /// Past exceptions with this supplier.
    public let exceptions: Int
    /// Of those, how many ended in a credit memo or a dispute.
    public let creditedOrDisputed: Int

    /// - Throws: `invalid_input` for negative counts or more credited than there were exceptions.
    public init(exceptions: Int, creditedOrDisputed: Int) throws(TriageError) {
        guard exceptions >= 0, (0...max(0, exceptions)).contains(creditedOrDisputed) else {
            throw TriageError(
                .invalidInput, "a supplier history needs 0 ≤ credited or disputed ≤ exceptions",
                field: "supplier_history")
        }
        self.exceptions = exceptions
        self.creditedOrDisputed = creditedOrDisputed
    }

    public static let none = SupplierHistory(unchecked: 0, 0)

    private init(unchecked exceptions: Int, _ credited: Int) {
        self.exceptions = exceptions
        creditedOrDisputed = credited
    }
}

/// One exception with what the scorer needs to know about its surroundings.
public struct PriorityInput: Sendable, Equatable {
    public var exception: OpenException
    /// How long the role the exception is routed to typically takes to work one, in seconds.
    public var typicalCycleTime: TimeInterval
    public var supplierHistory: SupplierHistory

    public init(exception: OpenException, typicalCycleTime: TimeInterval, supplierHistory: SupplierHistory) {
        self.exception = exception
        self.typicalCycleTime = typicalCycleTime
        self.supplierHistory = supplierHistory
    }
}

/// Scores and ranks a queue of exceptions by what is at stake.
///
/// Four factors, each a strength between 0 and 1 times a weight, the weights adding up to 100:
/// - financial exposure: log-scaled variance (mostly) and document value in the tenant's
///   currency's minor units, saturating at ``Configuration/exposureCeiling``; logarithmic because
///   a 10× larger variance is more urgent, not 10× more;
/// - SLA risk: `typical / (typical + time left)`: one half when exactly a typical cycle time is
///   left, rising to 1 as the deadline nears, 1 once overdue;
/// - age: days open over ``Configuration/ageHorizon``, capped at 1;
/// - supplier history: credited or disputed / (exceptions + 2), so that a supplier with one bad
///   case is not treated as certainly bad.
///
/// Pure and deterministic: the same inputs and `now` give the same scores, and ties rank by
/// earlier due date, then exception id.
public struct PriorityScorer: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Amounts in another currency are refused: scores must compare like with like.
        public var currency: Currency
        public var exposureWeight: Double = 40
        public var slaWeight: Double = 30
        public var ageWeight: Double = 15
        public var supplierWeight: Double = 15
        /// The amount, in major units, at and above which exposure is at full strength.
        public var exposureCeiling: Int64 = 1_000_000
        /// The variance's share of the exposure strength; the document value has the rest.
        public var varianceShare: Double = 0.75
        /// Age at which the age factor is at full strength: 30 days.
        public var ageHorizon: TimeInterval = 30 * 86_400

        public init(currency: Currency) {
            self.currency = currency
        }
    }

    public let configuration: Configuration
    private let ceilingLog: Double

    /// - Throws: `invalid_policy` unless the weights are non-negative and add up to 100, the ceiling is
    ///   positive, the variance share is within 0…1 and the age horizon positive.
    public init(configuration: Configuration) throws(TriageError) {
        let weights = [
            configuration.exposureWeight, configuration.slaWeight, configuration.ageWeight,
            configuration.supplierWeight,
        ]
        guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }), abs(weights.reduce(0, +) - 100) < 1e-9 else {
            throw TriageError(.invalidPolicy, "the priority weights must be non-negative and add up to 100")
        }
        guard configuration.exposureCeiling > 0, (0...1).contains(configuration.varianceShare),
            configuration.ageHorizon > 0
        else {
            throw TriageError(
                .invalidPolicy, "the exposure ceiling and age horizon must be positive, the variance share within 0…1")
        }
        self.configuration = configuration
        let ceilingMinor = Double(configuration.exposureCeiling) * Double(configuration.currency.minorPerMajor)
        ceilingLog = log10(1 + ceilingMinor)
    }

    /// - Throws: `currency_mismatch` for amounts not in the configured currency, `invalid_input` for a
    ///   typical cycle time that is not positive.
    public func score(_ input: PriorityInput, now: Date) throws(TriageError) -> PriorityScore {
        let exception = input.exception
        for amount in [exception.exposure, exception.documentValue] where amount.currency != configuration.currency {
            throw TriageError(
                .currencyMismatch,
                "exception \(exception.id) is in \(amount.currency) but priorities are scored in \(configuration.currency)",
                field: "exposure")
        }
        guard input.typicalCycleTime > 0, input.typicalCycleTime.isFinite else {
            throw TriageError(
                .invalidInput, "the typical cycle time must be a positive duration", field: "typical_cycle_time")
        }
        let components = [
            exposure(exception),
            slaRisk(exception, typical: input.typicalCycleTime, now: now),
            age(exception, now: now),
            supplier(exception, history: input.supplierHistory),
        ]
        let total = min(100, max(0, components.reduce(0) { $0 + $1.points }))
        return PriorityScore(exceptionID: exception.id, total: total, components: components)
    }

    /// The queue, most urgent first.
    public func rank(_ inputs: [PriorityInput], now: Date) throws(TriageError) -> [PriorityScore] {
        var scored: [(score: PriorityScore, due: Date)] = []
        scored.reserveCapacity(inputs.count)
        for input in inputs { scored.append((try score(input, now: now), input.exception.dueAt)) }
        scored.sort { a, b in
            if a.score.total != b.score.total { return a.score.total > b.score.total }
            if a.due != b.due { return a.due < b.due }
            return a.score.exceptionID < b.score.exceptionID
        }
        return scored.map(\.score)
    }

    private func exposure(_ exception: OpenException) -> PriorityScore.Component {
        func strength(_ money: Money) -> Double {
            min(1, log10(1 + Double(money.minorUnits.magnitude)) / ceilingLog)
        }
        let share = configuration.varianceShare
        let value = share * strength(exception.exposure) + (1 - share) * strength(exception.documentValue)
        return component(
            .exposure, value, configuration.exposureWeight,
            "a variance of \(exception.exposure.absolute) on a document of \(exception.documentValue.absolute)")
    }

    private func slaRisk(_ exception: OpenException, typical: TimeInterval, now: Date) -> PriorityScore.Component {
        let left = exception.dueAt.timeIntervalSince(now)
        let typicalText = Self.duration(typical)
        guard left > 0 else {
            return component(
                .slaRisk, 1, configuration.slaWeight,
                "overdue by \(Self.duration(-left)); this role typically takes \(typicalText)")
        }
        let value = typical / (typical + left)
        let verdict = left < typical ? "likely to breach" : "on track"
        return component(
            .slaRisk, value, configuration.slaWeight,
            "due in \(Self.duration(left)) and this role typically takes \(typicalText): \(verdict)")
    }

    private func age(_ exception: OpenException, now: Date) -> PriorityScore.Component {
        let open = max(0, now.timeIntervalSince(exception.openedAt))
        return component(
            .age, min(1, open / configuration.ageHorizon), configuration.ageWeight, "open for \(Self.duration(open))")
    }

    private func supplier(_ exception: OpenException, history: SupplierHistory) -> PriorityScore.Component {
        guard history.exceptions > 0 else {
            return component(
                .supplierHistory, 0, configuration.supplierWeight,
                "supplier \(exception.supplier) has no past exceptions")
        }
        let value = Double(history.creditedOrDisputed) / Double(history.exceptions + 2)
        return component(
            .supplierHistory, value, configuration.supplierWeight,
            "\(history.creditedOrDisputed) of supplier \(exception.supplier)'s \(history.exceptions) past exceptions "
                + "ended in a credit or dispute")
    }

    private func component(_ factor: PriorityScore.Factor, _ strength: Double, _ weight: Double, _ reason: String)
        -> PriorityScore.Component
    {
        let points = strength * weight
        return PriorityScore.Component(
            factor: factor, strength: strength, points: points, weight: weight,
            sentence:
                "\(reason) (\(FixedPoint.text(points, places: 1)) of \(FixedPoint.text(weight, places: 0)) points)")
    }

    /// `3 h`, `2 days`: rough on purpose, it is for people.
    static func duration(_ seconds: TimeInterval) -> String {
        let minutes = Int((seconds / 60).rounded())
        if minutes < 120 { return "\(minutes) min" }
        let hours = Int((seconds / 3600).rounded())
        return hours < 48 ? "\(hours) h" : "\(Int((seconds / 86_400).rounded())) days"
    }
}
