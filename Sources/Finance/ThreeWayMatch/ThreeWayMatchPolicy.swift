import Foundation

/// The tolerances and rules of a three-way match.
///
/// Defaults are the conservative ones an AP team starts from: unit prices
/// may differ by 2 % or 0.01 per unit, whichever is larger; quantities,
/// freight, tax, printed line amounts and the invoice's own arithmetic must
/// agree exactly. Money tolerances are in major units of whatever currency
/// the documents use, because a policy is not tied to one currency.
public struct ThreeWayMatchPolicy: Sendable, Equatable {
    /// How far a value may stray from its reference.
    ///
    /// A limit that is `nil` is not used; with no limit at all only an exact
    /// match passes. Build values from integers or ``DecimalText/parse(_:)``,
    /// never from floating-point literals, which are not exact decimals.
    public struct Tolerance: Sendable, Equatable {
        /// What passes when both a percentage and an absolute limit are set.
        public enum Combination: String, Sendable {
            /// Within either limit: the larger one applies (2 % or 0.01, whichever is greater).
            case eitherSuffices = "either"
            /// Within both limits: the smaller one applies.
            case bothRequired = "both"
        }

        /// Percent of the reference value (2 means 2 %).
        public var percent: Decimal?
        /// In the compared value's own unit: major currency units, or the PO line's unit of measure.
        public var absolute: Decimal?
        public var combination: Combination

        public init(percent: Decimal? = nil, absolute: Decimal? = nil, combination: Combination = .eitherSuffices) {
            self.percent = percent
            self.absolute = absolute
            self.combination = combination
        }

        /// No variance at all.
        public static let exact = Tolerance()

        /// The largest variance allowed against `reference`; never negative.
        public func allowance(on reference: Decimal) -> Decimal {
            var limits: [Decimal] = []
            if let percent { limits.append(max(0, reference.magnitude * percent / 100)) }
            if let absolute { limits.append(max(0, absolute)) }
            guard let first = limits.first else { return 0 }
            return limits.dropFirst().reduce(first) { combination == .eitherSuffices ? max($0, $1) : min($0, $1) }
        }
    }

    /// How invoice numbers are compared when looking for duplicates.
    public enum InvoiceNumberComparison: String, Sendable {
        /// Character for character.
        case exact
        /// Letters and digits only, case-insensitively: `inv 0042` and `INV-0042` are the same invoice,
        /// since re-keyed duplicates differ in exactly such details.
        case lettersAndDigits = "letters_and_digits"
    }

    /// Invoice unit price against the PO price, per PO unit, either direction; the percentage is of the PO price.
    public var priceTolerance = Tolerance(percent: 2, absolute: Decimal(sign: .plus, exponent: -2, significand: 1))
    /// Cumulative invoiced quantity above cumulative received (and above ordered), in the PO line's unit;
    /// the percentage is of the quantity received (or ordered).
    public var quantityTolerance = Tolerance.exact
    /// Cumulative invoiced freight above the PO's freight; the percentage is of the PO's freight.
    public var freightTolerance = Tolerance.exact
    /// Cumulative invoiced tax above the PO's tax; the percentage is of the PO's tax.
    public var taxTolerance = Tolerance.exact
    /// A printed line amount against quantity × unit price, either direction.
    public var lineAmountTolerance = Tolerance.exact
    /// The invoice total against lines + freight + tax − discount, either direction.
    public var totalTolerance = Tolerance.exact
    /// How quantity × unit price becomes an amount: half-up, as invoices print.
    public var extendedAmountRounding = RoundingRule.halfUp
    /// Receipt conditions that count as received; a receipt line without a condition is `good`.
    public var acceptedReceiptConditions: Set<String> = ["good"]
    /// The base unit of a PO line that has a `uom_factor` but names no base unit.
    public var defaultBaseUnit = "EA"
    /// Whether a line that names a PO line must also carry that line's SKU.
    public var requiresSKUAgreement = true
    /// Whether cumulative invoiced quantity is also checked against the ordered quantity (the two-way check).
    public var checksOrderedQuantity = true
    public var invoiceNumberComparison = InvoiceNumberComparison.lettersAndDigits

    public init() {}
}
