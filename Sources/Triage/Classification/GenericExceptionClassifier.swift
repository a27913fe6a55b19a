import Foundation
import Finance

/// Labels an exception described by its kind and facts (cycle counts, receipts, returns, chargebacks, holds).
///
/// Each kind has explicit rules over its facts, so a label always points at the facts that
/// triggered it. Facts that show no exception (a count that agrees) give an empty classification.
public struct GenericExceptionClassifier: Sendable {
    public init() {}

    /// - Throws: `invalid_fact` naming the first fact that is missing or malformed.
    public func classify(_ description: ExceptionDescription) throws(TriageError) -> Classification {
        let facts = FactReader(facts: description.facts)
        var classification = Classification()
        switch description.kind {
        case .cycleCount: try cycleCount(facts, into: &classification)
        case .goodsReceipt: try goodsReceipt(facts, into: &classification)
        case .returnRequest: try returnRequest(facts, into: &classification)
        case .chargeback:
            let currency = try facts.currency()
            let amount = try facts.money(try facts.decimal("amount"), currency, field: "amount")
            let reason = try facts.optionalString("reason")
            classification.add(
                .chargeback,
                Evidence(
                    field: "amount", actual: amount.amountText, amount: amount,
                    note: "a chargeback of \(amount)" + (reason.map { " for '\($0.prefix(80))'" } ?? "")))
        case .creditHold:
            let currency = try facts.currency()
            let amount = try facts.money(try facts.decimal("order_amount"), currency, field: "order_amount")
            let limit = try facts.optionalDecimal("credit_limit")
            classification.add(
                .creditHold,
                Evidence(
                    field: "order_amount", expected: limit.map(DecimalText.text), actual: amount.amountText,
                    amount: amount, note: "an order of \(amount) is held for credit"))
        }
        return classification
    }

    private func cycleCount(_ facts: FactReader, into classification: inout Classification) throws(TriageError) {
        let book = try facts.decimal("book_quantity")
        let counted = try facts.decimal("counted_quantity")
        guard book != counted else { return }
        // Positive when stock is missing: the loss is what is at stake.
        let missing = book - counted
        var amount: Money?
        if let cost = try facts.optionalDecimal("unit_cost") {
            amount = try facts.money(missing * cost, try facts.currency(), field: "unit_cost")
        }
        let sku = try facts.optionalString("sku")
        classification.add(
            .countVariance,
            Evidence(
                field: "quantity", expected: DecimalText.text(book), actual: DecimalText.text(counted), amount: amount,
                note: "counted \(DecimalText.text(counted)) against \(DecimalText.text(book)) on the books"
                    + (sku.map { " for SKU \($0.prefix(64))" } ?? "")))
    }

    private func goodsReceipt(_ facts: FactReader, into classification: inout Classification) throws(TriageError) {
        if let damaged = try facts.optionalDecimal("damaged_quantity"), damaged > 0 {
            var amount: Money?
            if let cost = try facts.optionalDecimal("unit_cost") {
                amount = try facts.money(damaged * cost, try facts.currency(), field: "unit_cost")
            }
            classification.add(
                .damagedOnArrival,
                Evidence(
                    field: "damaged_quantity", expected: "0", actual: DecimalText.text(damaged), amount: amount,
                    note: "\(DecimalText.text(damaged)) units arrived damaged"))
        }
        guard facts.has("delivered_at"), facts.has("asn_received_at") else { return }
        guard let delivered = try facts.instant("delivered_at") else { return }
        let asn = try facts.instant("asn_received_at")
        if let asn, asn <= delivered { return }
        classification.add(
            .lateASN,
            Evidence(
                field: "asn_received_at", expected: Timestamp.text(delivered), actual: asn.map(Timestamp.text),
                note: asn.map { asn in
                    "the ship notice came \(Self.duration(asn.timeIntervalSince(delivered))) after the goods"
                } ?? "the goods arrived without a ship notice"))
    }

    private func returnRequest(_ facts: FactReader, into classification: inout Classification) throws(TriageError) {
        let delivered = try facts.day("delivered_on")
        let requested = try facts.day("requested_on")
        let window = try facts.decimal("window_days")
        guard window >= 0, let windowDays = Int(DecimalText.text(window)) else {
            throw TriageError(
                .invalidFact, "the fact 'window_days' must be a whole number of days", field: "facts.window_days")
        }
        let closes = delivered.adding(days: windowDays)
        guard requested > closes else { return }
        var amount: Money?
        if let value = try facts.optionalDecimal("amount") {
            amount = try facts.money(value, try facts.currency(), field: "amount")
        }
        classification.add(
            .returnOutsideWindow,
            Evidence(
                field: "requested_on", expected: "on or before \(closes)", actual: requested.description,
                amount: amount,
                note:
                    "requested \(closes.days(until: requested)) days after the \(windowDays)-day window closed on \(closes)"
            ))
    }

    static func duration(_ seconds: TimeInterval) -> String {
        let hours = Int((seconds / 3600).rounded(.up))
        return hours < 48 ? "\(hours) h" : "\(hours / 24) days"
    }
}
