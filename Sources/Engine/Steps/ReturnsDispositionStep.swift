import Events
import Finance
import Foundation

/// `returns_disposition`: the `return.received` that triggered the run
/// against its return authorisation (the correlated `return.requested` with
/// the same RMA number), with the deployment's returns policy. The finance
/// logic is ``Finance/ReturnsPolicy/evaluate(_:against:previouslyReceived:)``.
///
/// Step fields, each written out or as `params.<name>`, else the parameter
/// of the same name, else the Finance default:
///
/// | field | default | meaning |
/// | --- | --- | --- |
/// | `rma` | `"rma"` | the correlated document holding the `return.requested` |
/// | `previous_receipts` | `"previous_receipts"` | optional `many` document of `return.received` for the same RMA |
/// | `window_days` | 30 | days after the sale a return may arrive, the last day included |
/// | `restocking_fee_pct` | 15 | fee in percent of the credited value, 0 to 100 |
/// | `fee_waived_reasons` | damaged, defective, wrong_item, not_as_described, short_shipped, late_delivery | reasons that carry no fee (list, or comma-separated string) |
///
/// The window counts from the sale: the RMA's `sold_on`, `invoice_date` or
/// `order_date` (extra `data` fields), else the day the RMA was opened (its
/// `occurred_at`), which the result flags as `sale_date_unknown`.
enum ReturnsDispositionStep {
    static func execute(_ step: WorkflowTemplate.Step, environment: Environment, run: RunState, time: Date) throws -> StepOutcome {
        let policy = try policy(step, environment: environment)
        let receipt = try readReceipt(run.trigger)
        let rmaName = step.definition["rma"]?.stringValue ?? "rma"
        var stepFindings: [JSONValue] = []
        var rma: ReturnAuthorisation?
        if let document = environment.documents[rmaName], document != .null {
            let (authorisation, saleDateKnown) = try readAuthorisation(document)
            rma = authorisation
            if !saleDateKnown {
                stepFindings.append(
                    finding(
                        "sale_date_unknown",
                        "\(authorisation.rmaNumber) gives no sale date; the return window counts from \(authorisation.soldOn), when the RMA was opened",
                        rmaLine: nil))
            }
        }
        let previous = try previouslyReceived(
            environment.documents[step.definition["previous_receipts"]?.stringValue ?? "previous_receipts"],
            before: run, receiptNumber: run.trigger["data"]?["receipt_number"]?.stringValue)
        let evaluation: ReturnEvaluation
        do {
            evaluation = try policy.evaluate(receipt, against: rma, previouslyReceived: previous)
        } catch {
            throw StepFailure(code: error.code, message: error.message + (error.field.map { " (\($0))" } ?? ""))
        }
        return .advance(
            result: json(evaluation, receipt: receipt, rma: rma, stepFindings: stepFindings, run: run, time: time),
            next: step.next)
    }

    static func policy(_ step: WorkflowTemplate.Step, environment: Environment) throws -> ReturnsPolicy {
        var policy = ReturnsPolicy()
        policy.windowDays = try StepInput.integerSetting(step, "window_days", in: environment, default: policy.windowDays)
        policy.restockingFeePercent = try StepInput.decimalSetting(
            step, "restocking_fee_pct", in: environment, default: policy.restockingFeePercent)
        if let codes = StepInput.listSetting(step, "fee_waived_reasons", in: environment) {
            policy.feeWaivedReasons = Set(
                try codes.map { code in
                    guard let reason = ReturnReason(rawValue: code) else {
                        throw StepFailure(
                            code: "template_invalid",
                            message: "fee_waived_reasons: \"\(code)\" is not a return reason (\(ReturnReason.allCases.map(\.rawValue).joined(separator: ", ")))")
                    }
                    return reason
                })
        }
        guard policy.windowDays >= 0, policy.restockingFeePercent >= 0, policy.restockingFeePercent <= 100 else {
            throw StepFailure(
                code: "template_invalid", message: "window_days must be 0 or more and restocking_fee_pct 0 to 100")
        }
        return policy
    }

    // MARK: Reading events

    static func readReceipt(_ event: JSONValue) throws -> ReturnReceipt {
        let data = event["data"] ?? .null
        let lines = try (data["lines"]?.arrayValue ?? []).enumerated().map { index, line in
            let conditionText = try StepInput.text(line["condition"], "return line \(index + 1) condition")
            guard let condition = ReturnCondition(rawValue: conditionText) else {
                throw StepFailure(code: "document_incomplete", message: "return line \(index + 1): unknown condition \(conditionText)")
            }
            let proposed = try StepInput.optionalText(line["disposition"]).map { text in
                guard let disposition = ReturnDisposition(rawValue: text) else {
                    throw StepFailure(code: "document_incomplete", message: "return line \(index + 1): unknown disposition \(text)")
                }
                return disposition
            }
            return ReturnReceipt.Line(
                rmaLine: try StepInput.integer(line["rma_line"], "return line \(index + 1) rma_line"),
                sku: try StepInput.text(line["sku"], "return line \(index + 1) sku"),
                quantity: try StepInput.decimal(line["quantity"], "return line \(index + 1) quantity"),
                condition: condition, proposedDisposition: proposed)
        }
        guard !lines.isEmpty else { throw StepFailure(code: "document_incomplete", message: "the return receipt has no lines") }
        return ReturnReceipt(
            rmaNumber: try StepInput.text(data["rma_number"], "rma_number"),
            receivedAt: try StepInput.instant(event["occurred_at"], "the return's occurred_at"), lines: lines)
    }

