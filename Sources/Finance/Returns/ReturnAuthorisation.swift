import Foundation

/// Why the customer returns the goods; the codes are those of `return.requested`.
public enum ReturnReason: String, Sendable, CaseIterable, Hashable {
    case damaged, defective
    case wrongItem = "wrong_item"
    case notAsDescribed = "not_as_described"
    case shortShipped = "short_shipped"
    case lateDelivery = "late_delivery"
    case noLongerNeeded = "no_longer_needed"
    case other
}

/// A return merchandise authorisation: what the customer may send back, and at what price.
public struct ReturnAuthorisation: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var line: Int
        public var sku: String
        /// Quantity authorised for return.
        public var quantity: Decimal
        /// What the customer paid per unit, in the RMA's currency; nil when the RMA did not say.
        public var unitPrice: Decimal?
        /// Overrides the RMA's reason for this line.
        public var reason: ReturnReason?

        public init(line: Int, sku: String, quantity: Decimal, unitPrice: Decimal? = nil, reason: ReturnReason? = nil) {
            self.line = line
            self.sku = sku
            self.quantity = quantity
            self.unitPrice = unitPrice
            self.reason = reason
        }
    }

    public var rmaNumber: String
    /// The original sale or invoice date: the return window counts from it.
    public var soldOn: UTCDay
    public var reason: ReturnReason
    public var currency: Currency
    public var lines: [Line]

    public init(rmaNumber: String, soldOn: UTCDay, reason: ReturnReason, currency: Currency, lines: [Line]) {
        self.rmaNumber = rmaNumber
        self.soldOn = soldOn
        self.reason = reason
        self.currency = currency
        self.lines = lines
    }
}
