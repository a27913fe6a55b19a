import Finance
import Foundation
import Testing

extension ThreeWayMatchTestKit {
    /// One row of the table: documents and the findings they must produce (see ``summary(_:)``).
    struct MatchCase: Sendable, CustomTestStringConvertible {
        let name: String
        let expected: [String]
        let build: @Sendable () throws -> Scenario

        init(_ name: String, _ expected: [String], _ build: @escaping @Sendable () throws -> Scenario) {
            self.name = name
            self.expected = expected
            self.build = build
        }

        var testDescription: String { name }
    }

    /// An earlier invoice for PO-1001 billing `lines`, with its own number and date so it is no duplicate.
    static func earlierInvoice(
        id: String = "evt_inv_77-4400", number: String = "77-4400", date: String = "2026-11-01",
        lines: [Invoice.Line], freight: String = "0.00"
    ) throws -> Invoice {
        var invoice = try Scenario.clean().invoice
        invoice.id = id
        invoice.number = number
        invoice.invoiceDate = date
        invoice.lines = lines
        invoice.freight = d(freight)
        invoice.total = try invoice.consistentTotal()
        return invoice
    }

    static func boltLine(_ quantity: String, poLine: Int? = 1) -> Invoice.Line {
        Invoice.Line(poLine: poLine, sku: "BOLT-M8-40", quantity: d(quantity), uom: "EA", unitPrice: d("0.1240"))
    }

    static func nutLine(_ quantity: String = "20") -> Invoice.Line {
        Invoice.Line(poLine: 2, sku: "NUT-M8", quantity: d(quantity), uom: "BOX", unitPrice: d("4.5000"))
    }

    /// One line, everything received, the printed amount and total as given: for rounding cases.
    static func single(currency code: String, quantity: String, price: String, printed: String) throws -> Scenario {
        let currency = try Currency(code)
        let order = PO(
            number: "PO-R", supplierID: "SUP-007", currency: currency,
            lines: [.init(line: 1, sku: "X", quantity: d(quantity), uom: "EA", unitPrice: d(price))])
        let receipt = Receipt(
            number: "GR-R", poNumber: "PO-R", lines: [.init(poLine: 1, sku: "X", quantity: d(quantity), uom: "EA")])
        let invoice = Invoice(
            id: "evt_r", number: "R-1", supplierID: "SUP-007", poNumber: "PO-R", invoiceDate: "2026-11-06",
            currency: currency,
            lines: [
                .init(poLine: 1, sku: "X", quantity: d(quantity), uom: "EA", unitPrice: d(price), amount: d(printed))
            ],
            total: d(printed))
        return Scenario(order: order, receipts: [receipt], invoice: invoice)
    }

