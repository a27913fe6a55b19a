/// How a tenant spreads landed cost: the basis per charge type and how landed unit costs are rounded.
public struct LandedCostPolicy: Sendable, Equatable {
    /// The basis for each charge type; a type not listed uses `defaultBasis`.
    public var bases: [LandedCostChargeType: LandedCostBasis]
    /// The basis for charge types `bases` does not list. Default: `.value`.
    public var defaultBasis: LandedCostBasis
    /// Decimals kept in a landed unit cost, 0 to 12. Default: 4, like purchase prices.
    public var unitCostScale: Int
    /// How a landed unit cost is rounded to `unitCostScale`. Default: `.halfEven`.
    public var unitCostRounding: RoundingRule
    /// When false (the default), a line with no weight (or volume) under a
    /// weight (or volume) charge is an error: spreading a carrier's bill over
    /// the lines that happen to have weights would load them silently with
    /// the others' share. When true, an unknown measure counts as zero.
    public var treatsMissingMeasureAsZero: Bool

    public init(
        bases: [LandedCostChargeType: LandedCostBasis] = LandedCostPolicy.standardBases,
        defaultBasis: LandedCostBasis = .value, unitCostScale: Int = 4, unitCostRounding: RoundingRule = .halfEven,
        treatsMissingMeasureAsZero: Bool = false
    ) {
        self.bases = bases
        self.defaultBasis = defaultBasis
        self.unitCostScale = unitCostScale
        self.unitCostRounding = unitCostRounding
        self.treatsMissingMeasureAsZero = treatsMissingMeasureAsZero
    }

    /// Freight by weight (what carriers bill by); duty, insurance and
    /// brokerage by value (ad valorem); handling by quantity (per unit touched).
    public static let standardBases: [LandedCostChargeType: LandedCostBasis] = [
        .freight: .weight, .duty: .value, .insurance: .value, .brokerage: .value, .handling: .quantity, .other: .value,
    ]

    public static let standard = LandedCostPolicy()

    /// The basis `charge` is spread on: its own override, else this policy's choice for its type.
    public func basis(for charge: LandedCostCharge) -> LandedCostBasis {
        charge.basis ?? bases[charge.type] ?? defaultBasis
    }
}
