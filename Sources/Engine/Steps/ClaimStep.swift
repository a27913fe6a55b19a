import Events
import Finance
import Foundation

/// `claim`: prices a claim and works out its deadlines and status at the
/// step's time (injected, never the clock). Two kinds, chosen by the step
/// field `"claim": "damage" | "chargeback"`, else by the trigger's type:
///
/// - **damage** (`damage.reported`): a freight claim against the carrier or
///   a claim against the supplier, by `responsible_party` (or the step field
///   `counterparty`). Deadlines count from the delivery: the `occurred_at` of
///   the first correlated document named in `delivery` (default
///   `["delivery", "receipt", "shipment"]`; a `goods_receipt.posted` or
///   `shipment.delivered`), else from when the damage was reported. A line's
///   cost is its `unit_cost` (an extra field) or `estimated_cost` ÷ `quantity`.
///   Damage that is the warehouse's or the customer's has no one to claim
///   from: status `not_claimable`.
/// - **chargeback** (`chargeback.raised`): a customer's deduction that we,
///   the supplier, accept or dispute. "Filing" is disputing: the filing
///   deadline is `chargeback_review_days` after `raised_date`, the time bar
///   the event's `dispute_deadline` (else `chargeback_dispute_days`).
///
/// Settings (step field, written out or `params.<name>`, else the parameter
/// of the same name, else the default): `carrier_filing_days` 30,
/// `carrier_time_bar_days` 270, `carrier_minimum_evidence` 2,
/// `supplier_filing_days` 14, `supplier_time_bar_days` 30,
/// `supplier_minimum_evidence` 1, `chargeback_review_days` 10,
/// `chargeback_dispute_days` 30, `chargeback_minimum_evidence` 0,
/// `due_soon_days` 7. Evidence is the event's `data.evidence` list.
enum ClaimStep {
    enum Kind: String { case damage, chargeback }

    static func execute(_ step: WorkflowTemplate.Step, environment: Environment, run: RunState, time: Date) throws -> StepOutcome {
        let kind = try kind(step, trigger: run.trigger)
        let result =
            switch kind {
            case .damage: try damage(step, environment: environment, run: run, time: time)
            case .chargeback: try chargeback(step, environment: environment, run: run, time: time)
            }
        return .advance(result: result, next: step.next)
    }

    static func kind(_ step: WorkflowTemplate.Step, trigger: JSONValue) throws -> Kind {
        if let text = step.definition["claim"]?.stringValue {
            guard let kind = Kind(rawValue: text) else {
                throw StepFailure(code: "template_invalid", message: "claim of step \(step.id) must be damage or chargeback, not \(text)")
            }
            return kind
        }
        switch trigger["type"]?.stringValue {
        case "damage.reported": return .damage
        case "chargeback.raised": return .chargeback
        case let other:
            throw StepFailure(
                code: "template_invalid",
                message: "step \(step.id) cannot tell the claim from a \(other ?? "typeless") trigger; set \"claim\": \"damage\" or \"chargeback\"")
        }
    }

    // MARK: Damage

    static func damage(_ step: WorkflowTemplate.Step, environment: Environment, run: RunState, time: Date) throws -> JSONValue {
        let data = run.trigger["data"] ?? .null
        let delivery = deliveryDocument(step, environment: environment, trigger: data)
        let currency = try StepInput.currency(data["currency"], "the damage report's currency")
        let lines = try (data["lines"]?.arrayValue ?? []).enumerated().map { index, line in
            let what = "damage line \(index + 1)"
            let quantity = try StepInput.decimal(line["quantity"], "\(what) quantity")
            let unitCost: Decimal
            if let cost = try StepInput.optionalDecimal(line["unit_cost"], "\(what) unit_cost") {
                unitCost = cost
            } else if let estimate = try StepInput.optionalDecimal(line["estimated_cost"], "\(what) estimated_cost"),
                quantity > 0
            {
                unitCost = estimate / quantity
            } else {
                unitCost = 0
            }
            return DamageClaim.Line(sku: try StepInput.text(line["sku"], "\(what) sku"), damagedQuantity: quantity, unitCost: unitCost)
        }
        var freight: ClaimFreight?
        if let charge = try StepInput.optionalDecimal(data["freight_charge"], "freight_charge") {
            let shipped = try StepInput.decimal(data["shipped_quantity"], "shipped_quantity (needed with freight_charge)")
            do {
                freight = ClaimFreight(charge: try Money.parse(DecimalText.text(charge), currency: currency), shippedQuantity: shipped)
            } catch {
                throw StepFailure(code: "document_incomplete", message: "freight_charge: \(error.message)")
            }
        }
        let counterparty = try counterparty(step, data: data, delivery: delivery)
        let claim = DamageClaim(
            reference: try StepInput.text(data["report_number"], "report_number"),
            // Only to price a claim with no counterparty; its deadlines are dropped below.
            counterparty: counterparty ?? .supplier(""), currency: currency, lines: lines, freight: freight,
            deliveredAt: try delivery.map { try StepInput.instant($0["occurred_at"], "the delivery's occurred_at") },
            damageFoundAt: try StepInput.instant(run.trigger["occurred_at"], "the damage report's occurred_at"),
            evidence: evidence(data))
        let policy = try policy(step, environment: environment)
        let assessment = try assess(claim, policy: policy, time: time)
        var result = json(assessment, kind: .damage, claim: claim, rule: policy.rule(for: claim.counterparty), time: time)
        result["delivery"] = delivery.map { document in
            .object(["type": document["type"] ?? .null, "id": document["id"] ?? .null, "occurred_at": document["occurred_at"] ?? .null])
        } ?? .null
        if counterparty == nil {
            let party = data["responsible_party"]?.stringValue ?? "unknown"
            result["counterparty"] = .null
            result["status"] = .string("not_claimable")
            result["can_file"] = .bool(false)
            for field in ["filing_deadline", "time_bar", "days_to_filing_deadline", "minimum_evidence", "measured_from"] {
                result[field] = .null
            }
            result["findings"] = .array([
                .object([
                    "code": .string("no_counterparty"),
                    "message": .string("the damage is the \(party)'s; there is no carrier or supplier to claim from"),
                ])
            ])
        }
        return .object(result)
    }

