import Foundation

extension ThreeWayMatch {
    /// Finds the PO line a receipt or invoice line refers to: by line number when
    /// it gives one, else by SKU.
    ///
    /// A line number that is not on the order is not second-guessed by SKU: a
    /// wrong reference is a finding, not something to repair silently.
    struct LineResolver {
        enum Resolution {
            case found(ThreeWayMatch.PurchaseOrder.Line, ThreeWayMatchResult.Line.MatchedBy)
            case notOnOrder
            case ambiguous([Int])
        }

        private let byNumber: [Int: ThreeWayMatch.PurchaseOrder.Line]
        private let bySKU: [String: [ThreeWayMatch.PurchaseOrder.Line]]

        init(_ order: ThreeWayMatch.PurchaseOrder) {
            // The first line wins if an order repeats a number; the schema does not forbid it.
            byNumber = Dictionary(order.lines.map { ($0.line, $0) }, uniquingKeysWith: { first, _ in first })
            bySKU = Dictionary(grouping: order.lines, by: \.sku)
        }

        func resolve(poLine: Int?, sku: String) -> Resolution {
            if let poLine {
                guard let line = byNumber[poLine] else { return .notOnOrder }
                return .found(line, .poLine)
            }
            let candidates = bySKU[sku] ?? []
            guard let only = candidates.first else { return .notOnOrder }
            guard candidates.count == 1 else { return .ambiguous(candidates.map(\.line)) }
            return .found(only, .sku)
        }
    }

    /// The units of one PO line, and conversions into them.
    ///
    /// Rules, per side (receipt or invoice): a unit equal to the PO line's `uom`
    /// is taken as is; a unit equal to the line's base unit (when the line has a
    /// `uom_factor`, or names a base unit) is divided by the factor; any other
    /// unit is a `uom_mismatch`. Quantities are summed and compared in base
    /// units, where every conversion is a multiplication and so exact (18/7 BOX
    /// would not be); they are turned into PO units only for display and money.
    struct LineUnits {
        let orderLine: ThreeWayMatch.PurchaseOrder.Line
        /// Base units per PO unit; 1 when the line has no factor.
        let factor: Decimal
        let baseUnit: String?

        init(_ orderLine: ThreeWayMatch.PurchaseOrder.Line, policy: ThreeWayMatchPolicy) {
            self.orderLine = orderLine
            let factor = orderLine.uomFactor ?? 1
            self.factor = factor > 0 ? factor : 1
            baseUnit = orderLine.baseUOM ?? (orderLine.uomFactor == nil ? nil : policy.defaultBaseUnit)
        }

        var orderUnit: String { orderLine.uom }

        /// How many internal (base) units one `uom` is, or nil for a unit this line does not know.
        func internalPerUnit(_ uom: String) -> Decimal? {
            if uom == orderLine.uom { return factor }
            if let baseUnit, uom == baseUnit { return 1 }
            return nil
        }

        /// `quantity` of `uom` in internal units.
        func internalQuantity(_ quantity: Decimal, _ uom: String) -> Decimal? {
            internalPerUnit(uom).map { quantity * $0 }
        }

        /// A price per `uom` as a price per PO unit.
        func pricePerOrderUnit(_ price: Decimal, _ uom: String) -> Decimal? {
            if uom == orderLine.uom { return price }
            if let baseUnit, uom == baseUnit { return price * factor }
            return nil
        }

        var orderedInternal: Decimal { orderLine.quantity * factor }

        /// An internal quantity in PO units; rounded to 6 decimals (the events' precision) only when inexact.
        func orderUnits(_ internalQuantity: Decimal) -> Decimal {
            factor == 1 ? internalQuantity : DecimalText.round(internalQuantity / factor, scale: 6, rule: .halfEven)
        }

        /// `18 BOX`.
        func describe(_ internalQuantity: Decimal) -> String {
            "\(DecimalText.text(orderUnits(internalQuantity))) \(orderUnit)"
        }

        /// An internal quantity valued at the PO price, rounded as an invoice would print it.
        func valueAtOrderPrice(_ internalQuantity: Decimal, currency: Currency, rule: RoundingRule)
            throws(MoneyError) -> Money
        {
            // Multiply before dividing so the only inexact step is the final rounding.
            try Money.rounding(internalQuantity * orderLine.unitPrice / factor, currency: currency, rule: rule)
        }

        /// Words for a `uom_mismatch`: which units would have been understood.
        var acceptedUnits: String {
            baseUnit.map { "\(orderUnit) or its base unit \($0)" } ?? orderUnit
        }
    }
}
