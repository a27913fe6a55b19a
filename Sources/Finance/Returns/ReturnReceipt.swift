import Foundation

/// The state returned goods arrived in; the codes are those of `return.received`.
public enum ReturnCondition: String, Sendable, CaseIterable, Hashable {
    case new, good, opened, damaged, defective, incomplete
    /// Not the item that was authorised.
    case wrongItem = "wrong_item"
}

/// What happens to returned goods; the codes are those of `return.received`.
public enum ReturnDisposition: String, Sendable, CaseIterable, Hashable {
    /// Back to sellable stock.
    case restock
    /// Repaired, repacked or completed, then sold (often as open-box).
    case refurbish
    /// Sent back to the supplier under warranty or for credit.
    case returnToVendor = "return_to_vendor"
    case scrap
    /// Held until someone works out what arrived.
    case quarantine
}

/// Goods received back against an RMA.
public struct ReturnReceipt: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        /// The RMA line these goods come back against.
        public var rmaLine: Int
        public var sku: String
        public var quantity: Decimal
        public var condition: ReturnCondition
        /// What the warehouse did or proposes; nil leaves it to the policy.
        public var proposedDisposition: ReturnDisposition?

        public init(
            rmaLine: Int, sku: String, quantity: Decimal, condition: ReturnCondition,
            proposedDisposition: ReturnDisposition? = nil
        ) {
            self.rmaLine = rmaLine
            self.sku = sku
            self.quantity = quantity
            self.condition = condition
            self.proposedDisposition = proposedDisposition
        }
    }

    public var rmaNumber: String
    /// When the goods arrived; the return window is judged on its UTC day.
    public var receivedAt: Date
    public var lines: [Line]

    public init(rmaNumber: String, receivedAt: Date, lines: [Line]) {
        self.rmaNumber = rmaNumber
        self.receivedAt = receivedAt
        self.lines = lines
    }
}