    @Suite("Three-way match")
    struct ThreeWayMatchTests {
        static let cases: [MatchCase] = [
            // Exact.
            MatchCase("exact match", ["matched"]) { try Scenario.clean() },
            MatchCase("exact match with printed line amounts", ["matched"]) {
                try Scenario.clean().with {
                    $0.invoice.lines[0].amount = d("124.00")
                    $0.invoice.lines[1].amount = d("90.00")
                }
            },
            // Unit price.
            MatchCase("price 1% over is within 2%", ["within_tolerance", "L2 price_variance~ USD 0.90"]) {
                try Scenario.clean().with { $0.invoice.lines[1].unitPrice = d("4.5450") }
            },
            MatchCase("price exactly 2% over is within", ["within_tolerance", "L2 price_variance~ USD 1.80"]) {
                try Scenario.clean().with { $0.invoice.lines[1].unitPrice = d("4.5900") }
            },
            MatchCase("price 2.2% over is outside", ["exception", "L2 price_variance! USD 2.00"]) {
                try Scenario.clean().with { $0.invoice.lines[1].unitPrice = d("4.6000") }
            },
            MatchCase("price 3% under is outside: the tolerance is ±", ["exception", "L2 price_variance! USD -2.70"]) {
                try Scenario.clean().with { $0.invoice.lines[1].unitPrice = d("4.3650") }
            },
            MatchCase(
                "price 0.01 over a cheap item is within the absolute tolerance",
                ["within_tolerance", "L1 price_variance~ USD 10.00"]
            ) {
                try Scenario.clean().with { $0.invoice.lines[0].unitPrice = d("0.1340") }
            },
            MatchCase("price 0.0101 over is outside both limits", ["exception", "L1 price_variance! USD 10.10"]) {
                try Scenario.clean().with { $0.invoice.lines[0].unitPrice = d("0.1341") }
            },
            MatchCase("both limits required: 0.01 is more than 2%", ["exception", "L1 price_variance! USD 10.00"]) {
                try Scenario.clean().with {
                    $0.invoice.lines[0].unitPrice = d("0.1340")
                    $0.policy.priceTolerance.combination = .bothRequired
                }
            },
            MatchCase("2.02% over passes on the absolute limit", ["within_tolerance", "L1 price_variance~ USD 2.50"]) {
                try Scenario.clean().with { $0.invoice.lines[0].unitPrice = d("0.1265") }
            },
            MatchCase("2.02% over fails a percentage-only policy", ["exception", "L1 price_variance! USD 2.50"]) {
                try Scenario.clean().with {
                    $0.invoice.lines[0].unitPrice = d("0.1265")
                    $0.policy.priceTolerance = .init(percent: 2)
                }
            },
            MatchCase(
                "a price difference that rounds away is still reported",
                ["within_tolerance", "L2 price_variance~ USD 0.00"]
            ) {
                try Scenario.clean().with { $0.invoice.lines[1].unitPrice = d("4.5001") }
            },
            MatchCase("an exact price policy flags any difference", ["exception", "L2 price_variance! USD 0.00"]) {
                try Scenario.clean().with {
                    $0.invoice.lines[1].unitPrice = d("4.5001")
                    $0.policy.priceTolerance = .exact
                }
            },
            // Quantity.
            MatchCase(
                "5 over within an absolute quantity tolerance of 10",
                ["within_tolerance", "L1 quantity_variance~ USD 0.62", "L1 quantity_exceeds_order~ USD 0.62"]
            ) {
                try Scenario.clean().with {
                    $0.invoice.lines[0].quantity = 1005
                    $0.policy.quantityTolerance = .init(absolute: 10)
                }
            },
            MatchCase(
                "11 over outside an absolute quantity tolerance of 10",
                ["exception", "L1 quantity_variance! USD 1.36", "L1 quantity_exceeds_order! USD 1.36"]
            ) {
                try Scenario.clean().with {
                    $0.invoice.lines[0].quantity = 1011
                    $0.policy.quantityTolerance = .init(absolute: 10)
                }
            },
            MatchCase(
                "1% over within a 1% quantity tolerance",
                ["within_tolerance", "L1 quantity_variance~ USD 1.24", "L1 quantity_exceeds_order~ USD 1.24"]
            ) {
                try Scenario.clean().with {
                    $0.invoice.lines[0].quantity = 1010
                    $0.policy.quantityTolerance = .init(percent: 1)
                }
            },
            MatchCase(
                "one over with the default zero tolerance",
                ["exception", "L1 quantity_variance! USD 0.12", "L1 quantity_exceeds_order! USD 0.12"]
            ) {
                try Scenario.clean().with { $0.invoice.lines[0].quantity = 1001 }
            },
            MatchCase("partial receipt billed as received", ["matched"]) {
                try Scenario.clean().with {
                    $0.receipts[0].lines[0].quantity = 600
                    $0.invoice.lines = [boltLine("600")]
                }
            },
            MatchCase("partial receipt billed in full", ["exception", "L1 quantity_variance! USD 49.60"]) {
                try Scenario.clean().with { $0.receipts[0].lines[0].quantity = 600 }
            },
            MatchCase("several receipts per line, in either unit", ["matched"]) {
                try Scenario.clean().with {
                    $0.receipts = [
                        Receipt(
                            number: "GR-1", poNumber: "PO-1001",
                            lines: [
                                .init(poLine: 1, sku: "BOLT-M8-40", quantity: 400, uom: "EA"),
                                .init(poLine: 2, sku: "NUT-M8", quantity: 10, uom: "BOX"),
                            ]),
                        Receipt(
                            number: "GR-2", poNumber: "PO-1001",
                            lines: [
                                .init(poLine: 1, sku: "BOLT-M8-40", quantity: 600, uom: "EA"),
                                .init(poLine: 2, sku: "NUT-M8", quantity: 1000, uom: "EA"),
                            ]),
                    ]
                }
            },
            MatchCase("rejected goods are not received", ["exception", "L1 quantity_variance! USD 74.40"]) {
                try Scenario.clean().with {
                    $0.receipts[0].lines[0].quantity = 400
                    $0.receipts.append(
                        Receipt(
                            number: "GR-2", poNumber: "PO-1001",
                            lines: [
                                .init(poLine: 1, sku: "BOLT-M8-40", quantity: 600, uom: "EA", condition: "rejected")
                            ]
                        ))
                }
            },
            MatchCase("damaged goods are not received by default", ["exception", "L1 missing_receipt! USD 124.00"]) {
                try Scenario.clean().with { $0.receipts[0].lines[0].condition = "damaged" }
            },
            MatchCase("damaged goods count when the policy accepts them", ["matched"]) {
                try Scenario.clean().with {
                    $0.receipts[0].lines[0].condition = "damaged"
                    $0.policy.acceptedReceiptConditions = ["good", "damaged"]
                }
            },
            MatchCase("receipts for another order are ignored", ["exception", "L1 missing_receipt! USD 124.00"]) {
                try Scenario.clean().with {
                    $0.receipts[0].lines.removeFirst()
                    $0.receipts.append(
                        Receipt(
                            number: "GR-9", poNumber: "PO-9999",
                            lines: [.init(poLine: 1, sku: "BOLT-M8-40", quantity: 1000, uom: "EA")]))
                }
            },
            MatchCase(
                "over-delivery billed in full exceeds the order", ["exception", "L1 quantity_exceeds_order! USD 12.40"]
            ) {
                try Scenario.clean().with {
                    $0.receipts[0].lines[0].quantity = 1100
                    $0.invoice.lines[0].quantity = 1100
                }
            },
            MatchCase("over-delivery billed in full without the ordered check", ["matched"]) {
                try Scenario.clean().with {
                    $0.receipts[0].lines[0].quantity = 1100
                    $0.invoice.lines[0].quantity = 1100
                    $0.policy.checksOrderedQuantity = false
                }
            },
            // Several invoices against one order.
            MatchCase("second invoice bills the rest", ["matched"]) {
                try Scenario.clean().with {
                    $0.previous = [try earlierInvoice(lines: [boltLine("600")])]
                    $0.invoice.lines[0].quantity = 400
                }
            },
            MatchCase(
                "over-billing across two invoices",
                ["exception", "L1 quantity_variance! USD 12.40", "L1 quantity_exceeds_order! USD 12.40"]
            ) {
                try Scenario.clean().with {
                    $0.previous = [try earlierInvoice(lines: [boltLine("600")])]
                    $0.invoice.lines[0].quantity = 500
                }
            },
            MatchCase(
                "a line is charged only with the excess it adds",
                ["exception", "L1 quantity_variance! USD 6.20", "L1 quantity_exceeds_order! USD 6.20"]
            ) {
                try Scenario.clean().with {
                    $0.previous = [try earlierInvoice(lines: [boltLine("1100")])]
                    $0.invoice.lines = [boltLine("50")]
                }
            },
            MatchCase("earlier invoices for other orders do not count", ["matched"]) {
                try Scenario.clean().with {
                    var other = try earlierInvoice(lines: [boltLine("600")])
                    other.poNumber = "PO-2000"
                    $0.previous = [other]
                }
            },
            MatchCase("the same invoice matched again is neither duplicate nor counted twice", ["matched"]) {
                try Scenario.clean().with { $0.previous = [$0.invoice] }
            },
            MatchCase("several lines billing one PO line", ["matched"]) {
                try Scenario.clean().with { $0.invoice.lines = [boltLine("500"), boltLine("500"), nutLine()] }
            },
            MatchCase(
                "the line that crosses the receipt is the one flagged",
                ["exception", "L2 quantity_variance! USD 12.40", "L2 quantity_exceeds_order! USD 12.40"]
            ) {
                try Scenario.clean().with { $0.invoice.lines = [boltLine("600"), boltLine("500"), nutLine()] }
            },
            // Duplicates.
            MatchCase(
                "duplicate by supplier and number, which would also over-bill",
                [
                    "exception", "H duplicate_invoice!", "H freight_variance! USD 35.00",
                    "L1 quantity_variance! USD 124.00", "L1 quantity_exceeds_order! USD 124.00",
                    "L2 quantity_variance! USD 90.00", "L2 quantity_exceeds_order! USD 90.00",
                ]
            ) {
                try Scenario.clean().with {
                    var original = $0.invoice
                    original.id = "evt_inv_original"
                    $0.previous = [original]
                }
            },
            MatchCase("duplicate number written differently", ["exception", "H duplicate_invoice!"]) {
                try Scenario.clean().with {
                    var other = try earlierInvoice(number: "774410", lines: [boltLine("1")])
                    other.poNumber = "PO-2000"
                    $0.previous = [other]
                }
            },
            MatchCase("numbers written differently are different under exact comparison", ["matched"]) {
                try Scenario.clean().with {
                    var other = try earlierInvoice(number: "774410", lines: [boltLine("1")])
                    other.poNumber = "PO-2000"
                    $0.previous = [other]
                    $0.policy.invoiceNumberComparison = .exact
                }
            },
            MatchCase("duplicate by supplier, total and date", ["exception", "H duplicate_invoice!"]) {
                try Scenario.clean().with {
                    var other = try earlierInvoice(number: "88-1", date: "2026-11-06", lines: [boltLine("1")])
                    other.poNumber = "PO-2000"
                    other.total = d("249")
                    $0.previous = [other]
                }
            },
            MatchCase("same total and date from another supplier is no duplicate", ["matched"]) {
                try Scenario.clean().with {
                    var other = try earlierInvoice(number: "88-1", date: "2026-11-06", lines: [boltLine("1")])
                    other.poNumber = "PO-2000"
                    other.supplierID = "SUP-008"
                    other.total = d("249.00")
                    $0.previous = [other]
                }
            },
            MatchCase("same number from another supplier is no duplicate", ["matched"]) {
                try Scenario.clean().with {
                    var other = try earlierInvoice(number: "77-4410", lines: [boltLine("1")])
                    other.poNumber = "PO-2000"
                    other.supplierID = "SUP-008"
                    $0.previous = [other]
                }
            },
            // Receipts missing, lines not on the order.
            MatchCase(
                "nothing received",
                ["exception", "L1 missing_receipt! USD 124.00", "L2 missing_receipt! USD 90.00"]
            ) {
                try Scenario.clean().with { $0.receipts = [] }
            },
            MatchCase("one line not received", ["exception", "L2 missing_receipt! USD 90.00"]) {
                try Scenario.clean().with { $0.receipts[0].lines.removeLast() }
            },
            MatchCase("invoice line naming a PO line the order lacks", ["exception", "L3 line_not_on_po! USD 0.50"]) {
                try Scenario.clean().with {
                    $0.invoice.lines.append(
                        .init(poLine: 3, sku: "WASHER-M8", quantity: 10, uom: "EA", unitPrice: d("0.05")))
                }
            },
            MatchCase("invoice line with a SKU the order lacks", ["exception", "L3 line_not_on_po! USD 0.50"]) {
                try Scenario.clean().with {
                    $0.invoice.lines.append(
                        .init(poLine: nil, sku: "WASHER-M8", quantity: 10, uom: "EA", unitPrice: d("0.05")))
                }
            },
            MatchCase("invoice lines matched by SKU", ["matched"]) {
                try Scenario.clean().with {
                    $0.invoice.lines[0].poLine = nil
                    $0.invoice.lines[1].poLine = nil
                }
            },
            MatchCase("receipt lines matched by SKU", ["matched"]) {
                try Scenario.clean().with {
                    $0.receipts[0].lines[0].poLine = nil
                    $0.receipts[0].lines[1].poLine = nil
                }
            },
            MatchCase("a SKU on two PO lines cannot be matched by SKU", ["exception", "L1 ambiguous_sku!"]) {
                try Scenario.clean().with {
                    $0.order?.lines.append(
                        .init(line: 3, sku: "BOLT-M8-40", quantity: 10, uom: "EA", unitPrice: d("0.1240")))
                    $0.invoice.lines[0].poLine = nil
                }
            },
            MatchCase("PO line and SKU disagree", ["exception", "L1 sku_mismatch!"]) {
                try Scenario.clean().with { $0.invoice.lines[0].sku = "BOLT-M8-50" }
            },
            MatchCase("PO line and SKU may disagree when the policy allows", ["matched"]) {
                try Scenario.clean().with {
                    $0.invoice.lines[0].sku = "BOLT-M8-50"
                    $0.policy.requiresSKUAgreement = false
                }
            },
            // Units of measure.
            MatchCase(
                "the event fixtures: 1800 EA received, 20 BOX billed", ["exception", "L2 quantity_variance! USD 9.00"]
            ) {
                Scenario(
                    order: try EventFixtures.purchaseOrder(), receipts: [try EventFixtures.goodsReceipt()],
                    invoice: try EventFixtures.invoice())
            },
            MatchCase("invoice in base units", ["matched"]) {
                try Scenario.clean().with {
                    $0.invoice.lines[1] = .init(
                        poLine: 2, sku: "NUT-M8", quantity: 2000, uom: "EA", unitPrice: d("0.0450"))
                }
            },
            MatchCase(
                "base-unit invoice priced 2.2% over per BOX",
                ["exception", "L2 price_variance! USD 1.80"]
            ) {
                try Scenario.clean().with {
                    $0.invoice.lines[1] = .init(
                        poLine: 2, sku: "NUT-M8", quantity: 1800, uom: "EA", unitPrice: d("0.0460"))
                }
            },
            MatchCase("invoice in a unit the line does not know", ["exception", "L2 uom_mismatch!"]) {
                try Scenario.clean().with { $0.invoice.lines[1].uom = "KG" }
            },
            MatchCase(
                "receipt in a unit the line does not know",
                ["exception", "L2 uom_mismatch!", "L2 missing_receipt! USD 90.00"]
            ) {
                try Scenario.clean().with { $0.receipts[0].lines[1].uom = "PAL" }
            },
            MatchCase("a named base unit replaces the default", ["matched"]) {
                try Scenario.clean().with {
                    $0.order?.lines[1].baseUOM = "PCS"
                    $0.receipts[0].lines[1].uom = "PCS"
                }
            },
            MatchCase(
                "no factor, no conversion",
                ["exception", "L2 uom_mismatch!", "L2 missing_receipt! USD 90.00"]
            ) {
                try Scenario.clean().with { $0.order?.lines[1].uomFactor = nil }
            },
            // Freight and tax.
            MatchCase("freight over the order", ["exception", "H freight_variance! USD 5.00"]) {
                try Scenario.clean().with { $0.invoice.freight = d("40.00") }
            },
            MatchCase("freight over within its tolerance", ["within_tolerance", "H freight_variance~ USD 5.00"]) {
                try Scenario.clean().with {
                    $0.invoice.freight = d("40.00")
                    $0.policy.freightTolerance = .init(absolute: 10)
                }
            },
            MatchCase("freight under the order", ["matched"]) {
                try Scenario.clean().with { $0.invoice.freight = d("30.00") }
            },
            MatchCase("freight billed on two invoices", ["exception", "H freight_variance! USD 35.00"]) {
                try Scenario.clean().with {
                    $0.previous = [try earlierInvoice(lines: [boltLine("500")], freight: "35.00")]
                    $0.invoice.lines[0].quantity = 500
                }
            },
            MatchCase("tax the order did not have", ["exception", "H tax_variance! USD 8.25"]) {
                try Scenario.clean().with { $0.invoice.tax = d("8.25") }
            },
            MatchCase("tax over within a 5% tolerance", ["within_tolerance", "H tax_variance~ USD 0.40"]) {
                try Scenario.clean().with {
                    $0.order?.tax = d("10.00")
                    $0.invoice.tax = d("10.40")
                    $0.policy.taxTolerance = .init(percent: 5)
                }
            },
            // The invoice's own arithmetic.
            MatchCase("total is not lines + freight + tax", ["exception", "H total_mismatch! USD 1.00"]) {
                try Scenario.clean().with(rebalance: false) { $0.invoice.total = d("250.00") }
            },
            MatchCase("total off by 0.02 within its tolerance", ["within_tolerance", "H total_mismatch~ USD 0.02"]) {
                try Scenario.clean().with(rebalance: false) {
                    $0.invoice.total = d("249.02")
                    $0.policy.totalTolerance = .init(absolute: d("0.05"))
                }
            },
            MatchCase("discount comes off the total", ["matched"]) {
                try Scenario.clean().with { $0.invoice.discount = d("5.00") }
            },
            MatchCase(
                "printed line amount differs from quantity × price", ["exception", "L2 line_amount_mismatch! USD 1.00"]
            ) {
                try Scenario.clean().with { $0.invoice.lines[1].amount = d("91.00") }
            },
            // Whole-invoice exceptions.
            MatchCase("currency mismatch: nothing compared in money", ["exception", "H currency_mismatch!"]) {
                try Scenario.clean().with {
                    $0.invoice.currency = try Currency("EUR")
                    $0.invoice.lines[1].unitPrice = d("4.9000")
                }
            },
            MatchCase(
                "currency mismatch: quantities still compared, without amounts",
                ["exception", "H currency_mismatch!", "L1 quantity_variance!", "L1 quantity_exceeds_order!"]
            ) {
                try Scenario.clean().with {
                    $0.invoice.currency = try Currency("EUR")
                    $0.invoice.lines[0].quantity = 1001
                }
            },
            MatchCase("purchase order not found", ["exception", "H missing_po!", "L1 missing_po!", "L2 missing_po!"]) {
                try Scenario.clean().with { $0.order = nil }
            },
            MatchCase("invoice names another order", ["exception", "H po_number_mismatch!"]) {
                try Scenario.clean().with { $0.invoice.poNumber = "PO-1002" }
            },
            MatchCase("invoice from another supplier than the order's", ["exception", "H supplier_mismatch!"]) {
                try Scenario.clean().with { $0.invoice.supplierID = "SUP-008" }
            },
            // Rounding and representation.
            MatchCase("0.125 prints as 0.13: half-up", ["matched"]) {
                try single(currency: "USD", quantity: "1", price: "0.125", printed: "0.13")
            },
            MatchCase(
                "0.125 printed as 0.12 is banker's rounding", ["exception", "L1 line_amount_mismatch! USD -0.01"]
            ) {
                try single(currency: "USD", quantity: "1", price: "0.125", printed: "0.12")
            },
            MatchCase(
                "a cent of rounding within the line amount tolerance",
                ["within_tolerance", "L1 line_amount_mismatch~ USD -0.01"]
            ) {
                try single(currency: "USD", quantity: "3", price: "0.125", printed: "0.37").with(rebalance: false) {
                    $0.policy.lineAmountTolerance = .init(absolute: d("0.01"))
                }
            },
            MatchCase("yen have no decimals: 100.5 prints as 101", ["matched"]) {
                try single(currency: "JPY", quantity: "3", price: "33.5", printed: "101")
            },
            MatchCase("dinars have three: 0.0005 prints as 0.001", ["matched"]) {
                try single(currency: "KWD", quantity: "1", price: "0.0005", printed: "0.001")
            },
            MatchCase("an amount too large for money is a finding, once", ["exception", "L1 amount_overflow!"]) {
                try single(currency: "USD", quantity: "1000000", price: "1000000000000", printed: "1.00")
            },
            MatchCase("freight with more decimals than the currency", ["exception", "H invalid_amount!"]) {
                try Scenario.clean().with(rebalance: false) { $0.invoice.freight = d("35.001") }
            },
            MatchCase("a zero quantity is not a bill", ["exception", "L1 invalid_quantity!"]) {
                try Scenario.clean().with { $0.invoice.lines[0].quantity = 0 }
            },
            MatchCase("invoice line numbers name the lines", ["exception", "L20 price_variance! USD 2.00"]) {
                try Scenario.clean().with {
                    $0.invoice.lines[0].line = 10
                    $0.invoice.lines[1].line = 20
                    $0.invoice.lines[1].unitPrice = d("4.6000")
                }
            },
        ]

