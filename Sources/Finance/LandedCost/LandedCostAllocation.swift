import Foundation

/// Charges spread over receipt lines, and what each line's units now cost.
public struct LandedCostAllocation: Sendable, Equatable {
    public let currency: Currency
    /// One entry per charge, in the order given.
    public let charges: [LandedCostChargeAllocation]
    /// One entry per line, in the order given.
    public let lines: [LandedCostLineResult]
    /// Every charge added up; equal to the sum of every line's `allocated`.
    public let totalCharged: Money
}

/// How one charge was split.
public struct LandedCostChargeAllocation: Sendable, Equatable {
    public let charge: LandedCostCharge
    public let basis: LandedCostBasis
    /// One share per line, in line order (zero where the charge does not
    /// apply); the shares add up to `charge.amount` exactly.
    public let shares: [Money]
}

/// One line with its charges added.
public struct LandedCostLineResult: Sendable, Equatable {
    public let line: LandedCostLine
    /// This line's share of every charge.
    public let allocated: Money
    /// The same, by charge type, for posting each to its own account.
    public let allocatedByType: [LandedCostChargeType: Money]
    /// Goods value plus allocated charges, exact (not rounded).
    public let landedValue: Decimal
    /// `landedValue / quantity`, rounded to the policy's scale; nil for a zero quantity,
    /// which has no unit cost to speak of.
    public let landedUnitCost: Decimal?
}

extension LandedCostPolicy {
    /// Spreads each charge over the lines it applies to, on its basis, so
    /// that the shares add up to the charge exactly (largest remainder, see
    /// ``Money/allocate(_:)``), and works out each line's landed unit cost.
    ///
    /// - Parameter currency: the currency of the lines' unit costs; every charge must be in it.
    /// - Throws: ``LandedCostError`` naming the charge or line at fault.
    public func allocate(_ charges: [LandedCostCharge], across lines: [LandedCostLine], currency: Currency)
        throws(LandedCostError) -> LandedCostAllocation
    {
        guard (0...12).contains(unitCostScale) else {
            throw LandedCostError(
                .invalidPolicy, "the landed unit cost scale must be 0 to 12 decimals, not \(unitCostScale)")
        }
        guard !lines.isEmpty else {
            throw LandedCostError(.noLines, "there are no receipt lines to allocate charges to")
        }
        let positions = try Self.validate(lines)

        var chargeResults: [LandedCostChargeAllocation] = []
        var allocated = Array(repeating: Money.zero(currency), count: lines.count)
        var byType = Array(repeating: [LandedCostChargeType: Money](), count: lines.count)
        var total = Money.zero(currency)
        for (chargeIndex, charge) in charges.enumerated() {
            let field = "charges[\(chargeIndex)]"
            guard charge.amount.currency == currency else {
                throw LandedCostError(
                    .currencyMismatch,
                    "charge \(charge.reference) is in \(charge.amount.currency) but the goods are in \(currency)",
                    field: field + ".amount")
            }
            let basis = basis(for: charge)
            let targets = try Self.targets(of: charge, field: field, positions: positions, lineCount: lines.count)
            let weights = try weights(for: charge, basis: basis, targets: targets, lines: lines, field: field)
            let parts = try LandedCostError.checking(field: field) { () throws(MoneyError) in
                try charge.amount.allocate(weights)
            }
            // Largest remainder sums exactly while the products fit Decimal's 38
            // digits; past that (amounts and weights both near their limits) say so
            // rather than post shares that do not add up.
            guard parts.reduce(Int64(0), { $0 &+ $1.minorUnits }) == charge.amount.minorUnits else {
                throw LandedCostError(
                    .overflow,
                    "charge \(charge.reference) and its \(basis.rawValue) figures are too large to split exactly",
                    field: field)
            }
            var shares = Array(repeating: Money.zero(currency), count: lines.count)
            for (part, lineIndex) in zip(parts, targets) { shares[lineIndex] = part }
            for lineIndex in lines.indices where !shares[lineIndex].isZero {
                let share = shares[lineIndex]
                let byTypeSoFar = byType[lineIndex][charge.type] ?? .zero(currency)
                try LandedCostError.checking(field: field) { () throws(MoneyError) in
                    allocated[lineIndex] = try allocated[lineIndex].plus(share)
                    byType[lineIndex][charge.type] = try byTypeSoFar.plus(share)
                }
            }
            total = try LandedCostError.checking(field: field) { () throws(MoneyError) in try total.plus(charge.amount)
            }
            chargeResults.append(LandedCostChargeAllocation(charge: charge, basis: basis, shares: shares))
        }

        let lineResults = lines.indices.map { index in
            let line = lines[index]
            let landedValue = line.goodsValue + allocated[index].decimal
            let unitCost: Decimal? =
                line.quantity > 0
                ? DecimalText.round(landedValue / line.quantity, scale: unitCostScale, rule: unitCostRounding) : nil
            return LandedCostLineResult(
                line: line, allocated: allocated[index], allocatedByType: byType[index], landedValue: landedValue,
                landedUnitCost: unitCost)
        }
        return LandedCostAllocation(currency: currency, charges: chargeResults, lines: lineResults, totalCharged: total)
    }

