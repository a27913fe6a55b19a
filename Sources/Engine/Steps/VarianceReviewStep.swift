import Events
import Finance
import Foundation

/// `variance_review`: values and classifies every line of the
/// `cycle_count.completed` event that triggered the run, and flags SKUs at
/// locations that keep drifting. The finance logic is ``Finance/VariancePolicy``.
///
/// Inputs:
/// - the trigger's count; its `currency` (else the `currency` parameter) is
///   the currency of unit costs and of the value thresholds;
/// - the correlated `previous_counts` (`many` `cycle_count.completed` of the
///   same warehouse): their non-zero variances, dated by `occurred_at`, are the
///   history for repeat-offender detection. Left out: the trigger itself (and
///   any other version of the same `count_number`), counts dated after it, and
///   recounts (`count_type` `recount`), which re-measure a variance an earlier
///   count already found rather than find a new one. A count sent again under
///   the same number counts once, in its latest version;
/// - parameters `review_value`, `review_pct`, `escalation_value`,
///   `escalation_pct`, `threshold_trigger` (`either_exceeded` or
///   `both_exceeded`), `repeat_occurrences` (0 turns detection off),
///   `repeat_window_days`, `repeat_classification` (`review` or `escalate`).
///   A limit whose parameter the template does not declare is not checked; a
///   template with none of them gets ``VariancePolicy/standard(currency:)``.
///
/// The look-back window ends on the count's own UTC day (`occurred_at`), not on
/// the day the step happens to run, so a late or repeated run classifies alike.
/// The result's `classification` is the worst line's, for a `decision` step.
enum VarianceReviewStep {
    static func execute(_ step: WorkflowTemplate.Step, environment: Environment, run: RunState, time: Date) throws -> StepOutcome {
        try review(step, environment: environment, triggerID: run.triggerID, time: time)
    }

    /// The step without the run's row, for tests: the trigger is `environment.trigger`.
    static func review(_ step: WorkflowTemplate.Step, environment: Environment, triggerID: String, time: Date) throws
        -> StepOutcome
    {
        let count = try Count(environment.trigger, id: triggerID)
        let currencyCode = count.currency ?? environment.parameters["currency"]?.stringValue ?? "USD"
        let currency: Currency
        do {
            currency = try Currency(currencyCode)
        } catch {
            throw StepFailure(code: "invalid_parameter", message: "currency \(currencyCode): \(error.message)")
        }
        let policy = try policy(environment.parameters, currency: currency)
        let now = count.countedAt ?? time
        let history = priorCounts(environment.documents["previous_counts"], before: count, asOf: now)
        let review: VarianceCountReview
        do {
            review = try policy.review(count.lines, currency: currency, priors: history.flatMap(\.variances), now: now)
        } catch {
            throw StepFailure(code: error.code, message: "count \(count.number) at \(count.warehouse): \(error.message)")
        }
        return .advance(result: json(review, count: count, now: now, history: history), next: step.next)
    }

    // MARK: Policy

