import Finance
import Foundation

/// A priced offer: a monthly base fee, quantities included in it, and graduated prices beyond them.
///
/// Plans are values checked once on construction (or on reading JSON, see
/// `Plan.decode(json:)`), so a statement never meets a half-valid plan. A
/// meter the plan does not price is free and does not appear on statements;
/// a meter with an included quantity must also have an overage price, so a
/// plan never leaves open what happens past the allowance.
public struct Plan: Sendable, Hashable {
    public let code: String
    public let name: String
    public let currency: Currency
    /// Per full month; prorated by billable days.
    public let baseFee: Money
    /// Per full month; prorated by billable days for summed meters (see `StatementCalculator`).
    public let included: [Meter: Int64]
    public let overage: [Meter: OverageTiers]

    /// - Throws: `invalid_plan` for a malformed code or empty name, or an included
    ///   quantity that is negative or has no price; `unknown_currency`;
    ///   `invalid_price` for a negative base fee; `currency_mismatch` for a
    ///   base fee in another currency.
    public init(
        code: String, name: String, currency: Currency, baseFee: Money, included: [Meter: Int64] = [:],
        overage: [Meter: OverageTiers] = [:]
    ) throws(BillingError) {
        guard Self.isValidCode(code) else {
            throw BillingError(
                .invalidPlan,
                "a plan code is 1 to 64 lower-case letters, digits, '-' or '_', starting with a letter or digit",
                field: "code")
        }
        guard !name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, name.count <= 200 else {
            throw BillingError(.invalidPlan, "a plan needs a name of at most 200 characters", field: "name")
        }
        _ = try BillingCurrencies.currency(currency.code)
        guard baseFee.currency == currency else {
            throw BillingError(
                .currencyMismatch, "the base fee is in \(baseFee.currency) but the plan is priced in \(currency)",
                field: "base_fee")
        }
        guard !baseFee.isNegative else {
            throw BillingError(.invalidPrice, "a base fee cannot be negative", field: "base_fee")
        }
        for meter in included.keys.sorted() {
            let quantity = included[meter] ?? 0
            guard quantity >= 0 else {
                throw BillingError(
                    .invalidPlan, "an included quantity cannot be negative", field: "included.\(meter.rawValue)")
            }
            guard overage[meter] != nil else {
                throw BillingError(
                    .invalidPlan,
                    "\(meter.rawValue) has an included quantity but no overage price: say what units beyond it cost",
                    field: "included.\(meter.rawValue)")
            }
        }
        self.code = code
        self.name = name
        self.currency = currency
        self.baseFee = baseFee
        self.included = included
        self.overage = overage
    }

    /// The meters this plan charges for, in statement order.
    public var pricedMeters: [Meter] { overage.keys.sorted() }

    static func isValidCode(_ code: String) -> Bool {
        let bytes = Array(code.utf8)
        guard let first = bytes.first, (1...64).contains(bytes.count), first != UInt8(ascii: "-"),
            first != UInt8(ascii: "_")
        else { return false }
        return bytes.allSatisfy { byte in
            (97...122).contains(byte) || (48...57).contains(byte) || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "_")
        }
    }
}
