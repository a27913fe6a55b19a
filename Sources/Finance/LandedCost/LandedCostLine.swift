import Foundation

/// One received line that charges are spread over.
///
/// `unitCost` is a plain decimal in the allocation's currency rather than
/// ``Money`` because purchase prices routinely carry more decimals than the
/// currency (`"0.1240"` USD per bolt); only amounts become minor units.
public struct LandedCostLine: Sendable, Equatable {
    /// Unique within one allocation, e.g. `GR-6001/1`; charges name lines by it.
    public var reference: String
    public var sku: String
    public var quantity: Decimal
    /// Purchase cost per one unit, in the allocation's currency.
    public var unitCost: Decimal
    /// Gross weight of the whole line; nil when unknown (not the same as zero).
    public var weight: Decimal?
    /// Volume of the whole line; nil when unknown.
    public var volume: Decimal?

    public init(
        reference: String, sku: String, quantity: Decimal, unitCost: Decimal, weight: Decimal? = nil,
        volume: Decimal? = nil
    ) {
        self.reference = reference
        self.sku = sku
        self.quantity = quantity
        self.unitCost = unitCost
        self.weight = weight
        self.volume = volume
    }

    /// Quantity × unit cost, exactly.
    public var goodsValue: Decimal { quantity * unitCost }

    /// This line's measure on `basis`, or nil when it is not known.
    public func measure(_ basis: LandedCostBasis) -> Decimal? {
        switch basis {
        case .value: goodsValue
        case .quantity: quantity
        case .weight: weight
        case .volume: volume
        }
    }
}
