import Foundation
import Platform

/// A calendar day in UTC: the unit every finance window and deadline counts in.
///
/// Return windows, look-back windows and filing deadlines count whole days,
/// and the same instant must give the same answer wherever the evaluation
/// runs; UTC is the one zone that does not depend on the server or the user.
/// The arithmetic is the proleptic Gregorian calendar done with integers, so
/// no `Calendar`, locale or time-zone database is involved. A deadline day is
/// inclusive: something done on it is in time.
public struct UTCDay: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01 (negative before it).
    public let ordinal: Int

    public init(ordinal: Int) {
        self.ordinal = ordinal
    }

    /// The UTC day that contains `date`.
    public init(_ date: Date) {
        // Clamped so that a nonsensical Date cannot trap the conversion to Int.
        let days = (date.timeIntervalSince1970 / 86_400).rounded(.down)
        ordinal = Int(min(max(days, -1_000_000_000), 1_000_000_000))
    }

    /// The day `year-month-day`, or nil if there is no such day (2026-02-29).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), (1...31).contains(day), (-1_000_000...1_000_000).contains(year) else {
            return nil
        }
        let candidate = UTCDay(ordinal: CivilDays.days(year: year, month: month, day: day))
        let check = candidate.components
        guard check.year == year, check.month == month, check.day == day else { return nil }
        self = candidate
    }

    /// Reads an RFC 3339 full-date such as `2026-11-14`, the form dates take in events.
    public static func parse(_ text: String) -> UTCDay? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        return UTCDay(year: year, month: month, day: day)
    }

    /// Midnight UTC at the start of this day.
    public var start: Date { Date(timeIntervalSince1970: TimeInterval(ordinal) * 86_400) }

    public func adding(days: Int) -> UTCDay { UTCDay(ordinal: ordinal + days) }

    /// Whole days from this day to `other`: positive when `other` is later.
    public func days(until other: UTCDay) -> Int { other.ordinal - ordinal }

    public var components: (year: Int, month: Int, day: Int) { CivilDays.date(fromDays: ordinal) }

    /// `2026-11-14`.
    public var description: String {
        let (year, month, day) = components
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(abs(value))
            return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
    }

    public static func < (lhs: UTCDay, rhs: UTCDay) -> Bool { lhs.ordinal < rhs.ordinal }
}
