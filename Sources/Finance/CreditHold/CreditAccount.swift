/// Why an account was put on hold; the codes are those of `credit_hold.placed`.
public enum CreditHoldReason: String, Sendable, CaseIterable, Hashable {
    case overCreditLimit = "over_credit_limit"
    case pastDue = "past_due"
    case disputedBalance = "disputed_balance"
    case returnedPayment = "returned_payment"
    /// Placed by a person for reasons the figures do not show.
    case manual
}

/// A customer's receivables position, all in one currency.
public struct CreditAccount: Sendable, Equatable {
    public var customerID: String
    public var creditLimit: Money
    /// Open receivables; negative when the customer is in credit.
    public var openBalance: Money
    /// The part of `openBalance` past its due date.
    public var overdue: Money
    /// The part of `overdue` the customer disputes (`customer_invoice.disputed`).
    public var disputed: Money

    public init(customerID: String, creditLimit: Money, openBalance: Money, overdue: Money, disputed: Money? = nil) {
        self.customerID = customerID
        self.creditLimit = creditLimit
        self.openBalance = openBalance
        self.overdue = overdue
        self.disputed = disputed ?? .zero(openBalance.currency)
    }
}

/// The hold a release is proposed for.
public struct CreditHold: Sendable, Equatable {
    public var holdNumber: String
    public var reason: CreditHoldReason
    /// Who placed it (a system user for automatic holds).
    public var placedBy: String

    public init(holdNumber: String, reason: CreditHoldReason, placedBy: String) {
        self.holdNumber = holdNumber
        self.reason = reason
        self.placedBy = placedBy
    }
}

/// A credit manager's decision to release whatever the figures say.
public struct CreditOverride: Sendable, Equatable {
    /// Compared exactly with the requester: one person may not both ask and approve.
    public var approvedBy: String
    public var reason: String

    public init(approvedBy: String, reason: String) {
        self.approvedBy = approvedBy
        self.reason = reason
    }
}

/// A proposal to release a hold so that the held orders can ship.
public struct CreditReleaseRequest: Sendable, Equatable {
    public var hold: CreditHold
    public var requestedBy: String
    /// The value of the orders that would ship on release.
    public var heldOrders: Money
    /// Payment received since the hold and not yet in `openBalance`; nil when none.
    public var paymentReceived: Money?
    public var override: CreditOverride?

    public init(
        hold: CreditHold, requestedBy: String, heldOrders: Money, paymentReceived: Money? = nil,
        override: CreditOverride? = nil
    ) {
        self.hold = hold
        self.requestedBy = requestedBy
        self.heldOrders = heldOrders
        self.paymentReceived = paymentReceived
        self.override = override
    }
}