    /// The first correlated delivery document; of several receipts, the one the report names.
    static func deliveryDocument(_ step: WorkflowTemplate.Step, environment: Environment, trigger data: JSONValue) -> JSONValue? {
        let names: [String]
        switch step.definition["delivery"] {
        case .string(let name)?: names = [name]
        case .array(let items)?: names = items.compactMap(\.stringValue)
        default: names = ["delivery", "receipt", "shipment"]
        }
        for name in names {
            switch environment.documents[name] {
            case .array(let documents)?:
                let named = documents.last { document in
                    let fields = document["data"] ?? .null
                    return (data["receipt_number"] != nil && fields["receipt_number"] == data["receipt_number"])
                        || (data["shipment_number"] != nil && fields["shipment_number"] == data["shipment_number"])
                }
                if let found = named ?? documents.first { return found }
            case .some(let document) where document != .null:
                return document
            default:
                continue
            }
        }
        return nil
    }

    /// Who the claim is against; nil when no one is (the warehouse's or customer's damage).
    static func counterparty(_ step: WorkflowTemplate.Step, data: JSONValue, delivery: JSONValue?) throws -> ClaimCounterparty? {
        let carrierID = StepInput.optionalText(data["carrier"]?["id"]) ?? StepInput.optionalText(delivery?["data"]?["carrier"]?["id"])
        let supplierID = StepInput.optionalText(data["supplier"]?["id"]) ?? StepInput.optionalText(delivery?["data"]?["supplier"]?["id"])
        let party = step.definition["counterparty"]?.stringValue ?? data["responsible_party"]?.stringValue ?? "unknown"
        switch party {
        case "carrier":
            guard let carrierID else {
                throw StepFailure(code: "document_incomplete", message: "a carrier claim needs carrier.id on the report or its delivery")
            }
            return .carrier(carrierID)
        case "supplier":
            guard let supplierID else {
                throw StepFailure(code: "document_incomplete", message: "a supplier claim needs supplier.id on the report or its receipt")
            }
            return .supplier(supplierID)
        case "unknown":
            // Damage found on arrival with a carrier named is the carrier's to answer for first.
            if let carrierID { return .carrier(carrierID) }
            if let supplierID { return .supplier(supplierID) }
            throw StepFailure(
                code: "document_incomplete", message: "the responsible party is unknown and neither a carrier nor a supplier is named")
        case "warehouse", "customer":
            return nil
        default:
            throw StepFailure(code: "template_invalid", message: "counterparty must be carrier or supplier, not \(party)")
        }
    }

    static func policy(_ step: WorkflowTemplate.Step, environment: Environment) throws -> ClaimPolicy {
        func rule(_ prefix: String, _ standard: ClaimDeadlineRule) throws -> ClaimDeadlineRule {
            ClaimDeadlineRule(
                measuredFrom: standard.measuredFrom,
                filingDays: try StepInput.integerSetting(step, "\(prefix)_filing_days", in: environment, default: standard.filingDays),
                timeBarDays: try StepInput.integerSetting(step, "\(prefix)_time_bar_days", in: environment, default: standard.timeBarDays),
                minimumEvidence: try StepInput.integerSetting(
                    step, "\(prefix)_minimum_evidence", in: environment, default: standard.minimumEvidence))
        }
        return ClaimPolicy(
            carrier: try rule("carrier", .carrier), supplier: try rule("supplier", .supplier),
            dueSoonDays: try StepInput.integerSetting(step, "due_soon_days", in: environment, default: 7))
    }

