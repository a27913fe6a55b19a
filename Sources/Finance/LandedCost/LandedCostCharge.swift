/// What a landed cost charge pays for; the codes are those of `landed_cost.charged`.
public enum LandedCostChargeType: String, Sendable, CaseIterable, Hashable {
    case freight, duty, insurance, brokerage, handling, other
}

/// What a charge is spread in proportion to.
public enum LandedCostBasis: String, Sendable, CaseIterable, Hashable {
    /// Quantity × unit cost: duty and insurance follow what the goods are worth.
    case value
    /// Units received, whatever they weigh or cost.
    case quantity
    /// Gross weight: what carriers price by.
    case weight
    /// Cubic volume: what container and LTL freight often price by.
    case volume
}

/// One charge to allocate: a carrier, broker or customs invoice line.
public struct LandedCostCharge: Sendable, Equatable {
    /// The charge number or other key the caller uses to find it again.
    public var reference: String
    public var type: LandedCostChargeType
    /// The amount to spread; negative for a credit note against an earlier charge.
    public var amount: Money
    /// Overrides the policy's basis for this charge type, as `allocation_basis` on the event does.
    public var basis: LandedCostBasis?
    /// References of the lines this charge applies to; nil means every line.
    public var appliesTo: [String]?

    public init(
        reference: String, type: LandedCostChargeType, amount: Money, basis: LandedCostBasis? = nil,
        appliesTo: [String]? = nil
    ) {
        self.reference = reference
        self.type = type
        self.amount = amount
        self.basis = basis
        self.appliesTo = appliesTo
    }
}