    static func policy(_ parameters: [String: JSONValue], currency: Currency) throws -> VariancePolicy {
        let names = ["review_value", "review_pct", "escalation_value", "escalation_pct"]
        guard names.contains(where: { parameters[$0] != nil }) else { return .standard(currency: currency) }
        func decimal(_ name: String) throws -> Decimal? {
            guard let text = parameters[name]?.numberText, !text.isEmpty else { return nil }
            guard let value = DecimalText.parse(text) else {
                throw StepFailure(code: "invalid_parameter", message: "\(name) is \(text), not a decimal")
            }
            return value
        }
        func money(_ name: String) throws -> Money? {
            guard let value = try decimal(name) else { return nil }
            guard let money = Money.exact(value, currency: currency) else {
                throw StepFailure(
                    code: "invalid_parameter",
                    message: "\(name) \(DecimalText.text(value)) is not an amount of \(currency) "
                        + "(at most \(currency.exponent) decimals)")
            }
            return money
        }
        func classification(_ name: String) throws -> VarianceClassification? {
            guard let text = parameters[name]?.stringValue, !text.isEmpty else { return nil }
            guard let value = VarianceClassification(rawValue: text) else {
                throw StepFailure(code: "invalid_parameter", message: "\(name) is \(text), not review or escalate")
            }
            return value
        }
        var policy = VariancePolicy(
            review: .init(value: try money("review_value"), percent: try decimal("review_pct")),
            escalation: .init(value: try money("escalation_value"), percent: try decimal("escalation_pct")))
        if let text = parameters["threshold_trigger"]?.stringValue, !text.isEmpty {
            guard let trigger = VariancePolicy.Trigger(rawValue: text) else {
                throw StepFailure(
                    code: "invalid_parameter", message: "threshold_trigger is \(text), not either_exceeded or both_exceeded")
            }
            policy.trigger = trigger
        }
        if let occurrences = try decimal("repeat_occurrences") {
            if occurrences == 0 {
                policy.repeatOffenders = nil
            } else {
                let window = try decimal("repeat_window_days") ?? 90
                guard let count = DecimalText.int64(exactly: occurrences).flatMap({ Int(exactly: $0) }),
                    let days = DecimalText.int64(exactly: window).flatMap({ Int(exactly: $0) })
                else {
                    throw StepFailure(
                        code: "invalid_parameter", message: "repeat_occurrences and repeat_window_days are whole numbers")
                }
                policy.repeatOffenders = .init(
                    occurrences: count, windowDays: days,
                    classification: try classification("repeat_classification") ?? .escalate)
            }
        }
        return policy
    }

    // MARK: Counts

    struct Count {
        let id: String
        let number: String
        let warehouse: String
        let countedBy: String?
        let countType: String?
        let currency: String?
        /// The event's `occurred_at`; nil when it does not read as a date-time.
        let countedAt: Date?
        let lines: [CycleCountLine]
        let uoms: [String]

        init(_ event: JSONValue, id: String) throws {
            self.id = id
            let data = event["data"] ?? .null
            number = try StepInput.text(data["count_number"], "count_number")
            warehouse = try StepInput.text(data["warehouse"], "warehouse")
            countedBy = StepInput.optionalText(data["counted_by"])
            countType = StepInput.optionalText(data["count_type"])
            currency = StepInput.optionalText(data["currency"])
            countedAt = event["occurred_at"]?.stringValue.flatMap(StepInput.instant)
            let items = data["lines"]?.arrayValue ?? []
            let number = number
            lines = try items.enumerated().map { index, line in
                let what = "count \(number) line \(index + 1)"
                return CycleCountLine(
                    sku: try StepInput.text(line["sku"], "\(what) sku"),
                    location: try StepInput.text(line["location"], "\(what) location"),
                    lot: StepInput.optionalText(line["lot"]),
                    systemQuantity: try StepInput.decimal(line["system_quantity"], "\(what) system_quantity"),
                    countedQuantity: try StepInput.decimal(line["counted_quantity"], "\(what) counted_quantity"),
                    unitCost: try StepInput.optionalDecimal(line["unit_cost"], "\(what) unit_cost"))
            }
            uoms = items.map { $0["uom"]?.stringValue ?? "" }
        }
    }

    /// An earlier count's variances.
    struct PriorCount {
        let number: String
        let countedAt: Date
        let variances: [PriorVariance]
    }

