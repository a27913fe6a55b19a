/// An exact decimal: a signed integer significand and a count of fraction digits.
///
/// Own type rather than Foundation's `Decimal` so parsing, scaling and the
/// canonical text (no exponent, no grouping, fraction digits kept as written)
/// are exact, allocation-free and independent of any locale.
struct FixedDecimal: Sendable, Equatable {
    var significand: Int128
    /// Digits after the point: `12.50` is 1250 with scale 2.
    var scale: Int

    /// At most this many digits in all, so products of two values stay inside `Int128`.
    static let maxDigits = 30
    static let maxScale = 18

    enum Rounding: String, Sendable, CaseIterable {
        case halfEven = "half_even"
        case halfUp = "half_up"
        case down
        case up
    }

    static func power(_ exponent: Int) -> Int128? {
        guard exponent >= 0, exponent <= 36 else { return nil }
        var value: Int128 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    var isZero: Bool { significand == 0 }

    /// The number of digits in the significand.
    var digitCount: Int {
        var magnitude = significand.magnitude
        var count = 1
        while magnitude >= 10 {
            magnitude /= 10
            count += 1
        }
        return count
    }

    /// Canonical text: `-` if negative, integer digits without leading zeros,
    /// and exactly `scale` fraction digits; never `-0`.
    var text: String {
        var digits = Array(String(significand.magnitude).utf8)
        if scale > 0 {
            if digits.count <= scale {
                digits.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: scale - digits.count + 1), at: 0)
            }
            digits.insert(UInt8(ascii: "."), at: digits.count - scale)
        }
        if significand < 0 { digits.insert(UInt8(ascii: "-"), at: 0) }
        return String(decoding: digits, as: UTF8.self)
    }

    /// The same value with trailing fraction zeros dropped.
    func trimmed() -> FixedDecimal {
        var result = self
        while result.scale > 0, result.significand % 10 == 0 {
            result.significand /= 10
            result.scale -= 1
        }
        return result
    }

    /// The same value with `newScale` fraction digits, rounding by `rule` when digits are dropped.
    func rescaled(to newScale: Int, rule: Rounding) -> FixedDecimal? {
        if newScale >= scale {
            guard let factor = Self.power(newScale - scale) else { return nil }
            let (product, overflow) = significand.multipliedReportingOverflow(by: factor)
            return overflow ? nil : FixedDecimal(significand: product, scale: newScale)
        }
        guard let divisor = Self.power(scale - newScale) else { return nil }
        return FixedDecimal(significand: Self.divide(significand, by: divisor, rule: rule), scale: newScale)
    }

    func multiplied(by other: FixedDecimal) -> FixedDecimal? {
        let (product, overflow) = significand.multipliedReportingOverflow(by: other.significand)
        guard !overflow else { return nil }
        return FixedDecimal(significand: product, scale: scale + other.scale)
    }

    /// `self / other` rounded to `resultScale` fraction digits; nil on division by zero or overflow.
    func divided(by other: FixedDecimal, scale resultScale: Int, rule: Rounding) -> FixedDecimal? {
        guard other.significand != 0 else { return nil }
        // self/other = (s1 / 10^a) / (s2 / 10^b); the result's significand is s1 * 10^(r - a + b) / s2.
        let shift = resultScale - scale + other.scale
        var numerator = significand
        var denominator = other.significand
        if shift >= 0 {
            guard let factor = Self.power(shift) else { return nil }
            let (product, overflow) = numerator.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            numerator = product
        } else {
            guard let factor = Self.power(-shift) else { return nil }
            let (product, overflow) = denominator.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            denominator = product
        }
        if denominator < 0 {
            numerator = -numerator
            denominator = -denominator
        }
        return FixedDecimal(significand: Self.divide(numerator, by: denominator, rule: rule), scale: resultScale)
    }

    /// Integer division of `value` by a positive `divisor`, rounded by `rule`.
    static func divide(_ value: Int128, by divisor: Int128, rule: Rounding) -> Int128 {
        let quotient = value / divisor
        let remainder = value % divisor
        guard remainder != 0 else { return quotient }
        let awayFromZero: Int128 = value < 0 ? -1 : 1
        switch rule {
        case .down:
            return quotient
        case .up:
            return quotient + awayFromZero
        case .halfUp, .halfEven:
            let twice = remainder.magnitude * 2
            if twice > divisor.magnitude { return quotient + awayFromZero }
            if twice < divisor.magnitude { return quotient }
            if rule == .halfUp { return quotient + awayFromZero }
            return quotient % 2 == 0 ? quotient : quotient + awayFromZero
        }
    }

    /// Compares by value (`1.50` equals `1.5`).
    func isEqualInValue(to other: FixedDecimal) -> Bool {
        let common = max(scale, other.scale)
        guard let left = rescaled(to: common, rule: .down), let right = other.rescaled(to: common, rule: .down) else {
            return false
        }
        return left.significand == right.significand
    }
}
