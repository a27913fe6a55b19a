import Finance
import Foundation
import Platform

/// A value an expression reads from its environment or computes.
///
/// Numbers are exact `Decimal`s and amounts are ``Finance/Money``: nothing
/// here is ever a binary floating-point number.
public enum Value: Sendable, Hashable, CustomStringConvertible {
    case decimal(Decimal)
    case money(Money)
    case string(String)
    case bool(Bool)
    case date(CalendarDate)
    case null
    case list([Value])
    case object([String: Value])

    /// How a message names the kind of value, never the value itself: data may
    /// be confidential, and messages reach template authors.
    public var spoken: String {
        switch self {
        case .decimal: "a number"
        case .money: "money"
        case .string: "a string"
        case .bool: "true or false"
        case .date: "a date"
        case .null: "null"
        case .list: "a list"
        case .object: "an object"
        }
    }

    /// Expression-like text: `12.5`, `USD 249.00`, `"text"`, `[1, 2]`.
    public var description: String {
        switch self {
        case .decimal(let value): DecimalText.text(value)
        case .money(let money): money.description
        case .string(let text): Self.quoted(text)
        case .bool(let value): value ? "true" : "false"
        case .date(let date): "date(\"\(date)\")"
        case .null: "null"
        case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .object(let fields):
            "{"
                + fields.sorted { $0.key < $1.key }.map { "\(Self.quoted($0.key)): \($0.value)" }
                .joined(separator: ", ") + "}"
        }
    }

    /// A string literal that parses back to `text`.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}

/// A day in the proleptic Gregorian calendar, years 0001 to 9999.
///
/// Dates arrive as RFC 3339 text. A date-time is validated whole and then
/// reduced to the date it names in its own offset: an invoice stamped
/// `2024-03-31T23:30:00-05:00` is dated March 31, as its issuer wrote it, not
/// April 1 as it would be in UTC.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Nil unless the date exists (no February 30).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= Self.daysIn(month: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// `2024-01-31`, or an RFC 3339 date-time such as `2024-01-31T10:00:00Z`
    /// or `2024-01-31T10:00:00.5+01:00`.
    public init?(rfc3339 text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10 || bytes.count >= 20, bytes.count <= 40 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard index < bytes.count, (48...57).contains(bytes[index]) else { return nil }
                value = value * 10 + Int(bytes[index] - 48)
            }
            return value
        }
        func byte(_ index: Int, _ scalar: Unicode.Scalar) -> Bool {
            index < bytes.count && bytes[index] == UInt8(ascii: scalar)
        }
        guard let year = number(0..<4), byte(4, "-"), let month = number(5..<7), byte(7, "-"),
            let day = number(8..<10)
        else { return nil }
        if bytes.count > 10 {
            guard byte(10, "T") || byte(10, "t"), let hour = number(11..<13), byte(13, ":"),
                let minute = number(14..<16), byte(16, ":"), let second = number(17..<19),
                hour < 24, minute < 60, second <= 60
            else { return nil }
            var index = 19
            if byte(index, ".") {
                index += 1
                let digits = index
                while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
                guard index > digits else { return nil }
            }
            if byte(index, "Z") || byte(index, "z") {
                index += 1
            } else {
                guard byte(index, "+") || byte(index, "-"), let offsetHours = number(index + 1..<index + 3),
                    byte(index + 3, ":"), let offsetMinutes = number(index + 4..<index + 6),
                    offsetHours < 24, offsetMinutes < 60
                else { return nil }
                index += 6
            }
            guard index == bytes.count else { return nil }
        }
        self.init(year: year, month: month, day: day)
    }

    /// Days since 1970-01-01 (negative before), by the civil-from-days
    /// algorithm: exact integer arithmetic, no time zones involved.
    public var daysSinceEpoch: Int { CivilDays.days(year: year, month: month, day: day) }

    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: Swift.max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
