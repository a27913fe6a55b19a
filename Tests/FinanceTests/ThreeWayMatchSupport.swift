import Finance
import Foundation
import Testing

/// Documents, fixtures and generators for the three-way match tests, kept in one namespace
/// because other suites share the test target.
enum ThreeWayMatchTestKit {
    typealias PO = ThreeWayMatch.PurchaseOrder
    typealias Receipt = ThreeWayMatch.GoodsReceipt
    typealias Invoice = ThreeWayMatch.Invoice

    /// A decimal from text; a typo becomes NaN, which no expectation accepts.
    static func d(_ text: String) -> Decimal { DecimalText.parse(text) ?? .nan }

    /// The documents of one match, with the call that matches them.
    struct Scenario: Sendable {
        var order: PO?
        var receipts: [Receipt]
        var invoice: Invoice
        var previous: [Invoice] = []
        var policy = ThreeWayMatchPolicy()

        func run() -> ThreeWayMatchResult {
            ThreeWayMatch.match(
                invoice: invoice, purchaseOrder: order, receipts: receipts, previousInvoices: previous, policy: policy)
        }

        /// The fixture documents with everything received: matches cleanly.
        ///
        /// PO-1001: line 1 1000 EA at 0.1240 (124.00); line 2 20 BOX of 100 EA at 4.5000 (90.00); freight 35.00.
        static func clean() throws -> Scenario {
            let usd = try Currency("USD")
            let order = PO(
                number: "PO-1001", supplierID: "SUP-007", currency: usd,
                lines: [
                    .init(line: 1, sku: "BOLT-M8-40", quantity: 1000, uom: "EA", unitPrice: d("0.1240")),
                    .init(line: 2, sku: "NUT-M8", quantity: 20, uom: "BOX", uomFactor: 100, unitPrice: d("4.5000")),
                ],
                freight: d("35.00"), tax: d("0.00"))
            let receipt = Receipt(
                number: "GR-5001", poNumber: "PO-1001",
                lines: [
                    .init(poLine: 1, sku: "BOLT-M8-40", quantity: 1000, uom: "EA", condition: "good"),
                    .init(poLine: 2, sku: "NUT-M8", quantity: 2000, uom: "EA"),
                ])
            let invoice = Invoice(
                id: "evt_inv_77-4410", number: "77-4410", supplierID: "SUP-007", poNumber: "PO-1001",
                invoiceDate: "2026-11-06", currency: usd,
                lines: [
                    .init(poLine: 1, sku: "BOLT-M8-40", quantity: 1000, uom: "EA", unitPrice: d("0.1240")),
                    .init(poLine: 2, sku: "NUT-M8", quantity: 20, uom: "BOX", unitPrice: d("4.5000")),
                ],
                freight: d("35.00"), tax: d("0.00"), total: d("249.00"))
            return Scenario(order: order, receipts: [receipt], invoice: invoice)
        }

        /// A copy changed by `change`; the invoice total is then recomputed (unless `rebalance` is false)
        /// so that only the change under test can be a finding.
        func with(rebalance: Bool = true, _ change: (inout Scenario) throws -> Void) throws -> Scenario {
            var copy = self
            try change(&copy)
            if rebalance { copy.invoice.total = try copy.invoice.consistentTotal() }
            return copy
        }
    }

    /// A result in one line per finding, for table expectations:
    /// the outcome, then `H code` for the invoice and `L<n> code` per line, `!` for an exception,
    /// `~` within tolerance, and the amount when there is one.
    static func summary(_ result: ThreeWayMatchResult) -> [String] {
        func describe(_ prefix: String, _ reason: ThreeWayMatchResult.Reason) -> String {
            let mark = reason.outcome == .exception ? "!" : "~"
            return "\(prefix) \(reason.code.rawValue)\(mark)" + (reason.amount.map { " \($0)" } ?? "")
        }
        return [result.outcome.rawValue] + result.reasons.map { describe("H", $0) }
            + result.lines.flatMap { line in line.reasons.map { describe("L\(line.invoiceLine)", $0) } }
    }

    /// The canonical event fixtures, read as the ingest path would hand them over.
    enum EventFixtures {
        struct Malformed: Error, CustomStringConvertible {
            let description: String
        }

