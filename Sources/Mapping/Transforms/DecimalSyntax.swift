/// How a source system writes decimal numbers in text: `1.234,56` (decimal
/// comma, dot grouping), `1,234.56`, `1 234,56`, or SAP's trailing minus `12,50-`.
///
/// Grouping is checked strictly (groups of three after the first) so that text
/// written with the other convention fails instead of being misread: `1,5`
/// read with `.` as the decimal separator and `,` grouping is an error, not 15.
struct DecimalSyntax: Sendable, Equatable {
    var decimalSeparator: Unicode.Scalar = "."
    var groupingSeparator: Unicode.Scalar?

    static let standard = DecimalSyntax()

    /// Parses `text`; the failure is a reason that can be shown to the partner.
    func parse(_ text: String) -> Result<FixedDecimal, DecimalSyntaxError> {
        var scalars = Substring(text).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        var negative = false
        if scalars.first == "-" || scalars.first == "+" {
            negative = scalars.first == "-"
            scalars.removeFirst()
        } else if scalars.last == "-" {
            negative = true
            scalars.removeLast()
        }
        var significand: Int128 = 0
        var digits = 0
        var integerDigits = 0
        var scale = 0
        var inFraction = false
        var groupLength = -1  // -1: no grouping separator seen yet
        var firstGroupLength = 0
        var lastWasGrouping = false
        for scalar in scalars {
            if let digit = Self.digit(scalar) {
                if significand != 0 || digit != 0 { digits += 1 }
                guard digits <= FixedDecimal.maxDigits else {
                    return .failure(DecimalSyntaxError("has more than \(FixedDecimal.maxDigits) digits"))
                }
                significand = significand * 10 + Int128(digit)
                if inFraction {
                    scale += 1
                    guard scale <= FixedDecimal.maxScale else {
                        return .failure(DecimalSyntaxError("has more than \(FixedDecimal.maxScale) fraction digits"))
                    }
                } else {
                    integerDigits += 1
                    if groupLength >= 0 { groupLength += 1 } else { firstGroupLength += 1 }
                }
                lastWasGrouping = false
            } else if scalar == decimalSeparator, !inFraction {
                guard !lastWasGrouping, groupLength == -1 || groupLength == 3 else {
                    return .failure(DecimalSyntaxError("has digit groups that are not of three"))
                }
                inFraction = true
            } else if let grouping = groupingSeparator, scalar == grouping, !inFraction {
                guard integerDigits > 0, !lastWasGrouping else {
                    return .failure(DecimalSyntaxError("has a misplaced grouping separator"))
                }
                if groupLength == -1 {
                    guard firstGroupLength <= 3 else {
                        return .failure(DecimalSyntaxError("has digit groups that are not of three"))
                    }
                } else if groupLength != 3 {
                    return .failure(DecimalSyntaxError("has digit groups that are not of three"))
                }
                groupLength = 0
                lastWasGrouping = true
            } else {
                return .failure(DecimalSyntaxError(unexpected: scalar, syntax: self))
            }
        }
        guard integerDigits > 0 || scale > 0 else { return .failure(DecimalSyntaxError("has no digits")) }
        guard !lastWasGrouping, !inFraction || scale > 0 else {
            return .failure(DecimalSyntaxError("ends with a separator"))
        }
        if groupLength != -1, !inFraction, groupLength != 3 {
            return .failure(DecimalSyntaxError("has digit groups that are not of three"))
        }
        return .success(FixedDecimal(significand: negative ? -significand : significand, scale: scale))
    }

    /// A JSON number's text (`12.5`, `-3`, `1.2e3`) as an exact decimal.
    static func parseJSONNumber(_ text: String) -> FixedDecimal? {
        var significand: Int128 = 0
        var digits = 0
        var scale = 0
        var negative = false
        var inFraction = false
        var exponent = 0
        var bytes = text.utf8[...]
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes.removeFirst()
        }
        while let byte = bytes.first {
            bytes.removeFirst()
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                if significand != 0 || byte != UInt8(ascii: "0") { digits += 1 }
                guard digits <= FixedDecimal.maxDigits else { return nil }
                significand = significand * 10 + Int128(byte - UInt8(ascii: "0"))
                if inFraction { scale += 1 }
            } else if byte == UInt8(ascii: "."), !inFraction {
                inFraction = true
            } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                guard let value = Int(String(decoding: bytes, as: UTF8.self)), abs(value) <= 40 else { return nil }
                exponent = value
                break
            } else {
                return nil
            }
        }
        scale -= exponent
        if scale < 0 {
            guard let factor = FixedDecimal.power(-scale) else { return nil }
            let (product, overflow) = significand.multipliedReportingOverflow(by: factor)
            guard !overflow, product.magnitude < (FixedDecimal.power(FixedDecimal.maxDigits) ?? 0).magnitude else {
                return nil
            }
            significand = product
            scale = 0
        }
        guard scale <= FixedDecimal.maxScale else { return nil }
        return FixedDecimal(significand: negative ? -significand : significand, scale: scale)
    }

    private static func digit(_ scalar: Unicode.Scalar) -> Int? {
        scalar.value >= 0x30 && scalar.value <= 0x39 ? Int(scalar.value - 0x30) : nil
    }
}

struct DecimalSyntaxError: Error, Sendable {
    let reason: String

    init(_ reason: String) { self.reason = reason }

    init(unexpected scalar: Unicode.Scalar, syntax: DecimalSyntax) {
        var reason = "has an unexpected character \(Self.show(scalar))"
        if scalar == "." || scalar == "," || scalar == " " {
            let grouping = syntax.groupingSeparator.map { "\(Self.show($0)) grouping" } ?? "no grouping"
            reason += " (expected \(Self.show(syntax.decimalSeparator)) decimal separator, \(grouping))"
        }
        self.reason = reason
    }

    static func show(_ scalar: Unicode.Scalar) -> String {
        scalar.properties.isWhitespace || scalar.value < 0x20
            ? "U+\(String(scalar.value, radix: 16, uppercase: true))" : "'\(scalar)'"
    }
}
