import Foundation
import Platform

/// An ISO 4217 currency with its number of minor-unit digits.
public struct Currency: Hashable, Sendable, CustomStringConvertible {
    public let code: String
    /// Digits after the decimal point: 2 for USD, 0 for JPY, 3 for KWD.
    public let exponent: Int

    /// Currencies whose minor unit is not 1/100; every other code has two decimals.
    static let exponents: [String: Int] = [
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
        "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
        "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    ]

    /// - Throws: `invalid_currency` unless `code` is three upper-case letters.
    public init(_ code: String) throws(MoneyError) {
        guard code.utf8.count == 3, code.utf8.allSatisfy({ (65...90).contains($0) }) else {
            throw MoneyError(.invalidCurrency, "a currency is a three-letter ISO 4217 code such as USD")
        }
        self.code = code
        exponent = Self.exponents[code] ?? 2
    }

    /// One major unit in minor units: 100 for USD.
    public var minorPerMajor: Int64 {
        var value: Int64 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    public var description: String { code }
}

/// How a value between two minor units becomes one of them.
public enum RoundingRule: Sendable, Equatable {
    /// To the nearest, ties to the even neighbour (banker's rounding): no drift over many roundings.
    case halfEven
    /// To the nearest, ties away from zero: what invoices usually print.
    case halfUp
    /// Towards zero.
    case down
    /// Away from zero.
    case up

    var mode: NSDecimalNumber.RoundingMode {
        switch self {
        case .halfEven: .bankers
        case .halfUp: .plain
        case .down: .down
        case .up: .up
        }
    }
}

/// An amount of money: integer minor units of one currency. Never a float.
///
/// Arithmetic checks currencies and overflow and throws rather than trapping;
/// conversions from `Decimal` (prices times quantities, percentages) round
/// with an explicit ``RoundingRule``.
public struct Money: Hashable, Sendable, CustomStringConvertible {
    public let minorUnits: Int64
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    /// Parses a decimal string exactly (`"249.00"`, `"-3.5"`, `"12"`).
    ///
    /// - Throws: `invalid_amount` for anything but an optional minus sign,
    ///   digits and at most one point, or for more decimals than the currency
    ///   has: an amount must mean exactly what was written.
    public static func parse(_ text: String, currency: Currency) throws(MoneyError) -> Money {
        guard let decimal = DecimalText.parse(text) else {
            throw MoneyError(.invalidAmount, "'\(text.prefix(40))' is not a decimal amount such as 249.00")
        }
        guard let money = exact(decimal, currency: currency) else {
            throw MoneyError(
                .invalidAmount, "\(currency) amounts have at most \(currency.exponent) decimals, or the amount is too large")
        }
        return money
    }

    /// `amount` when it is a whole number of minor units and fits; nil otherwise.
    public static func exact(_ amount: Decimal, currency: Currency) -> Money? {
        let scaled = amount * Decimal(currency.minorPerMajor)
        guard let units = DecimalText.int64(exactly: scaled) else { return nil }
        return Money(minorUnits: units, currency: currency)
    }

    /// `amount` (in major units) rounded to a minor unit by `rule`.
    ///
    /// - Throws: `amount_overflow` if it does not fit.
    public static func rounding(_ amount: Decimal, currency: Currency, rule: RoundingRule = .halfEven)
        throws(MoneyError) -> Money
    {
        let scaled = DecimalText.round(amount * Decimal(currency.minorPerMajor), scale: 0, rule: rule)
        guard let units = DecimalText.int64(exactly: scaled) else {
            throw MoneyError(.overflow, "the amount \(amount) \(currency) is too large")
        }
        return Money(minorUnits: units, currency: currency)
    }

    /// The amount in major units, exactly.
    public var decimal: Decimal { Decimal(minorUnits) / Decimal(currency.minorPerMajor) }

    /// `249.00`: always the currency's number of decimals, never grouping separators.
    public var amountText: String {
        let negative = minorUnits < 0
        let magnitude = minorUnits.magnitude
        let divisor = UInt64(currency.minorPerMajor)
        let whole = magnitude / divisor
        var text = (negative ? "-" : "") + String(whole)
        if currency.exponent > 0 {
            let fraction = String(magnitude % divisor)
            text += "." + String(repeating: "0", count: currency.exponent - fraction.count) + fraction
        }
        return text
    }

    /// `USD 249.00`.
    public var description: String { "\(currency.code) \(amountText)" }

    public var isZero: Bool { minorUnits == 0 }
    public var isNegative: Bool { minorUnits < 0 }

    public func plus(_ other: Money) throws(MoneyError) -> Money {
        try sameCurrency(other)
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        guard !overflow else { throw MoneyError(.overflow, "the sum of \(self) and \(other) is too large") }
        return Money(minorUnits: sum, currency: currency)
    }

    public func minus(_ other: Money) throws(MoneyError) -> Money {
        try sameCurrency(other)
        let (difference, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        guard !overflow else { throw MoneyError(.overflow, "\(self) minus \(other) is too large") }
        return Money(minorUnits: difference, currency: currency)
    }

    public func negated() throws(MoneyError) -> Money {
        guard minorUnits != .min else { throw MoneyError(.overflow, "\(self) cannot be negated") }
        return Money(minorUnits: -minorUnits, currency: currency)
    }

    public var absolute: Money { Money(minorUnits: minorUnits == .min ? .max : abs(minorUnits), currency: currency) }

    /// This amount times `factor` (a quantity, a rate, a percentage / 100), rounded by `rule`.
    public func times(_ factor: Decimal, rule: RoundingRule = .halfEven) throws(MoneyError) -> Money {
        try Money.rounding(decimal * factor, currency: currency, rule: rule)
    }

    /// Compares amounts of the same currency.
    ///
    /// - Throws: `currency_mismatch` for different currencies.
    public func compare(_ other: Money) throws(MoneyError) -> ComparisonResult {
        try sameCurrency(other)
        return minorUnits < other.minorUnits ? .orderedAscending : minorUnits > other.minorUnits ? .orderedDescending : .orderedSame
    }

    /// Splits this amount into parts proportional to `weights` that sum to
    /// it exactly: each part is rounded down to a minor unit, and the units
    /// left over go one each to the parts with the largest remainders (ties
    /// to the earlier part). Negative amounts split the same way, mirrored.
    ///
    /// - Throws: `invalid_allocation` if there are no weights, a weight is
    ///   negative, or all weights are zero.
    public func allocate(_ weights: [Decimal]) throws(MoneyError) -> [Money] {
        guard !weights.isEmpty, weights.allSatisfy({ $0 >= 0 }) else {
            throw MoneyError(.invalidAllocation, "an allocation needs at least one weight and no negative weights")
        }
        let total = weights.reduce(Decimal(0), +)
        guard total > 0 else { throw MoneyError(.invalidAllocation, "the allocation weights are all zero") }
        let negative = minorUnits < 0
        let amount = Decimal(minorUnits.magnitude)
        var floors: [Int64] = []
        var remainders: [(index: Int, remainder: Decimal)] = []
        for (index, weight) in weights.enumerated() {
            let exact = amount * weight / total
            let floor = DecimalText.round(exact, scale: 0, rule: .down)
            floors.append(DecimalText.int64(exactly: floor) ?? 0)
            remainders.append((index, exact - floor))
        }
        var leftover = Int64(minorUnits.magnitude) - floors.reduce(0, +)
        for entry in remainders.sorted(by: { $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.index < $1.index })
        where leftover > 0 {
            floors[entry.index] += 1
            leftover -= 1
        }
        return floors.map { Money(minorUnits: negative ? -$0 : $0, currency: currency) }
    }

    private func sameCurrency(_ other: Money) throws(MoneyError) {
        guard currency == other.currency else {
            throw MoneyError(.currencyMismatch, "cannot combine \(currency) and \(other.currency) amounts")
        }
    }
}

/// Why an amount could not be read or computed.
public struct MoneyError: Error, CodedError, Equatable {
    public enum Kind: String, Sendable {
        case invalidCurrency = "invalid_currency"
        case invalidAmount = "invalid_amount"
        case currencyMismatch = "currency_mismatch"
        case overflow = "amount_overflow"
        case invalidAllocation = "invalid_allocation"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var code: String { kind.rawValue }
    public var httpStatus: Int { 422 }
}

/// Strict decimal text, and exact `Decimal` helpers: the forms quantities
/// and amounts take in events (`"1000"`, `"0.1240"`, `"-3"`).
public enum DecimalText {
    /// An optional `-`, digits, and optionally `.` and digits; nothing else
    /// (no exponent, no `+`, no spaces, no grouping). At most 30 digits.
    public static func parse(_ text: String) -> Decimal? {
        var bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 32 else { return nil }
        let negative = bytes[0] == UInt8(ascii: "-")
        if negative { bytes.removeFirst() }
        guard let first = bytes.first, let last = bytes.last, first != UInt8(ascii: "."), last != UInt8(ascii: ".")
        else { return nil }
        var points = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                points += 1
            } else if !(48...57).contains(byte) {
                return nil
            }
        }
        guard points <= 1, let value = Decimal(string: String(decoding: bytes, as: UTF8.self), locale: posix) else {
            return nil
        }
        return negative ? -value : value
    }

    /// `value` rounded to `scale` decimals by `rule`.
    public static func round(_ value: Decimal, scale: Int, rule: RoundingRule) -> Decimal {
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, scale, rule.mode)
        return output
    }

    /// `value` as an Int64 if it is a whole number in range.
    public static func int64(exactly value: Decimal) -> Int64? {
        guard value == round(value, scale: 0, rule: .down) else { return nil }
        guard value >= Decimal(Int64.min), value <= Decimal(Int64.max) else { return nil }
        return Int64(exactly: NSDecimalNumber(decimal: value).int64Value).flatMap { units in
            Decimal(units) == value ? units : nil
        }
    }

    /// Canonical text: no exponent, no trailing zeros after the point.
    public static func text(_ value: Decimal) -> String {
        var copy = value
        return NSDecimalString(&copy, posix)
    }

    private static let posix = Locale(identifier: "en_US_POSIX")
}