    /// The history the repeat rule looks at; see the type's documentation for what is left out.
    /// A malformed earlier count is skipped: it is context, and must not block today's count.
    static func priorCounts(_ documents: JSONValue?, before count: Count, asOf now: Date) -> [PriorCount] {
        var latest: [String: PriorCount] = [:]
        var order: [String] = []
        for event in documents?.arrayValue ?? [] {
            let data = event["data"] ?? .null
            guard event["id"]?.stringValue != count.id, let number = data["count_number"]?.stringValue,
                number != count.number, data["count_type"]?.stringValue != "recount",
                let countedAt = event["occurred_at"]?.stringValue.flatMap(StepInput.instant), countedAt <= now
            else { continue }
            let variances: [PriorVariance] = (data["lines"]?.arrayValue ?? []).compactMap { line in
                guard let sku = line["sku"]?.stringValue, let location = line["location"]?.stringValue,
                    let system = line["system_quantity"]?.numberText.flatMap(DecimalText.parse),
                    let counted = line["counted_quantity"]?.numberText.flatMap(DecimalText.parse), counted != system
                else { return nil }
                return PriorVariance(sku: sku, location: location, countedAt: countedAt, varianceQuantity: counted - system)
            }
            if latest[number] == nil { order.append(number) }
            latest[number] = PriorCount(number: number, countedAt: countedAt, variances: variances)
        }
        return order.compactMap { latest[$0] }
    }

    // MARK: Result

    static func json(_ review: VarianceCountReview, count: Count, now: Date, history: [PriorCount]) -> JSONValue {
        let money = ThreeWayMatchStep.money
        func decimal(_ value: Decimal) -> JSONValue { .string(DecimalText.text(value)) }
        let lines: [JSONValue] = review.assessments.enumerated().map { index, assessment in
            let line = assessment.line
            return .object([
                "sku": .string(line.sku), "location": .string(line.location), "lot": line.lot.map(JSONValue.string) ?? .null,
                "uom": .string(count.uoms.indices.contains(index) ? count.uoms[index] : ""),
                "system_quantity": decimal(line.systemQuantity), "counted_quantity": decimal(line.countedQuantity),
                "unit_cost": line.unitCost.map(decimal) ?? .null,
                "variance_quantity": decimal(assessment.varianceQuantity), "variance_value": money(assessment.varianceValue),
                "variance_percent": assessment.variancePercent.map(decimal) ?? .null,
                "classification": .string(assessment.classification.rawValue),
                "repeat_offender": .bool(assessment.isRepeatOffender),
                "occurrences_in_window": .number(String(assessment.occurrencesInWindow)),
                "findings": .array(
                    assessment.findings.map { .object(["code": .string($0.code.rawValue), "message": .string($0.message)]) }),
            ])
        }
        var tally: [String: JSONValue] = [:]
        for classification in VarianceClassification.allCases {
            tally[classification.rawValue] = .number(
                String(review.assessments.filter { $0.classification == classification }.count))
        }
        let repeats = review.assessments.filter(\.isRepeatOffender)
        // What a recount would look at: every line that is not within tolerance.
        let toCheck: [JSONValue] = review.assessments.filter { $0.classification != .withinTolerance }.map { assessment in
            .object([
                "sku": .string(assessment.line.sku), "location": .string(assessment.line.location),
                "lot": assessment.line.lot.map(JSONValue.string) ?? .null,
                "classification": .string(assessment.classification.rawValue),
            ])
        }
        return .object([
            "classification": .string(review.classification.rawValue), "message": .string(review.classification.message),
            "count_number": .string(count.number), "warehouse": .string(count.warehouse),
            "counted_by": count.countedBy.map(JSONValue.string) ?? .null,
            "count_type": count.countType.map(JSONValue.string) ?? .null,
            "currency": .string(review.netValue.currency.code), "assessed_as_of": .string(UTCDay(now).description),
            "net_value": money(review.netValue), "gross_value": money(review.grossValue),
            "lines_by_classification": .object(tally), "repeat_offenders": .number(String(repeats.count)),
            "repeat_offender_lines": .array(repeats.map { .string("\($0.line.sku)@\($0.line.location)") }),
            "previous_counts": .array(history.map { .string($0.number) }), "lines": .array(lines),
            "lines_to_check": .array(toCheck),
        ])
    }
}