        static func data(_ name: String) throws -> [String: Any] {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("EventsTests/Fixtures/\(name).json")
            let event = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
            guard let data = (event as? [String: Any])?["data"] as? [String: Any] else {
                throw Malformed(description: name)
            }
            return data
        }

        static func purchaseOrder() throws -> PO {
            let data = try data("purchase_order.created")
            return PO(
                number: try string(data, "po_number"), supplierID: try string(party(data), "id"),
                currency: try Currency(try string(data, "currency")),
                lines: try lines(data).map { line in
                    PO.Line(
                        line: try int(line, "line"), sku: try string(line, "sku"),
                        quantity: try decimal(line, "quantity"),
                        uom: try string(line, "uom"), uomFactor: try optionalDecimal(line, "uom_factor"),
                        unitPrice: try decimal(line, "unit_price"))
                },
                freight: try optionalDecimal(data, "freight"), tax: try optionalDecimal(data, "tax"))
        }

        static func goodsReceipt() throws -> Receipt {
            let data = try data("goods_receipt.posted")
            return Receipt(
                number: try string(data, "receipt_number"), poNumber: try string(data, "po_number"),
                lines: try lines(data).map { line in
                    Receipt.Line(
                        poLine: line["po_line"] as? Int, sku: try string(line, "sku"),
                        quantity: try decimal(line, "quantity"), uom: try string(line, "uom"),
                        condition: line["condition"] as? String)
                })
        }

        static func invoice() throws -> Invoice {
            let event = try data("invoice.received")
            return Invoice(
                id: "evt_inv_77-4410", number: try string(event, "invoice_number"),
                supplierID: try string(party(event), "id"), poNumber: event["po_number"] as? String,
                invoiceDate: try string(event, "invoice_date"), currency: try Currency(try string(event, "currency")),
                lines: try lines(event).map { line in
                    Invoice.Line(
                        line: line["line"] as? Int, poLine: line["po_line"] as? Int, sku: try string(line, "sku"),
                        quantity: try decimal(line, "quantity"), uom: try string(line, "uom"),
                        unitPrice: try decimal(line, "unit_price"), amount: try optionalDecimal(line, "amount"))
                },
                freight: try optionalDecimal(event, "freight"), tax: try optionalDecimal(event, "tax"),
                discount: try optionalDecimal(event, "discount"), total: try decimal(event, "total"))
        }

        private static func party(_ data: [String: Any]) throws -> [String: Any] {
            guard let party = data["supplier"] as? [String: Any] else { throw Malformed(description: "supplier") }
            return party
        }

        private static func lines(_ data: [String: Any]) throws -> [[String: Any]] {
            guard let lines = data["lines"] as? [[String: Any]] else { throw Malformed(description: "lines") }
            return lines
        }

        private static func string(_ object: [String: Any], _ key: String) throws -> String {
            guard let value = object[key] as? String else { throw Malformed(description: key) }
            return value
        }

        private static func int(_ object: [String: Any], _ key: String) throws -> Int {
            guard let value = object[key] as? Int else { throw Malformed(description: key) }
            return value
        }

        private static func decimal(_ object: [String: Any], _ key: String) throws -> Decimal {
            guard let value = try optionalDecimal(object, key) else { throw Malformed(description: key) }
            return value
        }

        private static func optionalDecimal(_ object: [String: Any], _ key: String) throws -> Decimal? {
            guard let raw = object[key] else { return nil }
            guard let text = raw as? String, let value = DecimalText.parse(text) else {
                throw Malformed(description: key)
            }
            return value
        }
    }

    /// SplitMix64: a small, fast generator whose sequence depends only on the seed.
    struct SeededGenerator: RandomNumberGenerator {
        private var state: UInt64

        init(seed: UInt64) { state = seed }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}

extension ThreeWayMatch.Invoice {
    /// Lines (printed, else quantity × price half-up) + freight + tax − discount.
    func consistentTotal() throws -> Decimal {
        var total = (freight ?? 0) + (tax ?? 0) - (discount ?? 0)
        for line in lines {
            total +=
                try line.amount
                ?? Money.rounding(line.quantity * line.unitPrice, currency: currency, rule: .halfUp).decimal
        }
        return total
    }
}
