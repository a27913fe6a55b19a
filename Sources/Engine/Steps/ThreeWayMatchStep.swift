import Events
import Finance
import Foundation

/// `three_way_match`: the invoice that triggered the run against its purchase
/// order, receipts and earlier invoices (correlated documents named
/// `purchase_order`, `receipts`, `previous_invoices`), with the policy from
/// the deployment's parameters. The finance logic is ``Finance/ThreeWayMatch``.
enum ThreeWayMatchStep {
    static func execute(
        _ step: WorkflowTemplate.Step, environment: Environment, run: RunState, template: WorkflowTemplate
    ) throws -> StepOutcome {
        let invoice = try readInvoice(run.trigger, id: run.triggerID)
        let order = try environment.documents["purchase_order"].map(readOrder)
        let receipts = try (environment.documents["receipts"]?.arrayValue ?? []).map(readReceipt)
        let previous = try (environment.documents["previous_invoices"]?.arrayValue ?? []).map { document in
            try readInvoice(document, id: document["id"]?.stringValue ?? "")
        }
        let result = ThreeWayMatch.match(
            invoice: invoice, purchaseOrder: order, receipts: receipts, previousInvoices: previous,
            policy: try policy(environment.parameters))
        return .advance(result: json(result, invoice: invoice), next: step.next)
    }

    static func policy(_ parameters: [String: JSONValue]) throws -> ThreeWayMatchPolicy {
        var policy = ThreeWayMatchPolicy()
        func decimal(_ name: String) -> Decimal? { parameters[name]?.numberText.flatMap(DecimalText.parse) }
        if decimal("price_tolerance_pct") != nil || decimal("price_tolerance_amount") != nil {
            policy.priceTolerance = .init(percent: decimal("price_tolerance_pct"), absolute: decimal("price_tolerance_amount"))
        }
        if let percent = decimal("quantity_tolerance_pct") { policy.quantityTolerance = .init(percent: percent) }
        if let amount = decimal("freight_tolerance_amount") { policy.freightTolerance = .init(absolute: amount) }
        return policy
    }

    // MARK: Reading events

    private static func text(_ value: JSONValue?, _ what: String) throws -> String {
        guard let text = value?.stringValue, !text.isEmpty else {
            throw StepFailure(code: "document_incomplete", message: "\(what) is missing")
        }
        return text
    }

    private static func decimal(_ value: JSONValue?, _ what: String) throws -> Decimal {
        guard let text = value?.numberText, let number = DecimalText.parse(text) else {
            throw StepFailure(code: "document_incomplete", message: "\(what) is not a decimal")
        }
        return number
    }

    private static func optionalDecimal(_ value: JSONValue?, _ what: String) throws -> Decimal? {
        guard let value, value != .null else { return nil }
        return try decimal(value, what)
    }

    private static func integer(_ value: JSONValue?) -> Int? { value?.numberText.flatMap { Int($0) } }

    private static func currency(_ value: JSONValue?, _ what: String) throws -> Currency {
        do {
            return try Currency(try text(value, what))
        } catch let error as MoneyError {
            throw StepFailure(code: "document_incomplete", message: "\(what): \(error.message)")
        }
    }

    static func readOrder(_ event: JSONValue) throws -> ThreeWayMatch.PurchaseOrder {
        let data = event["data"] ?? .null
        let lines = try (data["lines"]?.arrayValue ?? []).enumerated().map { index, line in
            ThreeWayMatch.PurchaseOrder.Line(
                line: integer(line["line"]) ?? index + 1, sku: try text(line["sku"], "PO line sku"),
                quantity: try decimal(line["quantity"], "PO line quantity"), uom: try text(line["uom"], "PO line uom"),
                uomFactor: try optionalDecimal(line["uom_factor"], "PO line uom_factor"),
                unitPrice: try decimal(line["unit_price"], "PO line unit_price"))
        }
        return ThreeWayMatch.PurchaseOrder(
            number: try text(data["po_number"], "po_number"), supplierID: try text(data["supplier"]?["id"], "supplier id"),
            currency: try currency(data["currency"], "PO currency"), lines: lines,
            freight: try optionalDecimal(data["freight"], "PO freight"), tax: try optionalDecimal(data["tax"], "PO tax"))
    }

