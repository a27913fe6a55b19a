import Finance

/// What a seller charges a buyer for one month, line by line, in one currency.
///
/// Design:
/// - Statements are computed, never assembled by hand: the only ways to get
///   one are `PriceBook.statement(…)`, `StatementCorrection.between(…)` and
///   reading a stored one back (`Statement.decode(json:)`, which checks it).
///   Every property is a `let`, so an issued statement cannot be edited in
///   memory; the storage layer keeps it immutable on disk, and the only way to
///   change what a buyer owes is a credit (or debit) note that references it.
/// - Subtotals and the total are computed from the lines when the value is
///   built, with exact `Money` arithmetic, so they are their sum by construction.
/// - The number is deterministic (`2026-05/provider/partner:acme`, corrections
///   add `/C1`, `/C2`…): recomputing a month gives the same number, which is
///   what lets storage refuse a second issue of it. `canonicalText` is a
///   fixed-order serialisation for storage to hash.
public struct Statement: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case statement
        /// Negative lines that reduce what an issued statement charged.
        case creditNote = "credit_note"
        /// Positive lines that add to what an issued statement charged.
        case debitNote = "debit_note"
    }

    /// One tenant's lines and their sum.
    public struct TenantSection: Sendable, Hashable {
        public let tenantID: String
        public let tenantName: String
        public let lines: [StatementLine]
        public let subtotal: Money
    }

    public let kind: Kind
    public let number: String
    /// The issued statement a credit or debit note corrects.
    public let corrects: String?
    public let seller: BillingParty
    public let buyer: BillingParty
    public let month: BillingMonth
    public let currency: Currency
    /// Ordered by tenant id.
    public let tenants: [TenantSection]
    public let total: Money

    /// - Throws: `currency_mismatch` for a line in another currency; `amount_overflow`.
    init(
        kind: Kind, number: String, corrects: String?, seller: BillingParty, buyer: BillingParty, month: BillingMonth,
        currency: Currency, tenants: [(id: String, name: String, lines: [StatementLine])]
    ) throws(BillingError) {
        var sections: [TenantSection] = []
        var total = Money.zero(currency)
        for (tenantIndex, tenant) in tenants.sorted(by: { $0.id < $1.id }).enumerated() {
            var subtotal = Money.zero(currency)
            for (lineIndex, line) in tenant.lines.enumerated() {
                subtotal = try BillingError.checking(field: "tenants[\(tenantIndex)].lines[\(lineIndex)].amount") {
                    () throws(MoneyError) in try subtotal.plus(line.amount)
                }
            }
            total = try BillingError.checking(field: "tenants[\(tenantIndex)].subtotal") { () throws(MoneyError) in
                try total.plus(subtotal)
            }
            sections.append(
                TenantSection(tenantID: tenant.id, tenantName: tenant.name, lines: tenant.lines, subtotal: subtotal))
        }
        self.kind = kind
        self.number = number
        self.corrects = corrects
        self.seller = seller
        self.buyer = buyer
        self.month = month
        self.currency = currency
        self.tenants = sections
        self.total = total
    }

    /// `2026-05/provider/partner:acme`: the number of the statement for this seller, buyer and month.
    public static func number(seller: BillingParty, buyer: BillingParty, month: BillingMonth) -> String {
        "\(month)/\(seller)/\(buyer)"
    }

    /// Every line, in statement order.
    public var lines: [StatementLine] { tenants.flatMap(\.lines) }
}