    /// The RMA, and whether it named the sale date.
    static func readAuthorisation(_ event: JSONValue) throws -> (ReturnAuthorisation, saleDateKnown: Bool) {
        let data = event["data"] ?? .null
        func reason(_ value: JSONValue?, _ what: String) throws -> ReturnReason? {
            guard let text = StepInput.optionalText(value) else { return nil }
            guard let reason = ReturnReason(rawValue: text) else {
                throw StepFailure(code: "document_incomplete", message: "\(what): unknown return reason \(text)")
            }
            return reason
        }
        let lines = try (data["lines"]?.arrayValue ?? []).enumerated().map { index, line in
            ReturnAuthorisation.Line(
                line: try StepInput.integer(line["line"], "RMA line \(index + 1) line"),
                sku: try StepInput.text(line["sku"], "RMA line \(index + 1) sku"),
                quantity: try StepInput.decimal(line["quantity"], "RMA line \(index + 1) quantity"),
                unitPrice: try StepInput.optionalDecimal(line["unit_price"], "RMA line \(index + 1) unit_price"),
                reason: try reason(line["reason"], "RMA line \(index + 1)"))
        }
        let saleDate = ["sold_on", "invoice_date", "order_date"].lazy.compactMap { data[$0]?.stringValue }.first
        let soldOn: UTCDay
        if let saleDate {
            guard let day = UTCDay.parse(saleDate) else {
                throw StepFailure(code: "document_incomplete", message: "the RMA's sale date \(saleDate) is not a date")
            }
            soldOn = day
        } else {
            soldOn = UTCDay(try StepInput.instant(event["occurred_at"], "the RMA's occurred_at"))
        }
        guard let overall = try reason(data["reason"], "the RMA") else {
            throw StepFailure(code: "document_incomplete", message: "the RMA's reason is missing")
        }
        // Optional in return.requested, but a credit (even a zero one, which
        // an approver with a limit in some currency decides) needs it.
        let currency = try StepInput.currency(data["currency"], "the RMA's currency")
        return (
            ReturnAuthorisation(
                rmaNumber: try StepInput.text(data["rma_number"], "rma_number"), soldOn: soldOn, reason: overall,
                currency: currency, lines: lines),
            saleDate != nil
        )
    }

    /// Quantities received per RMA line by receipts before this one (other
    /// receipt numbers, earlier in the event log), so partial returns cannot add up past the RMA.
    static func previouslyReceived(_ documents: JSONValue?, before run: RunState, receiptNumber: String?) throws -> [Int: Decimal] {
        var received: [Int: Decimal] = [:]
        for document in documents?.arrayValue ?? [] {
            if document["id"]?.stringValue == run.triggerID { break }
            guard let number = document["data"]?["receipt_number"]?.stringValue, number != receiptNumber else { continue }
            for line in try readReceipt(document).lines {
                received[line.rmaLine, default: 0] += line.quantity
            }
        }
        return received
    }

    // MARK: Result

    static func finding(_ code: String, _ message: String, rmaLine: Int?) -> JSONValue {
        .object([
            "code": .string(code), "message": .string(message), "rma_line": rmaLine.map { .number(String($0)) } ?? .null,
        ])
    }

    static func json(
        _ evaluation: ReturnEvaluation, receipt: ReturnReceipt, rma: ReturnAuthorisation?, stepFindings: [JSONValue],
        run: RunState, time: Date
    ) -> JSONValue {
        let currency = evaluation.totalCredit?.currency ?? rma?.currency
        var gross = currency.map(Money.zero)
        var fee = currency.map(Money.zero)
        for line in evaluation.lines {
            guard let credit = line.credit else { continue }
            gross = try? gross?.plus(credit.gross)
            fee = try? fee?.plus(credit.restockingFee)
        }
        let receivedOn = UTCDay(receipt.receivedAt)
        let data = run.trigger["data"] ?? .null
        return .object([
            "decision": .string(evaluation.decision.rawValue),
            "message": .string(evaluation.decision.message),
            "rma_number": .string(receipt.rmaNumber),
            "receipt_number": data["receipt_number"] ?? .null,
            "received_by": data["received_by"] ?? .null,
            "received_on": .string(receivedOn.description),
            "sold_on": rma.map { .string($0.soldOn.description) } ?? .null,
            "deadline": evaluation.deadline.map { .string($0.description) } ?? .null,
            "within_window": evaluation.deadline.map { .bool(receivedOn <= $0) } ?? .null,
            "findings": .array(
                stepFindings
                    + evaluation.findings.map { finding($0.code.rawValue, $0.message, rmaLine: $0.rmaLine) }),
            "lines": .array(
                evaluation.lines.map { outcome in
                    .object([
                        "rma_line": .number(String(outcome.line.rmaLine)), "sku": .string(outcome.line.sku),
                        "quantity": StepInput.number(outcome.line.quantity),
                        "condition": .string(outcome.line.condition.rawValue),
                        "disposition": .string(outcome.disposition.rawValue),
                        "proposed_disposition": outcome.line.proposedDisposition.map { .string($0.rawValue) } ?? .null,
                        "credited_quantity": StepInput.number(outcome.creditedQuantity),
                        "gross": StepInput.money(outcome.credit?.gross),
                        "restocking_fee": StepInput.money(outcome.credit?.restockingFee),
                        "credit": StepInput.money(outcome.credit?.credit),
                        "fee_waived": outcome.credit.map { .bool($0.feeWaived) } ?? .null,
                    ])
                }),
            "credit": .object([
                "gross": StepInput.money(gross), "fee": StepInput.money(fee),
                "credit": StepInput.money(evaluation.totalCredit),
            ]),
            "evaluated_at": StepInput.timestamp(time),
        ])
    }
}