        @Test(arguments: cases)
        func findings(_ row: MatchCase) throws {
            let result = try row.build().run()
            #expect(summary(result) == row.expected)
            for reason in result.allReasons {
                #expect(reason.outcome != .matched && !reason.message.isEmpty)
                #expect(reason.amount.map { $0.currency.code == result.currency } ?? true)
            }
        }

        @Test func theFixtureBoxCaseExplainsItselfInBoxes() throws {
            let result = ThreeWayMatch.match(
                invoice: try EventFixtures.invoice(), purchaseOrder: try EventFixtures.purchaseOrder(),
                receipts: [try EventFixtures.goodsReceipt()])
            #expect(result.outcome == .exception)
            #expect(result.reasons.isEmpty)
            #expect(result.poNumber == "PO-1001" && result.invoiceNumber == "77-4410" && result.currency == "USD")
            try #require(result.lines.count == 2)

            let bolts = result.lines[0]
            #expect(bolts.outcome == .matched && bolts.reasons.isEmpty)
            #expect(bolts.matchedBy == .poLine && bolts.poLine == 1)
            #expect(bolts.amount == Money(minorUnits: 12_400, currency: try Currency("USD")))

            let nuts = result.lines[1]
            #expect(nuts.outcome == .exception)
            #expect(nuts.uom == "BOX")
            #expect(nuts.orderedQuantity == "20")
            #expect(nuts.receivedQuantity == "18")
            #expect(nuts.invoicedQuantity == "20")
            #expect(nuts.cumulativeInvoicedQuantity == "20")
            #expect(nuts.orderUnitPrice == "4.5" && nuts.invoiceUnitPrice == "4.5")
            let variance = try #require(nuts.reasons.first)
            #expect(nuts.reasons.count == 1)
            #expect(variance.code == .quantityVariance && variance.outcome == .exception)
            #expect(variance.quantity == "2")
            #expect(variance.amount == Money(minorUnits: 900, currency: try Currency("USD")))
            #expect(variance.message.contains("18 BOX received") && variance.message.contains("USD 9.00"))
        }

