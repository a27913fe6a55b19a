import Finance
import Foundation
import Testing

@testable import Triage

@Suite("Classifying three-way-match results")
struct ThreeWayMatchClassifierTests {
    typealias PO = ThreeWayMatch.PurchaseOrder
    typealias Receipt = ThreeWayMatch.GoodsReceipt
    typealias Invoice = ThreeWayMatch.Invoice
    let d = TriageFixtures.d
    let usd = TriageFixtures.usd

    /// PO-1001: line 1 1000 EA at 0.1240; line 2 20 BOX (of 100 EA) at 4.5000; freight 35.00.
    var order: PO {
        PO(
            number: "PO-1001", supplierID: "SUP-007", currency: usd,
            lines: [
                .init(line: 1, sku: "BOLT-M8-40", quantity: 1000, uom: "EA", unitPrice: d("0.1240")),
                .init(line: 2, sku: "NUT-M8", quantity: 20, uom: "BOX", uomFactor: 100, unitPrice: d("4.5000")),
            ],
            freight: d("35.00"), tax: d("0.00"))
    }

    func receipt(line1: Decimal = 1000, line2: Decimal = 2000) -> Receipt {
        Receipt(
            number: "GR-5001", poNumber: "PO-1001",
            lines: [
                .init(poLine: 1, sku: "BOLT-M8-40", quantity: line1, uom: "EA"),
                .init(poLine: 2, sku: "NUT-M8", quantity: line2, uom: "EA"),
            ])
    }

    func invoice(
        number: String = "77-4410", id: String = "evt-1", lines: [Invoice.Line]? = nil, freight: String = "35.00"
    ) -> Invoice {
        let lines =
            lines ?? [
                .init(poLine: 1, sku: "BOLT-M8-40", quantity: 1000, uom: "EA", unitPrice: d("0.1240")),
                .init(poLine: 2, sku: "NUT-M8", quantity: 20, uom: "BOX", unitPrice: d("4.5000")),
            ]
        // The total always adds up, so only the change under test is a finding.
        let linesTotal = lines.reduce(Decimal(0)) { total, line in
            total + DecimalText.round(line.quantity * line.unitPrice, scale: 2, rule: .halfUp)
        }
        return Invoice(
            id: id, number: number, supplierID: "SUP-007", poNumber: "PO-1001", invoiceDate: "2026-11-06",
            currency: usd, lines: lines, freight: d(freight), tax: 0, total: linesTotal + d(freight))
    }

    func classify(_ invoice: Invoice, receipts: [Receipt]? = nil, previous: [Invoice] = []) -> Classification {
        let result = ThreeWayMatch.match(
            invoice: invoice, purchaseOrder: order, receipts: receipts ?? [receipt()], previousInvoices: previous)
        return ThreeWayMatchClassifier().classify(result)
    }

    @Test("a clean match has no labels")
    func clean() {
        #expect(classify(invoice()).isEmpty)
    }

    @Test("a higher unit price is a price variance with the PO and invoice prices and the amount")
    func priceVariance() throws {
        let classification = classify(
            invoice(lines: [.init(poLine: 1, sku: "BOLT-M8-40", quantity: 1000, uom: "EA", unitPrice: d("0.1500"))]))
        #expect(classification.labels == [.priceVariance])
        let evidence = try #require(classification.evidence(for: .priceVariance).first)
        #expect(evidence.line == 1)
        #expect(evidence.field == "unit_price")
        #expect(evidence.expected == "0.124")
        #expect(evidence.actual == "0.15")
        #expect(evidence.amount == TriageFixtures.usd(2_600))
        #expect(classification.varianceType == .price)
        #expect(classification.exposure(in: usd) == TriageFixtures.usd(2_600))
    }

    @Test("invoicing more than was received is a short shipment; more than ordered is over-billing too")
    func shortShipmentAndOverBilling() throws {
        let short = classify(invoice(), receipts: [receipt(line1: 600)])
        #expect(short.labels == [.shortShipment])
        let evidence = try #require(short.evidence(for: .shortShipment).first)
        #expect(evidence.expected == "600")
        #expect(evidence.actual == "1000")
        #expect(evidence.amount == TriageFixtures.usd(4_960))

        let over = classify(
            invoice(lines: [.init(poLine: 1, sku: "BOLT-M8-40", quantity: 1200, uom: "EA", unitPrice: d("0.1240"))]))
        #expect(over.labels == [.overBilling, .shortShipment])
        #expect(over.evidence(for: .overBilling).first?.expected == "1000")
        #expect(over.evidence(for: .overBilling).first?.actual == "1200")
    }

