import Finance
import Foundation

/// One band of a graduated price: overage units up to `upTo` (counted from
/// the first unit over the included quantity) cost `unitPrice` each.
public struct PriceTier: Sendable, Hashable {
    /// The cumulative overage quantity where this band ends, inclusive; nil for the last, unbounded band.
    public var upTo: Int64?
    /// In major units of the plan's currency; may have more decimals than the currency (0.0015 EUR).
    public var unitPrice: Decimal

    public init(upTo: Int64?, unitPrice: Decimal) {
        self.upTo = upTo
        self.unitPrice = unitPrice
    }
}

/// What one band contributed to a line, before any rounding.
public struct TierCharge: Sendable, Hashable {
    /// Overage units already charged in earlier bands: this band covers `from + 1 ... from + quantity`.
    public let from: Int64
    public let upTo: Int64?
    public let quantity: Int64
    public let unitPrice: Decimal
    /// `quantity × unitPrice`, exact: statements show it unrounded so the line's single rounding is visible.
    public let amount: Decimal
}

/// A graduated (not volume) price for usage over the included quantity.
///
/// Graduated means each band's price applies only to the units inside it:
/// 115,003 units over at "10,000 at 0.002, next 90,000 at 0.0015, then
/// 0.001" cost 20 + 135 + 15.003. Band amounts are exact `Decimal`s; the
/// line rounds their sum once, half-even, to the currency's minor unit
/// (`StatementCalculator`). Rounding each band would let a line's amount
/// depend on how the bands are cut, and half-even keeps many small lines
/// from drifting upwards together.
public struct OverageTiers: Sendable, Hashable {
    /// A unit price keeps at most this many decimals: with a 64-bit quantity the
    /// product then stays within `Decimal`'s 38 digits, so every amount is exact.
    public static let maximumPriceScale = 12
    /// Unit prices are below this (in major units); anything larger is a typing error.
    public static let maximumUnitPrice: Decimal = 1_000_000

    public let tiers: [PriceTier]

    /// - Parameter field: the path of the tier list in the caller's input, used in errors.
    /// - Throws: `invalid_tiers` unless there is at least one band, bounds are
    ///   positive and strictly ascending and only the last band is unbounded;
    ///   `invalid_price` for a negative, too precise or too large unit price.
    public init(_ tiers: [PriceTier], field: String = "tiers") throws(BillingError) {
        guard !tiers.isEmpty else {
            throw BillingError(.invalidTiers, "a price needs at least one tier", field: field)
        }
        var previous: Int64 = 0
        for (index, tier) in tiers.enumerated() {
            let path = "\(field)[\(index)]"
            let price = tier.unitPrice
            guard !price.isNaN, price >= 0 else {
                throw BillingError(.invalidPrice, "a unit price cannot be negative", field: "\(path).unit_price")
            }
            guard price < Self.maximumUnitPrice,
                DecimalText.round(price, scale: Self.maximumPriceScale, rule: .down) == price
            else {
                throw BillingError(
                    .invalidPrice,
                    "a unit price has at most \(Self.maximumPriceScale) decimals and is below \(Self.maximumUnitPrice)",
                    field: "\(path).unit_price")
            }
            let isLast = index == tiers.count - 1
            switch tier.upTo {
            case nil where !isLast:
                throw BillingError(
                    .invalidTiers, "only the last tier may be unbounded; this one needs up_to", field: "\(path).up_to")
            case let bound? where isLast:
                throw BillingError(
                    .invalidTiers, "the last tier must be unbounded (no up_to), but it ends at \(bound)",
                    field: "\(path).up_to")
            case let bound? where bound <= previous:
                throw BillingError(
                    .invalidTiers, "tier bounds must be positive and ascending: \(bound) does not exceed \(previous)",
                    field: "\(path).up_to")
            case let bound?:
                previous = bound
            case nil:
                break
            }
        }
        self.tiers = tiers
    }

    /// A single price for every unit over the included quantity.
    public static func flat(_ unitPrice: Decimal) throws(BillingError) -> OverageTiers {
        try OverageTiers([PriceTier(upTo: nil, unitPrice: unitPrice)])
    }

    /// How `quantity` overage units fall into the bands; bands with no units are left out.
    public func charges(for quantity: Int64) -> [TierCharge] {
        var charges: [TierCharge] = []
        var charged: Int64 = 0
        for tier in tiers where charged < quantity {
            let end = min(tier.upTo ?? quantity, quantity)
            let units = end - charged
            guard units > 0 else { continue }
            charges.append(
                TierCharge(
                    from: charged, upTo: tier.upTo, quantity: units, unitPrice: tier.unitPrice,
                    amount: Decimal(units) * tier.unitPrice))
            charged = end
        }
        return charges
    }
}