        @Test func sharedQuantitiesAreInTheOrderUnitWhateverTheDocumentsUse() throws {
            let result = try Scenario.clean().with {
                $0.receipts[0].lines[1] = .init(poLine: 2, sku: "NUT-M8", quantity: 1850, uom: "EA")
                $0.invoice.lines[1] = .init(poLine: 2, sku: "NUT-M8", quantity: 1850, uom: "EA", unitPrice: d("0.0450"))
            }.run()
            #expect(result.outcome == .matched)
            #expect(result.lines[1].receivedQuantity == "18.5")
            #expect(result.lines[1].invoicedQuantity == "18.5")
            #expect(result.lines[1].invoiceUnitPrice == "4.5")
        }

        @Test func reasonCodesAreStableSnakeCase() {
            let codes = ThreeWayMatchResult.Reason.Code.allCases.map(\.rawValue)
            #expect(Set(codes).count == codes.count)
            for code in codes {
                #expect(code.allSatisfy { $0 == "_" || ("a"..."z").contains($0) }, "\(code)")
            }
            #expect(
                ThreeWayMatchResult.Outcome.allCases.map(\.rawValue) == ["matched", "within_tolerance", "exception"])
        }

        @Test func toleranceAllowanceCombinesLimits() {
            typealias Tolerance = ThreeWayMatchPolicy.Tolerance
            #expect(Tolerance.exact.allowance(on: 100) == 0)
            #expect(Tolerance(percent: 2).allowance(on: 4) == d("0.08"))
            #expect(Tolerance(percent: 2, absolute: d("0.01")).allowance(on: 4) == d("0.08"))
            #expect(Tolerance(percent: 2, absolute: d("0.01")).allowance(on: d("0.124")) == d("0.01"))
            #expect(
                Tolerance(percent: 2, absolute: d("0.01"), combination: .bothRequired).allowance(on: 4) == d("0.01"))
            #expect(Tolerance(percent: -5, absolute: -1).allowance(on: 4) == 0)
            #expect(ThreeWayMatchPolicy().priceTolerance == Tolerance(percent: 2, absolute: d("0.01")))
        }
    }
}
