import Foundation

/// Reads X12 data element types (R, N0/N2, DT, TM) into the canonical text forms events use.
///
/// Canonical events carry decimals as strings, so values stay text: an R
/// element `0.1240` keeps its digits, only a leading `+`-free sign and
/// redundant leading zeros are normalised (`.5` → `0.5`, `007` → `7`).
enum ElementValues {
    /// An R (decimal) element as canonical decimal text, or nil if it is not one. Exponents are refused.
    static func decimal(_ text: String) -> String? {
        var bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 40 else { return nil }
        let negative = bytes[0] == UInt8(ascii: "-")
        if negative { bytes.removeFirst() }
        var integer: [UInt8] = []
        var fraction: [UInt8] = []
        var seenPoint = false
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard !seenPoint else { return nil }
                seenPoint = true
            } else if ByteClass.isDigit(byte) {
                if seenPoint { fraction.append(byte) } else { integer.append(byte) }
            } else {
                return nil
            }
        }
        guard !integer.isEmpty || !fraction.isEmpty else { return nil }
        while integer.count > 1, integer.first == UInt8(ascii: "0") { integer.removeFirst() }
        if integer.isEmpty { integer = [UInt8(ascii: "0")] }
        var result = String(decoding: integer, as: UTF8.self)
        if !fraction.isEmpty { result += "." + String(decoding: fraction, as: UTF8.self) }
        let isZero = (integer + fraction).allSatisfy { $0 == UInt8(ascii: "0") }
        return negative && !isZero ? "-" + result : result
    }

    /// An R element of `segment`, required.
    static func decimal(_ segment: Segment, _ index: Int, _ name: String) throws(X12Error) -> String {
        let text = try segment.required(index, name)
        guard let value = decimal(text) else {
            throw segment.error(
                .invalidElement, "\(name) must be a decimal number, found '\(text.prefix(20))'", element: index)
        }
        return value
    }

    /// An N2 element (two implied decimals, `24900` = 249.00) as an exact decimal.
    static func impliedCents(_ segment: Segment, _ index: Int, _ name: String) throws(X12Error) -> Int64 {
        let text = try segment.required(index, name)
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.count <= 17, digits.utf8.allSatisfy(ByteClass.isDigit),
            let value = Int64(digits)
        else {
            throw segment.error(
                .invalidElement, "\(name) must be a whole number of cents (N2), found '\(text.prefix(20))'",
                element: index)
        }
        return negative ? -value : value
    }

    /// A CCYYMMDD date element as `YYYY-MM-DD`.
    static func date(_ segment: Segment, _ index: Int, _ name: String) throws(X12Error) -> String {
        let text = try segment.required(index, name)
        guard let value = isoDate(text) else {
            throw segment.error(
                .invalidDate, "\(name) must be a date CCYYMMDD, found '\(text.prefix(20))'", element: index)
        }
        return value
    }

    static func isoDate(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count == 8, bytes.allSatisfy(ByteClass.isDigit) else { return nil }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(bytes[$1] - 0x30) } }
        let year = number(0..<4)
        let month = number(4..<6)
        let day = number(6..<8)
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        return "\(text.prefix(4))-\(text.dropFirst(4).prefix(2))-\(text.suffix(2))"
    }

    /// An HHMM[SS[d..]] time element as `HH:MM:SS` (fractions dropped).
    static func time(_ segment: Segment, _ index: Int, _ name: String) throws(X12Error) -> String {
        let text = try segment.required(index, name)
        guard let value = isoTime(text) else {
            throw segment.error(
                .invalidTime, "\(name) must be a time HHMM or HHMMSS, found '\(text.prefix(20))'", element: index)
        }
        return value
    }

    static func isoTime(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard (4...8).contains(bytes.count), bytes.count != 5, bytes.allSatisfy(ByteClass.isDigit) else { return nil }
        func number(_ at: Int) -> Int { Int(bytes[at] - 0x30) * 10 + Int(bytes[at + 1] - 0x30) }
        let hour = number(0)
        let minute = number(2)
        let second = bytes.count >= 6 ? number(4) : 0
        guard hour <= 23, minute <= 59, second <= 59 else { return nil }
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(hour)):\(two(minute)):\(two(second))"
    }

    /// A positive line number (the canonical `line_number`: 1...999999), or nil.
    static func lineNumber(_ text: String) -> Int? {
        guard ByteClass.allDigits(text), text.utf8.count <= 6, let value = Int(text), value >= 1 else { return nil }
        return value
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
