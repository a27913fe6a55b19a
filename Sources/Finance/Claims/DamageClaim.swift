import Foundation

/// Who the claim is against.
public enum ClaimCounterparty: Hashable, Sendable {
    /// A freight claim against the carrier that delivered the goods damaged.
    case carrier(String)
    /// A chargeback to the supplier that shipped damaged or defective goods.
    case supplier(String)

    public var id: String {
        switch self {
        case .carrier(let id), .supplier(let id): id
        }
    }

    /// `carrier` or `supplier`.
    public var role: String {
        switch self {
        case .carrier: "carrier"
        case .supplier: "supplier"
        }
    }
}

/// A damaged-goods claim or supplier chargeback, as built from `damage.reported`.
public struct DamageClaim: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var sku: String
        public var damagedQuantity: Decimal
        /// Cost per unit in the claim's currency.
        public var unitCost: Decimal

        public init(sku: String, damagedQuantity: Decimal, unitCost: Decimal) {
            self.sku = sku
            self.damagedQuantity = damagedQuantity
            self.unitCost = unitCost
        }
    }

    /// The damage report or claim number.
    public var reference: String
    public var counterparty: ClaimCounterparty
    public var currency: Currency
    public var lines: [Line]
    /// Freight paid on the shipment, to recover the damaged part's share of it.
    public var freight: ClaimFreight?
    /// When the goods were delivered; nil when not known.
    public var deliveredAt: Date?
    /// When the damage was found (at receipt for visible damage, later for concealed damage).
    public var damageFoundAt: Date
    /// Links to photos, inspection reports, the signed delivery receipt.
    public var evidence: [String]
    /// When the claim was filed with the counterparty; nil while it is not.
    public var filedAt: Date?

    public init(
        reference: String, counterparty: ClaimCounterparty, currency: Currency, lines: [Line],
        freight: ClaimFreight? = nil, deliveredAt: Date? = nil, damageFoundAt: Date, evidence: [String] = [],
        filedAt: Date? = nil
    ) {
        self.reference = reference
        self.counterparty = counterparty
        self.currency = currency
        self.lines = lines
        self.freight = freight
        self.deliveredAt = deliveredAt
        self.damageFoundAt = damageFoundAt
        self.evidence = evidence
        self.filedAt = filedAt
    }
}

/// The freight bill of the shipment the damaged goods came in.
///
/// The claim recovers the damaged units' share: the charge split over
/// damaged and undamaged units by largest remainder, so the share and the
/// rest add up to the bill. Damaged and shipped quantities must be in one unit.
public struct ClaimFreight: Sendable, Equatable {
    public var charge: Money
    public var shippedQuantity: Decimal

    public init(charge: Money, shippedQuantity: Decimal) {
        self.charge = charge
        self.shippedQuantity = shippedQuantity
    }
}
