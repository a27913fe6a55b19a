import Foundation
import Platform

/// RFC 3339 `date-time` and `full-date` checking and conversion.
///
/// Hand-written rather than `ISO8601DateFormatter` because the formatter accepts
/// forms RFC 3339 forbids (and varies by platform), and isn't safe to share
/// across threads on every Foundation; this is pure and exact.
enum RFC3339 {
    struct Parts {
        var year: Int, month: Int, day: Int
        var hour = 0, minute = 0, second = 0
        var nanoseconds = 0
        var offsetSeconds = 0
    }

    /// `YYYY-MM-DD` with a day that exists in that month.
    static func parseDate(_ text: String) -> Parts? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10 else { return nil }
        return parseDate(bytes, at: 0)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)`; `T` and `Z` may be lower case.
    static func parseDateTime(_ text: String) -> Parts? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, var parts = parseDate(bytes, at: 0) else { return nil }
        guard bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") else { return nil }
        guard let hour = number(bytes, 11, 2), bytes[13] == UInt8(ascii: ":"), let minute = number(bytes, 14, 2),
            bytes[16] == UInt8(ascii: ":"), let second = number(bytes, 17, 2)
        else { return nil }
        guard hour <= 23, minute <= 59, second <= 60 else { return nil }
        parts.hour = hour
        parts.minute = minute
        parts.second = second
        var index = 19
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            var nanos = 0
            while index < bytes.count, let digit = digitValue(bytes[index]) {
                if index - start < 9 { nanos = nanos * 10 + digit }
                index += 1
            }
            guard index > start else { return nil }
            for _ in min(index - start, 9)..<9 { nanos *= 10 }
            parts.nanoseconds = nanos
        }
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, let offsetHour = number(bytes, index + 1, 2),
                bytes[index + 3] == UInt8(ascii: ":"), let offsetMinute = number(bytes, index + 4, 2),
                offsetHour <= 23, offsetMinute <= 59
            else { return nil }
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            parts.offsetSeconds = sign * (offsetHour * 3600 + offsetMinute * 60)
        default:
            return nil
        }
        return parts
    }

    /// The instant a valid RFC 3339 date-time names (a leap second counts as the next second).
    static func date(from text: String) -> Date? {
        guard let parts = parseDateTime(text) else { return nil }
        let days = CivilDays.days(year: parts.year, month: parts.month, day: parts.day)
        let seconds = days * 86_400 + parts.hour * 3600 + parts.minute * 60 + parts.second - parts.offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + Double(parts.nanoseconds) / 1_000_000_000)
    }

    private static func parseDate(_ bytes: [UInt8], at start: Int) -> Parts? {
        guard let year = number(bytes, start, 4), bytes[start + 4] == UInt8(ascii: "-"),
            let month = number(bytes, start + 5, 2), bytes[start + 7] == UInt8(ascii: "-"),
            let day = number(bytes, start + 8, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month) else { return nil }
        return Parts(year: year, month: month, day: day)
    }

    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= bytes.count else { return nil }
        var value = 0
        for index in start..<start + count {
            guard let digit = digitValue(bytes[index]) else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    private static func digitValue(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
