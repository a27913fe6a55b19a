import Finance
import Foundation

/// Decimal arithmetic that reports instead of trapping.
///
/// Foundation's `Decimal` operators trap when a product underflows
/// (`1e-100 * 1e-100` is an illegal instruction in swift-foundation) and
/// return NaN on overflow, which then compares as less than everything.
/// Expressions therefore keep every number inside a fixed envelope — less
/// than 10^32 in magnitude and at most 28 decimals — where no operation can
/// reach the exponent limits, and check each result against it.
enum DecimalMath {
    /// Decimals kept after each operation; a division such as 1/3 is rounded
    /// here (half-even), far below any currency's minor unit.
    static let scale = 28
    /// Exclusive bound on magnitude: 10^32.
    static let bound = Decimal(sign: .plus, exponent: 32, significand: 1)

    enum Failure: Error {
        case outOfRange
        case divisionByZero
    }

    /// `value` brought into the envelope, or `outOfRange` for NaN or a
    /// magnitude of 10^32 or more.
    static func admit(_ value: Decimal) throws(Failure) -> Decimal {
        guard !value.isNaN, value.magnitude < bound else { throw .outOfRange }
        // Rounding only reaches values with more than 28 decimals, which only
        // arrive from data built outside expressions.
        guard value.exponent < -scale else { return value }
        return DecimalText.round(value, scale: scale, rule: .halfEven)
    }

    static func add(_ a: Decimal, _ b: Decimal) throws(Failure) -> Decimal {
        try apply(a, b, NSDecimalAdd)
    }

    static func subtract(_ a: Decimal, _ b: Decimal) throws(Failure) -> Decimal {
        try apply(a, b, NSDecimalSubtract)
    }

    static func multiply(_ a: Decimal, _ b: Decimal) throws(Failure) -> Decimal {
        try apply(a, b, NSDecimalMultiply)
    }

    static func divide(_ a: Decimal, _ b: Decimal) throws(Failure) -> Decimal {
        guard !(try admit(b)).isZero else { throw .divisionByZero }
        return try apply(a, b, NSDecimalDivide)
    }

    /// The exact product of two admitted values (up to Decimal's 38 digits),
    /// not rounded to `scale`: money rounds it once, to its minor unit.
    static func rawProduct(_ a: Decimal, _ b: Decimal) throws(Failure) -> Decimal {
        try raw(a, b, NSDecimalMultiply)
    }

    /// The quotient to Decimal's 38 digits, for money to round once.
    static func rawQuotient(_ a: Decimal, _ b: Decimal) throws(Failure) -> Decimal {
        guard !(try admit(b)).isZero else { throw .divisionByZero }
        return try raw(a, b, NSDecimalDivide)
    }

    static func negate(_ a: Decimal) throws(Failure) -> Decimal {
        try admit(-(try admit(a)))
    }

    private typealias Operation = (
        UnsafeMutablePointer<Decimal>, UnsafePointer<Decimal>, UnsafePointer<Decimal>, NSDecimalNumber.RoundingMode
    ) -> NSDecimalNumber.CalculationError

    private static func raw(_ a: Decimal, _ b: Decimal, _ operation: Operation) throws(Failure) -> Decimal {
        var left = try admit(a)
        var right = try admit(b)
        var result = Decimal()
        let status = operation(&result, &left, &right, .bankers)
        guard status == .noError || status == .lossOfPrecision, !result.isNaN else { throw .outOfRange }
        return result
    }

    private static func apply(_ a: Decimal, _ b: Decimal, _ operation: Operation) throws(Failure) -> Decimal {
        try admit(try raw(a, b, operation))
    }
}
