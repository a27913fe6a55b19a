import Events
import Finance
import Foundation

/// `landed_cost_allocation`: spreads the `landed_cost.charged` event that
/// triggered the run over the receipt lines it applies to, and works out each
/// line's landed unit cost. The finance logic is ``Finance/LandedCostPolicy``.
///
/// Inputs:
/// - the trigger's charge; its `applies_to` entries for the run's purchase
///   order (the correlation key) pick the receipt lines: an entry without
///   `po_line` and `receipt_number` means every line of every receipt;
/// - correlated `receipts` (`many`) or one `receipt` of `goods_receipt.posted`;
///   `rejected` lines carry no stock and get no share;
/// - the correlated `purchase_order`, for unit prices (and `unit_weight`,
///   `unit_volume`) where a receipt line has no `unit_cost`, `weight`, `volume`;
/// - parameters `<charge type>_basis` (`value`, `quantity`, `weight`, `volume`)
///   and `missing_measure_as_zero`; the event's `allocation_basis` wins.
///
/// Step settings: `approval_above` (an amount or `params.name`): the result's
/// `requires_approval` says whether the charge is above it, because template
/// expressions see parameters as text. `timeout_seconds` and `on_timeout`:
/// how long to wait when `applies_to` names a receipt that has not arrived.
///
/// A charge naming other purchase orders than the run's is an exception: the
/// run sees one order's receipts, and splitting the charge between orders needs
/// all of them.
enum LandedCostStep {
    static func execute(_ step: WorkflowTemplate.Step, environment: Environment, run: RunState) throws -> StepOutcome {
        try allocate(step, environment: environment, correlationKey: run.correlationKey, createdAt: run.createdAt)
    }

    /// The step without the run's row, for tests: the trigger is `environment.trigger`.
    static func allocate(
        _ step: WorkflowTemplate.Step, environment: Environment, correlationKey: String, createdAt: Date
    ) throws -> StepOutcome {
        let charge = try Charge(environment.trigger)
        let selection = try charge.selection(forOrder: correlationKey)
        let order = try environment.documents["purchase_order"].map(Order.init)
        let receipts = try receipts(in: environment.documents)

        let missing = selection.receiptNumbers.subtracting(receipts.map(\.number)).sorted()
        guard missing.isEmpty else {
            let timeout = environment.setting(step.definition["timeout_seconds"]).flatMap(Double.init)
            return .waitForDocuments(
                missing: missing.map { "receipts (\($0))" }, until: timeout.map { createdAt.addingTimeInterval($0) },
                onTimeout: step.definition["on_timeout"]?.stringValue)
        }

        let currency = order?.currency ?? charge.amount.currency
        var lines: [LandedCostLine] = []
        var sources: [LineSource] = []
        var excluded: [JSONValue] = []
        for receipt in receipts {
            for line in receipt.lines where selection.includes(receipt: receipt.number, poLine: line.poLine) {
                guard line.condition != "rejected" else {
                    excluded.append(.object(["reference": .string(line.reference), "reason": .string("rejected")]))
                    continue
                }
                let (costed, source) = try cost(line, receipt: receipt, order: order)
                lines.append(costed)
                sources.append(source)
            }
        }

        let policy = try policy(environment.parameters)
        let allocation: LandedCostAllocation
        do {
            allocation = try policy.allocate([charge.charge], across: lines, currency: currency)
        } catch {
            throw StepFailure(code: error.code, message: "\(correlationKey): \(error.message)")
        }

        var threshold: Decimal?
        if let text = environment.setting(step.definition["approval_above"]) {
            guard let limit = DecimalText.parse(text) else {
                throw StepFailure(code: "invalid_parameter", message: "approval_above \(text) is not a decimal amount")
            }
            threshold = limit
        }
        return .advance(
            result: json(
                allocation, charge: charge, order: correlationKey, receipts: receipts.map(\.number), sources: sources,
                excluded: excluded, threshold: threshold),
            next: step.next)
    }

    // MARK: Policy