    /// Checks every line and returns each reference's position.
    private static func validate(_ lines: [LandedCostLine]) throws(LandedCostError) -> [String: Int] {
        var positions: [String: Int] = [:]
        for (index, line) in lines.enumerated() {
            let field = "lines[\(index)]"
            let measures: [(String, Decimal?)] = [
                ("quantity", line.quantity), ("unit_cost", line.unitCost), ("weight", line.weight),
                ("volume", line.volume),
            ]
            for case (let name, let value?) in measures where value < 0 {
                throw LandedCostError(
                    .invalidLine,
                    "line \(line.reference) has a negative \(name.replacingOccurrences(of: "_", with: " "))",
                    field: "\(field).\(name)")
            }
            guard positions.updateValue(index, forKey: line.reference) == nil else {
                throw LandedCostError(
                    .invalidLine, "the line reference \(line.reference) appears more than once",
                    field: "\(field).reference")
            }
        }
        return positions
    }

    /// The positions of the lines `charge` applies to, each once, in the order named.
    private static func targets(of charge: LandedCostCharge, field: String, positions: [String: Int], lineCount: Int)
        throws(LandedCostError) -> [Int]
    {
        guard let references = charge.appliesTo else { return Array(0..<lineCount) }
        var targets: [Int] = []
        var seen = Set<Int>()
        for (index, reference) in references.enumerated() {
            guard let position = positions[reference] else {
                throw LandedCostError(
                    .unknownLine, "charge \(charge.reference) applies to \(reference), which is not one of the lines",
                    field: "\(field).applies_to[\(index)]")
            }
            if seen.insert(position).inserted { targets.append(position) }
        }
        guard !targets.isEmpty else {
            throw LandedCostError(
                .zeroBasis, "charge \(charge.reference) applies to no lines", field: "\(field).applies_to")
        }
        return targets
    }

    /// The basis measure of each target line, refusing unknown measures unless the policy treats them as zero.
    private func weights(
        for charge: LandedCostCharge, basis: LandedCostBasis, targets: [Int], lines: [LandedCostLine], field: String
    ) throws(LandedCostError) -> [Decimal] {
        let measures = targets.map { lines[$0].measure(basis) }
        let missing = zip(targets, measures).filter { $0.1 == nil }.map(\.0)
        if missing.count == targets.count {
            throw LandedCostError(
                .zeroBasis,
                "charge \(charge.reference) is allocated by \(basis.rawValue), but no line has a \(basis.rawValue)",
                field: field)
        }
        if let first = missing.first, !treatsMissingMeasureAsZero {
            let named = missing.prefix(5).map { lines[$0].reference }.joined(separator: ", ")
            throw LandedCostError(
                .missingMeasure,
                "charge \(charge.reference) is allocated by \(basis.rawValue), but \(missing.count) line(s) have none: \(named)",
                field: "lines[\(first)].\(basis.rawValue)")
        }
        let weights = measures.map { $0 ?? 0 }
        guard weights.contains(where: { $0 > 0 }) else {
            throw LandedCostError(
                .zeroBasis,
                "charge \(charge.reference) is allocated by \(basis.rawValue), and every line's \(basis.rawValue) is zero",
                field: field)
        }
        return weights
    }
}