    @Test("nothing received is a missing receipt")
    func missingReceipt() throws {
        let classification = classify(invoice(), receipts: [receipt(line1: 0)])
        #expect(classification.labels == [.missingReceipt])
        #expect(classification.evidence(for: .missingReceipt).first?.line == 1)
    }

    @Test("a repeated invoice number is a duplicate invoice referencing the first")
    func duplicate() throws {
        let first = invoice(number: "77-4410", id: "evt-0")
        let classification = classify(invoice(number: "77 4410", id: "evt-1"), previous: [first])
        #expect(classification.labels.contains(.duplicateInvoice))
        #expect(classification.evidence(for: .duplicateInvoice).first?.reference == "77-4410")
        #expect(classification.evidence(for: .duplicateInvoice).first?.line == nil)
    }

    @Test("a line for a SKU the PO does not have is not on the PO")
    func notOnPO() throws {
        let classification = classify(
            invoice(lines: [.init(poLine: nil, sku: "WASHER-M8", quantity: 10, uom: "EA", unitPrice: d("0.05"))]))
        #expect(classification.labels == [.notOnPO])
        #expect(classification.evidence(for: .notOnPO).first?.actual == "WASHER-M8")
    }

    @Test("a unit the PO line cannot convert is a UoM mismatch")
    func uom() throws {
        let classification = classify(
            invoice(lines: [.init(poLine: 2, sku: "NUT-M8", quantity: 2, uom: "PALLET", unitPrice: d("45"))]))
        #expect(classification.labels == [.uomMismatch])
        #expect(classification.evidence(for: .uomMismatch).first?.expected == "BOX")
    }

    @Test("freight above the agreed freight is a freight/tax difference")
    func freight() throws {
        let classification = classify(invoice(freight: "50.00"))
        #expect(classification.labels == [.freightTaxDifference])
        let evidence = try #require(classification.evidence(for: .freightTaxDifference).first)
        #expect(evidence.field == "freight")
        #expect(evidence.amount == TriageFixtures.usd(1_500))
    }

    @Test("within-tolerance findings are skipped unless asked for")
    func tolerance() {
        // 0.1250 against 0.1240 is within the default 2 % price tolerance.
        let result = ThreeWayMatch.match(
            invoice: invoice(lines: [
                .init(poLine: 1, sku: "BOLT-M8-40", quantity: 1000, uom: "EA", unitPrice: d("0.1250"))
            ]), purchaseOrder: order, receipts: [receipt()])
        #expect(ThreeWayMatchClassifier().classify(result).isEmpty)
        #expect(ThreeWayMatchClassifier(includesWithinTolerance: true).classify(result).labels == [.priceVariance])
    }

    @Test("several findings give sorted labels, each once, with all their evidence")
    func several() {
        let lines: [Invoice.Line] = [
            .init(poLine: 1, sku: "BOLT-M8-40", quantity: 1000, uom: "EA", unitPrice: d("0.1500")),
            .init(poLine: 2, sku: "NUT-M8", quantity: 20, uom: "BOX", unitPrice: d("5.0000")),
        ]
        let classification = classify(invoice(lines: lines, freight: "40.00"), receipts: [receipt(line2: 1000)])
        #expect(classification.labels == [.freightTaxDifference, .priceVariance, .shortShipment])
        #expect(classification.evidence(for: .priceVariance).map(\.line) == [1, 2])
    }

    @Test("every finding code maps to a label")
    func everyCode() {
        for code in ThreeWayMatchResult.Reason.Code.allCases {
            #expect(ExceptionLabel.allCases.contains(ThreeWayMatchClassifier.label(for: code)))
        }
        #expect(ThreeWayMatchClassifier.label(for: .missingPO) == .missingPO)
        #expect(ThreeWayMatchClassifier.label(for: .taxVariance) == .freightTaxDifference)
    }
}
