import Finance
import Foundation
import Testing

@Suite("Landed cost allocation")
struct LandedCostTests {
    static func money(_ text: String, _ code: String = "USD") throws -> Money {
        try Money.parse(text, currency: try Currency(code))
    }

    static func decimal(_ text: String) throws -> Decimal { try #require(DecimalText.parse(text)) }

    /// Lines with quantity, unit cost and weight, referenced L1, L2, …
    static func lines(_ rows: [(quantity: String, unitCost: String, weight: String?)]) throws -> [LandedCostLine] {
        try rows.enumerated().map { index, row in
            LandedCostLine(
                reference: "L\(index + 1)", sku: "SKU-\(index + 1)", quantity: try decimal(row.quantity),
                unitCost: try decimal(row.unitCost), weight: try row.weight.map { try decimal($0) })
        }
    }

    struct AwkwardCase: Sendable, CustomTestStringConvertible {
        let name: String
        let currency: String
        let amount: String
        let basis: LandedCostBasis
        /// Quantity, or weight when the basis is weight; unit cost 1.
        let measures: [String]
        /// Expected shares in minor units, when the split is worth pinning down.
        let expected: [Int64]?
        var testDescription: String { name }
    }

    @Test(arguments: [
        AwkwardCase(
            name: "0.01 over 3 lines", currency: "USD", amount: "0.01", basis: .quantity, measures: ["1", "1", "1"],
            expected: [1, 0, 0]),
        AwkwardCase(
            name: "100.00 over 7 lines", currency: "USD", amount: "100.00", basis: .quantity,
            measures: ["1", "1", "1", "1", "1", "1", "1"], expected: [1_429, 1_429, 1_429, 1_429, 1_428, 1_428, 1_428]),
        AwkwardCase(
            name: "1,000,000.03 over weights with zeros", currency: "USD", amount: "1000000.03", basis: .weight,
            measures: ["0", "3", "0", "7", "11.5", "0"], expected: nil),
        AwkwardCase(
            name: "a credit of -10.00", currency: "USD", amount: "-10.00", basis: .quantity, measures: ["1", "1", "1"],
            expected: [-334, -333, -333]),
        AwkwardCase(
            name: "JPY 1000 over 3", currency: "JPY", amount: "1000", basis: .quantity, measures: ["1", "1", "1"],
            expected: [334, 333, 333]),
        AwkwardCase(
            name: "JPY 1 over 2 by value", currency: "JPY", amount: "1", basis: .value, measures: ["1", "3"],
            expected: [0, 1]),
        AwkwardCase(
            name: "KWD 1.000 over 3", currency: "KWD", amount: "1.000", basis: .quantity, measures: ["1", "1", "1"],
            expected: [334, 333, 333]),
        AwkwardCase(
            name: "KWD 0.001 over 2", currency: "KWD", amount: "0.001", basis: .weight, measures: ["2", "1"],
            expected: [1, 0]),
        AwkwardCase(
            name: "zero charge", currency: "USD", amount: "0.00", basis: .quantity, measures: ["5", "5"],
            expected: [0, 0]),
    ])
    func awkwardAmountsAllocateExactly(_ row: AwkwardCase) throws {
        let currency = try Currency(row.currency)
        let charge = LandedCostCharge(
            reference: "C1", type: .other, amount: try Self.money(row.amount, row.currency), basis: row.basis)
        let lines = try Self.lines(row.measures.map { ($0, "1", $0) })
        let result = try LandedCostPolicy.standard.allocate([charge], across: lines, currency: currency)
        let shares = try #require(result.charges.first).shares
        #expect(shares.reduce(Int64(0)) { $0 + $1.minorUnits } == charge.amount.minorUnits)
        #expect(result.lines.reduce(Int64(0)) { $0 + $1.allocated.minorUnits } == charge.amount.minorUnits)
        #expect(result.totalCharged == charge.amount)
        for (share, measure) in zip(shares, row.measures) where measure == "0" { #expect(share.isZero) }
        if charge.amount.minorUnits >= 0 { #expect(shares.allSatisfy { !$0.isNegative }) }
        if let expected = row.expected { #expect(shares.map(\.minorUnits) == expected) }
    }

    @Test func eachChargeTypeUsesItsPolicyBasis() throws {
        // A: 100 × 2.00 = 200 value, 50 kg; B: 50 × 10.00 = 500 value, 150 kg.
        let lines = try Self.lines([("100", "2.00", "50"), ("50", "10.00", "150")])
        let charges = [
            LandedCostCharge(reference: "FRT", type: .freight, amount: try Self.money("100.00")),
            LandedCostCharge(reference: "DUT", type: .duty, amount: try Self.money("35.00")),
            LandedCostCharge(reference: "HDL", type: .handling, amount: try Self.money("15.00")),
            LandedCostCharge(reference: "INS", type: .insurance, amount: try Self.money("7.00"), basis: .quantity),
        ]
        let result = try LandedCostPolicy.standard.allocate(charges, across: lines, currency: try Currency("USD"))
        #expect(result.charges.map(\.basis) == [.weight, .value, .quantity, .quantity])
        #expect(
            result.charges.map { $0.shares.map(\.minorUnits) } == [
                [2_500, 7_500], [1_000, 2_500], [1_000, 500], [467, 233],
            ])
        let first = try #require(result.lines.first)
        #expect(first.allocated == (try Self.money("49.67")))
        #expect(first.allocatedByType[.freight] == (try Self.money("25.00")))
        #expect(first.allocatedByType[.insurance] == (try Self.money("4.67")))
        // (200 + 49.67) / 100 = 2.4967; (500 + 107.33) / 50 = 12.1466.
        #expect(result.lines.map(\.landedUnitCost) == [try Self.decimal("2.4967"), try Self.decimal("12.1466")])
        #expect(result.totalCharged == (try Self.money("157.00")))

        var byQuantity = LandedCostPolicy.standard
        byQuantity.bases[.freight] = .quantity
        let requantified = try byQuantity.allocate(
            Array(charges.prefix(1)), across: lines, currency: try Currency("USD"))
        #expect(requantified.charges.first?.shares.map(\.minorUnits) == [6_667, 3_333])
    }

    @Test(arguments: [
        (4, RoundingRule.halfEven, "1.3333"), (2, .halfEven, "1.33"), (2, .up, "1.34"), (0, .halfUp, "1"),
    ])
    func landedUnitCostRoundsToTheStatedScale(scale: Int, rule: RoundingRule, expected: String) throws {
        let policy = LandedCostPolicy(unitCostScale: scale, unitCostRounding: rule)
        let charge = LandedCostCharge(reference: "C", type: .handling, amount: try Self.money("1.00"))
        let result = try policy.allocate(
            [charge], across: try Self.lines([("3", "1.00", nil)]), currency: try Currency("USD"))
        #expect(result.lines.first?.landedUnitCost == (try Self.decimal(expected)))
        #expect(result.lines.first?.landedValue == 4)
    }

    @Test func zeroQuantityLinesHaveNoUnitCostAndChargesCanTargetLines() throws {
        let lines = try Self.lines([("10", "1.00", "5"), ("0", "1.00", "5"), ("30", "1.00", "0")])
        let charge = LandedCostCharge(
            reference: "DUTY-7", type: .duty, amount: try Self.money("10.00"), appliesTo: ["L3", "L1", "L3"])
        let result = try LandedCostPolicy.standard.allocate([charge], across: lines, currency: try Currency("USD"))
        #expect(result.charges.first?.shares.map(\.minorUnits) == [250, 0, 750])
        #expect(result.lines.map(\.landedUnitCost) == [try Self.decimal("1.25"), nil, try Self.decimal("1.25")])
    }

    @Test func noChargesLeavesPurchaseCost() throws {
        let result = try LandedCostPolicy.standard.allocate(
            [], across: try Self.lines([("4", "0.1240", nil)]), currency: try Currency("USD"))
        #expect(result.lines.first?.landedUnitCost == (try Self.decimal("0.124")))
        #expect(result.totalCharged.isZero)
    }

    @Test func missingMeasuresCanCountAsZeroWhenThePolicySaysSo() throws {
        let lines = try Self.lines([("1", "1", "2"), ("1", "1", nil)])
        let charge = LandedCostCharge(reference: "F", type: .freight, amount: try Self.money("9.99"))
        var lenient = LandedCostPolicy.standard
        lenient.treatsMissingMeasureAsZero = true
        let result = try lenient.allocate([charge], across: lines, currency: try Currency("USD"))
        #expect(result.charges.first?.shares.map(\.minorUnits) == [999, 0])
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        let name: String
        let kind: LandedCostError.Kind
        let field: String?
        let policy: LandedCostPolicy
        let charges: @Sendable () throws -> [LandedCostCharge]
        let lines: @Sendable () throws -> [LandedCostLine]
        var testDescription: String { name }
    }

    static let freight: @Sendable () throws -> [LandedCostCharge] = {
        [LandedCostCharge(reference: "F1", type: .freight, amount: try money("412.75"))]
    }

    @Test(arguments: [
        Refusal(name: "no lines", kind: .noLines, field: nil, policy: .standard, charges: freight, lines: { [] }),
        Refusal(
            name: "charge in EUR", kind: .currencyMismatch, field: "charges[0].amount", policy: .standard,
            charges: { [LandedCostCharge(reference: "F1", type: .freight, amount: try money("1.00", "EUR"))] },
            lines: { try lines([("1", "1", "1")]) }),
        Refusal(
            name: "all weights missing", kind: .zeroBasis, field: "charges[0]", policy: .standard, charges: freight,
            lines: { try lines([("1", "1", nil), ("2", "1", nil)]) }),
        Refusal(
            name: "all weights zero", kind: .zeroBasis, field: "charges[0]", policy: .standard, charges: freight,
            lines: { try lines([("1", "1", "0"), ("2", "1", "0")]) }),
        Refusal(
            name: "all values zero", kind: .zeroBasis, field: "charges[0]", policy: .standard,
            charges: { [LandedCostCharge(reference: "D", type: .duty, amount: try money("5.00"))] },
            lines: { try lines([("1", "0", nil), ("0", "9", nil)]) }),
        Refusal(
            name: "some weights missing", kind: .missingMeasure, field: "lines[1].weight", policy: .standard,
            charges: freight, lines: { try lines([("1", "1", "4"), ("2", "1", nil)]) }),
        Refusal(
            name: "negative quantity", kind: .invalidLine, field: "lines[0].quantity", policy: .standard,
            charges: freight,
            lines: { try lines([("-1", "1", "1")]) }),
        Refusal(
            name: "negative weight", kind: .invalidLine, field: "lines[0].weight", policy: .standard, charges: freight,
            lines: { try lines([("1", "1", "-1")]) }),
        Refusal(
            name: "repeated reference", kind: .invalidLine, field: "lines[1].reference", policy: .standard,
            charges: freight,
            lines: {
                [
                    LandedCostLine(reference: "X", sku: "A", quantity: 1, unitCost: 1, weight: 1),
                    LandedCostLine(reference: "X", sku: "B", quantity: 1, unitCost: 1, weight: 1),
                ]
            }),
        Refusal(
            name: "unknown line", kind: .unknownLine, field: "charges[0].applies_to[0]", policy: .standard,
            charges: {
                [LandedCostCharge(reference: "F1", type: .freight, amount: try money("1.00"), appliesTo: ["L9"])]
            },
            lines: { try lines([("1", "1", "1")]) }),
        Refusal(
            name: "applies to nothing", kind: .zeroBasis, field: "charges[0].applies_to", policy: .standard,
            charges: { [LandedCostCharge(reference: "F1", type: .freight, amount: try money("1.00"), appliesTo: [])] },
            lines: { try lines([("1", "1", "1")]) }),
        Refusal(
            name: "scale out of range", kind: .invalidPolicy, field: nil, policy: LandedCostPolicy(unitCostScale: 13),
            charges: freight, lines: { try lines([("1", "1", "1")]) }),
    ])
    func refusesWhatCannotBeAllocated(_ row: Refusal) throws {
        let charges = try row.charges()
        let lines = try row.lines()
        let error = try #require(throws: LandedCostError.self) {
            try row.policy.allocate(charges, across: lines, currency: try Currency("USD"))
        }
        #expect(error.kind == row.kind)
        #expect(error.code == row.kind.rawValue)
        #expect(error.field == row.field)
        #expect(!error.message.isEmpty)
        #expect(error.httpStatus == 422)
    }

    /// SplitMix64: a tiny seeded generator, so a failure replays exactly.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: [UInt64(1), 42, 20_261_115])
    func allocationsAlwaysSumExactlyAndNeverGoNegative(seed: UInt64) throws {
        var random = SeededGenerator(state: seed)
        let currencies = try ["USD", "JPY", "KWD"].map { try Currency($0) }
        for round in 0..<300 {
            let currency = currencies[Int.random(in: 0..<currencies.count, using: &random)]
            let lineCount = Int.random(in: 1...15, using: &random)
            var lines = (0..<lineCount).map { index in
                // Measures with up to 3 decimals, a third of them zero, as receipts really have.
                func measure() -> Decimal {
                    Int.random(in: 0..<3, using: &random) == 0
                        ? 0 : Decimal(Int.random(in: 1...5_000_000, using: &random)) / 1_000
                }
                return LandedCostLine(
                    reference: "L\(index)", sku: "S\(index)", quantity: measure(), unitCost: measure(),
                    weight: measure(), volume: measure())
            }
            // At least one line measures something on every basis.
            lines[0] = LandedCostLine(reference: "L0", sku: "S0", quantity: 1, unitCost: 1, weight: 1, volume: 1)
            let charges = (0..<Int.random(in: 1...5, using: &random)).map { index in
                LandedCostCharge(
                    reference: "C\(index)", type: LandedCostChargeType.allCases.randomElement(using: &random) ?? .other,
                    amount: Money(
                        minorUnits: Int64.random(in: 0...100_000_000_000, using: &random), currency: currency),
                    basis: LandedCostBasis.allCases.randomElement(using: &random))
            }
            let result = try LandedCostPolicy.standard.allocate(charges, across: lines, currency: currency)
            for allocation in result.charges {
                #expect(
                    allocation.shares.reduce(Int64(0)) { $0 + $1.minorUnits } == allocation.charge.amount.minorUnits,
                    "seed \(seed) round \(round) charge \(allocation.charge.reference)")
                #expect(allocation.shares.allSatisfy { !$0.isNegative }, "seed \(seed) round \(round)")
                for (share, line) in zip(allocation.shares, lines) where (line.measure(allocation.basis) ?? 0) == 0 {
                    #expect(share.isZero, "seed \(seed) round \(round): a line measuring zero got \(share)")
                }
            }
            #expect(result.lines.reduce(Int64(0)) { $0 + $1.allocated.minorUnits } == result.totalCharged.minorUnits)
        }
    }

    @Test func theFixtureFreightChargeSplitsOverTheReceipt() throws {
        // landed_cost.charged LC-3321: 412.75 USD freight by weight over GR-6001's two lines.
        let lines = [
            LandedCostLine(reference: "GR-6001/1", sku: "CARTON-40", quantity: 580, unitCost: 0.85, weight: 870),
            LandedCostLine(reference: "GR-6001/2", sku: "CARTON-40", quantity: 20, unitCost: 0.85, weight: 30),
        ]
        let charge = LandedCostCharge(
            reference: "LC-3321", type: .freight, amount: try Self.money("412.75"), basis: .weight)
        let result = try LandedCostPolicy.standard.allocate([charge], across: lines, currency: try Currency("USD"))
        // 41275 × 870/900 = 39899.17 and × 30/900 = 1375.83: the spare cent goes to the larger remainder.
        #expect(result.charges.first?.shares.map(\.amountText) == ["398.99", "13.76"])
        #expect(result.lines.map(\.landedUnitCost) == [try Self.decimal("1.5379"), try Self.decimal("1.538")])
    }
}