    static func readReceipt(_ event: JSONValue) throws -> ThreeWayMatch.GoodsReceipt {
        let data = event["data"] ?? .null
        let lines = try (data["lines"]?.arrayValue ?? []).map { line in
            ThreeWayMatch.GoodsReceipt.Line(
                poLine: integer(line["po_line"]), sku: try text(line["sku"], "receipt line sku"),
                quantity: try decimal(line["quantity"], "receipt line quantity"),
                uom: try text(line["uom"], "receipt line uom"), condition: line["condition"]?.stringValue)
        }
        return ThreeWayMatch.GoodsReceipt(
            number: try text(data["receipt_number"], "receipt_number"), poNumber: try text(data["po_number"], "po_number"),
            lines: lines)
    }

    static func readInvoice(_ event: JSONValue, id: String) throws -> ThreeWayMatch.Invoice {
        let data = event["data"] ?? .null
        let lines = try (data["lines"]?.arrayValue ?? []).map { line in
            ThreeWayMatch.Invoice.Line(
                line: integer(line["line"]), poLine: integer(line["po_line"]), sku: try text(line["sku"], "invoice line sku"),
                quantity: try decimal(line["quantity"], "invoice line quantity"),
                uom: try text(line["uom"], "invoice line uom"), unitPrice: try decimal(line["unit_price"], "invoice line unit_price"),
                amount: try optionalDecimal(line["amount"], "invoice line amount"))
        }
        return ThreeWayMatch.Invoice(
            id: id, number: try text(data["invoice_number"], "invoice_number"),
            supplierID: try text(data["supplier"]?["id"], "supplier id"), poNumber: data["po_number"]?.stringValue,
            invoiceDate: try text(data["invoice_date"], "invoice_date"), currency: try currency(data["currency"], "invoice currency"),
            lines: lines, freight: try optionalDecimal(data["freight"], "freight"), tax: try optionalDecimal(data["tax"], "tax"),
            discount: try optionalDecimal(data["discount"], "discount"), total: try decimal(data["total"], "total"))
    }

    // MARK: Result

    static func money(_ value: Money?) -> JSONValue {
        guard let value else { return .null }
        return .object(["amount": .string(value.amountText), "currency": .string(value.currency.code)])
    }

    static func json(_ reason: ThreeWayMatchResult.Reason) -> JSONValue {
        .object([
            "code": .string(reason.code.rawValue), "outcome": .string(reason.outcome.rawValue),
            "message": .string(reason.message), "amount": money(reason.amount),
            "quantity": reason.quantity.map(JSONValue.string) ?? .null,
            "reference": reason.reference.map(JSONValue.string) ?? .null,
        ])
    }

    static func json(_ result: ThreeWayMatchResult, invoice: ThreeWayMatch.Invoice) -> JSONValue {
        let total = (try? Money.rounding(invoice.total, currency: invoice.currency, rule: .halfUp)).map { money($0) } ?? .null
        let exceptionMinor = result.allReasons.filter { $0.outcome == .exception }
            .compactMap(\.amount).filter { $0.currency == invoice.currency }.reduce(Int64(0)) { sum, amount in
                let (total, overflow) = sum.addingReportingOverflow(amount.minorUnits.magnitude.clampedInt64)
                return overflow ? .max : total
            }
        return .object([
            "outcome": .string(result.outcome.rawValue), "invoice_number": .string(result.invoiceNumber),
            "supplier_id": .string(result.supplierID), "po_number": result.poNumber.map(JSONValue.string) ?? .null,
            "currency": .string(result.currency), "invoice_total": total,
            "variance_total": money(Money(minorUnits: exceptionMinor, currency: invoice.currency)),
            "reasons": .array(result.reasons.map(json)),
            "lines": .array(
                result.lines.map { line in
                    .object([
                        "invoice_line": .number(String(line.invoiceLine)), "sku": .string(line.sku),
                        "po_line": line.poLine.map { .number(String($0)) } ?? .null,
                        "matched_by": line.matchedBy.map { .string($0.rawValue) } ?? .null,
                        "outcome": .string(line.outcome.rawValue), "uom": line.uom.map(JSONValue.string) ?? .null,
                        "ordered_quantity": line.orderedQuantity.map(JSONValue.string) ?? .null,
                        "received_quantity": line.receivedQuantity.map(JSONValue.string) ?? .null,
                        "invoiced_quantity": line.invoicedQuantity.map(JSONValue.string) ?? .null,
                        "order_unit_price": line.orderUnitPrice.map(JSONValue.string) ?? .null,
                        "invoice_unit_price": line.invoiceUnitPrice.map(JSONValue.string) ?? .null,
                        "amount": money(line.amount), "reasons": .array(line.reasons.map(json)),
                    ])
                }),
        ])
    }
}

extension UInt64 {
    /// Saturates instead of trapping: a sum of variances never needs more.
    var clampedInt64: Int64 { self > UInt64(Int64.max) ? .max : Int64(self) }
}