    static func policy(_ parameters: [String: JSONValue]) throws -> LandedCostPolicy {
        var policy = LandedCostPolicy.standard
        for type in LandedCostChargeType.allCases {
            let name = "\(type.rawValue)_basis"
            guard let text = parameters[name]?.stringValue, !text.isEmpty else { continue }
            guard let basis = LandedCostBasis(rawValue: text) else {
                throw StepFailure(
                    code: "invalid_parameter", message: "\(name) is \(text), not one of value, quantity, weight, volume")
            }
            policy.bases[type] = basis
        }
        switch parameters["missing_measure_as_zero"] {
        case .bool(let flag)?: policy.treatsMissingMeasureAsZero = flag
        case .string(let text)?: policy.treatsMissingMeasureAsZero = text == "true"
        default: break
        }
        return policy
    }

    // MARK: The charge

    /// The trigger's charge and what it applies to.
    struct Charge {
        let charge: LandedCostCharge
        let appliesTo: [(poNumber: String, poLine: Int?, receiptNumber: String?)]

        var amount: Money { charge.amount }

        init(_ event: JSONValue) throws {
            let data = event["data"] ?? .null
            let number = try StepInput.text(data["charge_number"], "charge_number")
            let typeText = try StepInput.text(data["charge_type"], "charge_type")
            guard let type = LandedCostChargeType(rawValue: typeText) else {
                throw StepFailure(code: "document_incomplete", message: "charge_type \(typeText) is not a known charge type")
            }
            var basis: LandedCostBasis?
            if let text = data["allocation_basis"]?.stringValue {
                guard let known = LandedCostBasis(rawValue: text) else {
                    throw StepFailure(code: "document_incomplete", message: "allocation_basis \(text) is not a known basis")
                }
                basis = known
            }
            let currency = try StepInput.currency(data["currency"], "charge currency")
            let amountText = try StepInput.text(data["amount"], "charge amount")
            let amount: Money
            do {
                amount = try Money.parse(amountText, currency: currency)
            } catch {
                throw StepFailure(code: error.code, message: "charge \(number) amount \(amountText): \(error.message)")
            }
            appliesTo = try (data["applies_to"]?.arrayValue ?? []).map { entry in
                (try StepInput.text(entry["po_number"], "applies_to po_number"), LandedCostStep.lineNumber(entry["po_line"]),
                 entry["receipt_number"]?.stringValue)
            }
            charge = LandedCostCharge(reference: number, type: type, amount: amount, basis: basis)
        }

        /// Which receipt lines of `order` the charge applies to.
        func selection(forOrder order: String) throws -> Selection {
            let others = Set(appliesTo.map(\.poNumber)).subtracting([order]).sorted()
            guard others.isEmpty else {
                throw StepFailure(
                    code: "charge_spans_orders",
                    message: "charge \(charge.reference) applies to \(([order] + others).joined(separator: ", ")); "
                        + "this workflow allocates a charge over one purchase order's receipts, so enter one charge per order")
            }
            let entries = appliesTo.filter { $0.poNumber == order }
            guard !entries.isEmpty else {
                throw StepFailure(
                    code: "charge_not_for_order", message: "charge \(charge.reference) does not apply to \(order)")
            }
            if entries.contains(where: { $0.poLine == nil && $0.receiptNumber == nil }) { return Selection(entries: nil) }
            return Selection(entries: entries.map { ($0.poLine, $0.receiptNumber) })
        }
    }

    /// The receipt lines a charge applies to: all (nil), or those any entry matches.
    struct Selection {
        let entries: [(poLine: Int?, receiptNumber: String?)]?

        var receiptNumbers: Set<String> { Set((entries ?? []).compactMap(\.receiptNumber)) }

        func includes(receipt: String, poLine: Int?) -> Bool {
            guard let entries else { return true }
            return entries.contains { entry in
                (entry.receiptNumber == nil || entry.receiptNumber == receipt)
                    && (entry.poLine == nil || entry.poLine == poLine)
            }
        }
    }

    // MARK: Receipts and the order

    struct Receipt {
        let number: String
        let lines: [Line]

        struct Line {
            let reference: String
            let poLine: Int?
            let sku: String
            let quantity: Decimal
            let uom: String
            let condition: String?
            let unitCost: Decimal?
            let weight: Decimal?
            let volume: Decimal?
        }

