import Foundation

/// One counted SKU at one location, as `cycle_count.completed` reports it.
public struct CycleCountLine: Sendable, Equatable {
    public var sku: String
    public var location: String
    /// Carried for the reviewer; repeat detection keys on SKU and location only,
    /// because a bin that keeps drifting is the problem whatever lot is in it.
    public var lot: String?
    /// What the system expected on hand; may be negative after over-picking.
    public var systemQuantity: Decimal
    public var countedQuantity: Decimal
    /// Cost per unit in the count's currency; nil when the count did not value the line.
    public var unitCost: Decimal?

    public init(
        sku: String, location: String, lot: String? = nil, systemQuantity: Decimal, countedQuantity: Decimal,
        unitCost: Decimal? = nil
    ) {
        self.sku = sku
        self.location = location
        self.lot = lot
        self.systemQuantity = systemQuantity
        self.countedQuantity = countedQuantity
        self.unitCost = unitCost
    }

    /// Counted minus expected: negative is a shortage, positive an overage.
    public var varianceQuantity: Decimal { countedQuantity - systemQuantity }
}

/// A variance found at an earlier count, for repeat-offender detection.
///
/// The caller passes what its history holds for the SKU and location; the
/// count being assessed must not be among them, or it would count twice.
public struct PriorVariance: Sendable, Equatable {
    public var sku: String
    public var location: String
    public var countedAt: Date
    public var varianceQuantity: Decimal

    public init(sku: String, location: String, countedAt: Date, varianceQuantity: Decimal) {
        self.sku = sku
        self.location = location
        self.countedAt = countedAt
        self.varianceQuantity = varianceQuantity
    }
}
