import Finance
import Foundation
import Testing

extension ThreeWayMatchTestKit {
    /// Random but consistent documents: everything billed was received and
    /// ordered, at the order's price, in either unit, with consistent totals.
    ///
    /// Quantities are whole base units, so either unit can express them when divisible;
    /// the invoice being matched is the last of one to three, the others are earlier ones.
    static func consistentScenario(_ random: inout SeededGenerator, seed: UInt64) throws -> Scenario {
        let usd = try Currency("USD")
        var orderLines: [PO.Line] = []
        var received: [Int] = []
        for number in 1...Int.random(in: 1...6, using: &random) {
            let factor = Bool.random(using: &random) ? nil : [6, 12, 100, 1000].randomElement(using: &random)
            let basePrice = Decimal(Int.random(in: 0...99_999, using: &random)) / 10_000
            let ordered = Int.random(in: 1...500, using: &random)
            orderLines.append(
                .init(
                    line: number, sku: "SKU-\(number)", quantity: Decimal(ordered), uom: factor == nil ? "EA" : "BOX",
                    uomFactor: factor.map { Decimal($0) }, unitPrice: basePrice * Decimal(factor ?? 1)))
            received.append(Int.random(in: 1...(ordered * (factor ?? 1)), using: &random))
        }
        let freight = Int.random(in: 0...10_000, using: &random)
        let tax = Int.random(in: 0...5_000, using: &random)
        let order = PO(
            number: "PO-\(seed)", supplierID: "SUP-1", currency: usd, lines: orderLines,
            freight: Decimal(freight) / 100, tax: Decimal(tax) / 100)

        /// `quantity` base units of `line` as some document would write them, with the matching unit price.
        func express(_ quantity: Int, _ line: PO.Line) -> (quantity: Decimal, uom: String, price: Decimal) {
            let factor = line.uomFactor.map { NSDecimalNumber(decimal: $0).intValue } ?? 1
            if factor == 1 || (quantity % factor == 0 && Bool.random(using: &random)) {
                return (Decimal(quantity / factor), line.uom, line.unitPrice)
            }
            return (Decimal(quantity), "EA", line.unitPrice / Decimal(factor))
        }

        let receiptCount = Int.random(in: 1...3, using: &random)
        var receipts = (1...receiptCount).map { Receipt(number: "GR-\(seed)-\($0)", poNumber: order.number, lines: []) }
        for (line, quantity) in zip(orderLines, received) {
            for (index, part) in split(quantity, into: receiptCount, &random).enumerated() where part > 0 {
                let written = express(part, line)
                receipts[index].lines.append(
                    .init(
                        poLine: Bool.random(using: &random) ? line.line : nil, sku: line.sku,
                        quantity: written.quantity, uom: written.uom))
            }
        }

        let invoiceCount = Int.random(in: 1...3, using: &random)
        var invoices = (1...invoiceCount).map { index in
            Invoice(
                id: "evt-\(seed)-\(index)", number: "INV-\(seed)-\(index)", supplierID: "SUP-1",
                poNumber: order.number, invoiceDate: "2026-11-1\(index)", currency: usd, lines: [], total: 0)
        }
        for (position, (line, quantity)) in zip(orderLines, received).enumerated() {
            // The invoice being matched bills the first line at least once, so it is never empty.
            let billed = Int.random(in: (position == 0 ? 1 : 0)...quantity, using: &random)
            var parts = split(billed, into: invoiceCount, &random)
            if position == 0, parts[invoiceCount - 1] == 0, let donor = parts.firstIndex(where: { $0 > 0 }) {
                parts[donor] -= 1
                parts[invoiceCount - 1] += 1
            }
            for (index, part) in parts.enumerated() where part > 0 {
                let written = express(part, line)
                var invoiceLine = Invoice.Line(
                    poLine: Bool.random(using: &random) ? line.line : nil, sku: line.sku, quantity: written.quantity,
                    uom: written.uom, unitPrice: written.price)
                if Bool.random(using: &random) {
                    invoiceLine.amount = try Money.rounding(
                        written.quantity * written.price, currency: usd, rule: .halfUp
                    ).decimal
                }
                invoices[index].lines.append(invoiceLine)
            }
        }
        let freights = split(Int.random(in: 0...freight, using: &random), into: invoiceCount, &random)
        let taxes = split(Int.random(in: 0...tax, using: &random), into: invoiceCount, &random)
        for index in invoices.indices {
            invoices[index].freight = Decimal(freights[index]) / 100
            invoices[index].tax = Decimal(taxes[index]) / 100
            invoices[index].total = try invoices[index].consistentTotal()
        }
        let current = invoices.removeLast()
        return Scenario(order: order, receipts: receipts, invoice: current, previous: invoices)
    }

    /// `total` cut into `parts` non-negative pieces at random points.
    static func split(_ total: Int, into parts: Int, _ random: inout SeededGenerator) -> [Int] {
        let cuts = (0..<(parts - 1)).map { _ in Int.random(in: 0...total, using: &random) }.sorted()
        return zip([0] + cuts, cuts + [total]).map { $1 - $0 }
    }

    @Suite("Three-way match properties")
    struct ThreeWayMatchPropertyTests {
        @Test(arguments: [UInt64(1), 2, 3, 4])
        func consistentDocumentsMatchAndOneMispricedLineIsTheOnlyFinding(batch: UInt64) throws {
            for seed in (batch * 100)..<(batch * 100 + 100) {
                var random = SeededGenerator(seed: seed)
                let scenario = try consistentScenario(&random, seed: seed)
                let clean = scenario.run()
                #expect(clean.outcome == .matched, "seed \(seed): \(summary(clean))")
                #expect(clean.lines.count == scenario.invoice.lines.count)

                let index = Int.random(in: scenario.invoice.lines.indices, using: &random)
                let perturbed = try scenario.with {
                    var line = $0.invoice.lines[index]
                    // 5 % and 0.02 per unit more: beyond both default limits in any unit.
                    line.unitPrice = DecimalText.round(line.unitPrice * d("1.05"), scale: 6, rule: .up) + d("0.02")
                    if line.amount != nil {
                        line.amount = try Money.rounding(
                            line.quantity * line.unitPrice, currency: $0.invoice.currency, rule: .halfUp
                        ).decimal
                    }
                    $0.invoice.lines[index] = line
                }.run()
                #expect(perturbed.outcome == .exception, "seed \(seed)")
                #expect(perturbed.reasons.isEmpty, "seed \(seed): \(summary(perturbed))")
                for (position, line) in perturbed.lines.enumerated() {
                    let expected: [ThreeWayMatchResult.Reason.Code] = position == index ? [.priceVariance] : []
                    #expect(line.reasons.map(\.code) == expected, "seed \(seed) line \(position + 1)")
                }
                #expect(perturbed.lines[index].outcome == .exception)
                #expect(perturbed.lines[index].reasons.first?.amount?.isNegative == false)
            }
        }
    }
}