        init(_ event: JSONValue) throws {
            let data = event["data"] ?? .null
            let number = try StepInput.text(data["receipt_number"], "receipt_number")
            self.number = number
            lines = try (data["lines"]?.arrayValue ?? []).enumerated().map { index, line in
                Line(
                    reference: "\(number)/\(index + 1)", poLine: LandedCostStep.lineNumber(line["po_line"]),
                    sku: try StepInput.text(line["sku"], "receipt \(number) line sku"),
                    quantity: try StepInput.decimal(line["quantity"], "receipt \(number) line quantity"),
                    uom: try StepInput.text(line["uom"], "receipt \(number) line uom"),
                    condition: line["condition"]?.stringValue,
                    unitCost: try StepInput.optionalDecimal(
                        line["unit_cost"] ?? line["unit_price"], "receipt \(number) unit cost"),
                    weight: try StepInput.optionalDecimal(line["weight"], "receipt \(number) line weight"),
                    volume: try StepInput.optionalDecimal(line["volume"], "receipt \(number) line volume"))
            }
        }
    }

    /// Correlated receipts, oldest first; a receipt sent again replaces its earlier version.
    static func receipts(in documents: [String: JSONValue]) throws -> [Receipt] {
        let events = (documents["receipts"]?.arrayValue ?? []) + (documents["receipt"].map { [$0] } ?? [])
        var receipts: [Receipt] = []
        for event in events {
            let receipt = try Receipt(event)
            if let index = receipts.firstIndex(where: { $0.number == receipt.number }) {
                receipts[index] = receipt
            } else {
                receipts.append(receipt)
            }
        }
        return receipts
    }

    struct Order {
        let number: String
        let currency: Currency
        let lines: [Line]

        struct Line {
            let line: Int
            let sku: String
            let uom: String
            /// Base units per one `uom`; nil when the line has none.
            let uomFactor: Decimal?
            let baseUOM: String
            let unitPrice: Decimal
            let unitWeight: Decimal?
            let unitVolume: Decimal?
        }

        init(_ event: JSONValue) throws {
            let data = event["data"] ?? .null
            number = try StepInput.text(data["po_number"], "po_number")
            currency = try StepInput.currency(data["currency"], "PO currency")
            lines = try (data["lines"]?.arrayValue ?? []).enumerated().map { index, line in
                Line(
                    line: LandedCostStep.lineNumber(line["line"]) ?? index + 1,
                    sku: try StepInput.text(line["sku"], "PO line sku"),
                    uom: try StepInput.text(line["uom"], "PO line uom"),
                    uomFactor: try StepInput.optionalDecimal(line["uom_factor"], "PO line uom_factor"),
                    baseUOM: line["base_uom"]?.stringValue ?? "EA",
                    unitPrice: try StepInput.decimal(line["unit_price"], "PO line unit_price"),
                    unitWeight: try StepInput.optionalDecimal(line["unit_weight"], "PO line unit_weight"),
                    unitVolume: try StepInput.optionalDecimal(line["unit_volume"], "PO line unit_volume"))
            }
        }

        /// The order line a receipt line is for: by line number, else by a SKU that appears once.
        func line(for receiptLine: Receipt.Line) -> Line? {
            if let number = receiptLine.poLine, let found = lines.first(where: { $0.line == number }) { return found }
            let bySKU = lines.filter { $0.sku == receiptLine.sku }
            return bySKU.count == 1 ? bySKU[0] : nil
        }
    }

    enum LineSource: String {
        case receipt
        case purchaseOrder = "purchase_order"
    }