    // MARK: Chargeback

    static func chargeback(_ step: WorkflowTemplate.Step, environment: Environment, run: RunState, time: Date) throws -> JSONValue {
        let data = run.trigger["data"] ?? .null
        let currency = try StepInput.currency(data["currency"], "the chargeback's currency")
        let amount = try StepInput.decimal(data["amount"], "the chargeback's amount")
        let customer = try StepInput.text(data["customer"]?["id"], "the chargeback's customer.id")
        let raised =
            try StepInput.optionalInstant(data["raised_date"], "raised_date")
            ?? StepInput.instant(run.trigger["occurred_at"], "the chargeback's occurred_at")
        let raisedOn = UTCDay(raised)
        var timeBarDays = try StepInput.integerSetting(step, "chargeback_dispute_days", in: environment, default: 30)
        if let text = data["dispute_deadline"]?.stringValue {
            guard let deadline = UTCDay.parse(text) else {
                throw StepFailure(code: "document_incomplete", message: "dispute_deadline \(text) is not a date")
            }
            timeBarDays = raisedOn.days(until: deadline)
        }
        guard timeBarDays >= 0 else {
            throw StepFailure(code: "document_incomplete", message: "the dispute deadline is before the chargeback was raised")
        }
        let rule = ClaimDeadlineRule(
            measuredFrom: .damageFound,
            filingDays: min(timeBarDays, try StepInput.integerSetting(step, "chargeback_review_days", in: environment, default: 10)),
            timeBarDays: timeBarDays,
            minimumEvidence: try StepInput.integerSetting(step, "chargeback_minimum_evidence", in: environment, default: 0))
        // We are the supplier the customer charges back; the claim's "filing" is our dispute.
        let counterparty = ClaimCounterparty.supplier(customer)
        let policy = ClaimPolicy(
            supplier: rule, dueSoonDays: try StepInput.integerSetting(step, "due_soon_days", in: environment, default: 7))
        let claim = DamageClaim(
            reference: try StepInput.text(data["chargeback_number"], "chargeback_number"), counterparty: counterparty,
            currency: currency,
            lines: [DamageClaim.Line(sku: data["reason"]?.stringValue ?? "chargeback", damagedQuantity: 1, unitCost: amount)],
            damageFoundAt: raised, evidence: evidence(data))
        let assessment = try assess(claim, policy: policy, time: time)
        var result = json(assessment, kind: .chargeback, claim: claim, rule: rule, time: time)
        result["counterparty"] = .object(["role": .string("customer"), "id": .string(customer)])
        result["reason"] = data["reason"] ?? .null
        result["raised_on"] = .string(raisedOn.description)
        return .object(result)
    }

    // MARK: Shared

    static func evidence(_ data: JSONValue) -> [String] {
        (data["evidence"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    static func assess(_ claim: DamageClaim, policy: ClaimPolicy, time: Date) throws -> ClaimAssessment {
        do {
            return try policy.assess(claim, now: time)
        } catch {
            throw StepFailure(code: error.code, message: error.message + (error.field.map { " (\($0))" } ?? ""))
        }
    }

    static func json(
        _ assessment: ClaimAssessment, kind: Kind, claim: DamageClaim, rule: ClaimDeadlineRule, time: Date
    ) -> [String: JSONValue] {
        [
            "claim": .string(kind.rawValue),
            "reference": .string(claim.reference),
            "counterparty": .object(["role": .string(claim.counterparty.role), "id": .string(claim.counterparty.id)]),
            "currency": .string(claim.currency.code),
            "goods_amount": StepInput.money(assessment.goodsAmount),
            "freight_share": StepInput.money(assessment.freightShare),
            "amount": StepInput.money(assessment.amount),
            "measured_from": .string(rule.measuredFrom.rawValue),
            "filing_deadline": .string(assessment.filingDeadline.description),
            "time_bar": .string(assessment.timeBar.description),
            "days_to_filing_deadline": .number(String(assessment.daysToFilingDeadline)),
            "status": .string(assessment.status.rawValue),
            "message": .string(assessment.status.message),
            "can_file": .bool(assessment.canFile),
            "evidence_count": .number(String(assessment.evidenceCount)),
            "minimum_evidence": .number(String(rule.minimumEvidence)),
            "findings": .array(
                assessment.findings.map { .object(["code": .string($0.code.rawValue), "message": .string($0.message)]) }),
            "assessed_at": StepInput.timestamp(time),
        ]
    }
}