    /// The receipt line with its unit cost and measures, from the receipt or else its PO line.
    static func cost(_ line: Receipt.Line, receipt: Receipt, order: Order?) throws -> (LandedCostLine, LineSource) {
        let orderLine = order?.line(for: line)
        // Receipt units per PO unit: 1 in the PO's unit, the factor in its base
        // unit. Divided by last, so a 36.00 case of 36 costs exactly 1.00 each.
        var unitsPerOrderUnit: Decimal?
        if let orderLine {
            if line.uom == orderLine.uom {
                unitsPerOrderUnit = 1
            } else if let factor = orderLine.uomFactor, factor > 0, line.uom == orderLine.baseUOM {
                unitsPerOrderUnit = factor
            }
        }
        let unitCost: Decimal
        let source: LineSource
        if let own = line.unitCost {
            unitCost = own
            source = .receipt
        } else {
            guard let orderLine else {
                throw StepFailure(
                    code: "unit_cost_missing",
                    message: "receipt line \(line.reference) (\(line.sku)) has no unit_cost and no purchase order line"
                        + (order == nil ? " (the purchase order has not arrived)" : " matches it"))
            }
            guard let unitsPerOrderUnit else {
                throw StepFailure(
                    code: "uom_mismatch",
                    message: "receipt line \(line.reference) counts \(line.sku) in \(line.uom), but PO line \(orderLine.line) "
                        + "prices it per \(orderLine.uom)"
                        + (orderLine.uomFactor == nil ? "" : " (base unit \(orderLine.baseUOM))"))
            }
            unitCost = orderLine.unitPrice / unitsPerOrderUnit
            source = .purchaseOrder
        }
        func measure(_ own: Decimal?, _ perUnit: Decimal?) -> Decimal? {
            if let own { return own }
            guard let perUnit, let unitsPerOrderUnit else { return nil }
            return perUnit * line.quantity / unitsPerOrderUnit
        }
        return (
            LandedCostLine(
                reference: line.reference, sku: line.sku, quantity: line.quantity, unitCost: unitCost,
                weight: measure(line.weight, orderLine?.unitWeight), volume: measure(line.volume, orderLine?.unitVolume)),
            source
        )
    }

    /// A line number when there is one: `po_line` is optional on receipts and in `applies_to`.
    static func lineNumber(_ value: JSONValue?) -> Int? { value?.numberText.flatMap { Int($0) } }

    // MARK: Result

    /// Decimals shown for values that are exact but may be long (a price divided by a pack size).
    private static func shown(_ value: Decimal) -> JSONValue {
        .string(DecimalText.text(DecimalText.round(value, scale: 6, rule: .halfEven)))
    }

    static func json(
        _ allocation: LandedCostAllocation, charge: Charge, order: String, receipts: [String], sources: [LineSource],
        excluded: [JSONValue], threshold: Decimal?
    ) -> JSONValue {
        let money = ThreeWayMatchStep.money
        let total = allocation.totalCharged
        let allocatedMinor = allocation.lines.reduce(Int64(0)) { $0 &+ $1.allocated.minorUnits }
        let goodsValue = allocation.lines.reduce(Decimal(0)) { $0 + $1.line.goodsValue }
        let lines: [JSONValue] = allocation.lines.enumerated().map { index, result in
            let line = result.line
            let shares: [JSONValue] = allocation.charges.map { split in
                .object([
                    "charge_number": .string(split.charge.reference), "charge_type": .string(split.charge.type.rawValue),
                    "basis": .string(split.basis.rawValue), "amount": money(split.shares[index]),
                ])
            }
            return .object([
                "reference": .string(line.reference), "sku": .string(line.sku),
                "quantity": .string(DecimalText.text(line.quantity)), "unit_cost": shown(line.unitCost),
                "unit_cost_source": .string(sources[index].rawValue),
                "weight": line.weight.map(shown) ?? .null, "volume": line.volume.map(shown) ?? .null,
                "allocations": .array(shares), "allocated": money(result.allocated),
                "goods_value": shown(line.goodsValue), "landed_value": shown(result.landedValue),
                "landed_unit_cost": result.landedUnitCost.map { .string(DecimalText.text($0)) } ?? .null,
            ])
        }
        return .object([
            "outcome": .string("allocated"), "charge_number": .string(charge.charge.reference),
            "charge_type": .string(charge.charge.type.rawValue),
            "basis": .string(allocation.charges.first?.basis.rawValue ?? ""), "po_number": .string(order),
            "currency": .string(allocation.currency.code), "total_charged": money(total),
            "total_allocated": money(Money(minorUnits: allocatedMinor, currency: allocation.currency)),
            "goods_value": shown(goodsValue), "receipts": .array(receipts.map(JSONValue.string)),
            "lines": .array(lines), "excluded_lines": .array(excluded),
            "approval_threshold": threshold.map { .string(DecimalText.text($0)) } ?? .null,
            "requires_approval": .bool(threshold.map { total.decimal > $0 } ?? false),
        ])
    }
}
