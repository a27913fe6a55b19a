import Finance
import Foundation

/// A calendar month in UTC (`2026-05`): the period one statement covers.
///
/// Days are `UTCDay`s from Finance, so a month's length, leap years and the
/// instant a month starts are integer calendar arithmetic with no time-zone
/// database: the same usage gives the same statement on every server.
public struct BillingMonth: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    /// 1 to 12.
    public let month: Int
    /// The first day of the month.
    public let firstDay: UTCDay
    /// 28 to 31.
    public let dayCount: Int

    /// - Throws: `invalid_month` for a month outside 1…12 or a year outside 1…9999.
    public init(year: Int, month: Int) throws(BillingError) {
        guard (1...9999).contains(year), (1...12).contains(month), let first = UTCDay(year: year, month: month, day: 1)
        else {
            throw BillingError(.invalidMonth, "a billing month has a year from 1 to 9999 and a month from 1 to 12")
        }
        self.year = year
        self.month = month
        firstDay = first
        let nextYear = month == 12 ? year + 1 : year
        let nextMonth = month == 12 ? 1 : month + 1
        let next = UTCDay(year: nextYear, month: nextMonth, day: 1) ?? first.adding(days: 31)
        dayCount = first.days(until: next)
    }

    /// Reads `YYYY-MM`, the form months take in the API and in statement numbers.
    ///
    /// - Throws: `invalid_month` for anything else.
    public static func parse(_ text: String, field: String? = "month") throws(BillingError) -> BillingMonth {
        let bytes = Array(text.utf8)
        let digits = bytes.enumerated().allSatisfy { index, byte in index == 4 || (48...57).contains(byte) }
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"), digits,
            let year = Int(String(decoding: bytes[0..<4], as: UTF8.self)),
            let month = Int(String(decoding: bytes[5..<7], as: UTF8.self))
        else {
            throw BillingError(.invalidMonth, "'\(text.prefix(20))' is not a month such as 2026-05", field: field)
        }
        do {
            return try BillingMonth(year: year, month: month)
        } catch {
            throw BillingError(error.kind, error.message, field: field)
        }
    }

    /// The month containing `day`.
    public init(containing day: UTCDay) throws(BillingError) {
        let (year, month, _) = day.components
        try self.init(year: year, month: month)
    }

    public var lastDay: UTCDay { firstDay.adding(days: dayCount - 1) }
    /// Every day of the month, in order.
    public var days: [UTCDay] { (0..<dayCount).map { firstDay.adding(days: $0) } }
    /// Midnight UTC at the start of the month.
    public var start: Date { firstDay.start }
    /// Midnight UTC at the start of the next month: the month is `start ..< end`.
    public var end: Date { firstDay.adding(days: dayCount).start }

    public func contains(_ day: UTCDay) -> Bool { day >= firstDay && day <= lastDay }

    public var next: BillingMonth {
        (try? BillingMonth(year: month == 12 ? year + 1 : year, month: month == 12 ? 1 : month + 1)) ?? self
    }

    /// `2026-05`.
    public var description: String {
        let yearText = String(year)
        let monthText = String(month)
        return String(repeating: "0", count: 4 - yearText.count) + yearText + "-" + (month < 10 ? "0" : "") + monthText
    }

    public static func < (lhs: BillingMonth, rhs: BillingMonth) -> Bool {
        (lhs.year, lhs.month) < (rhs.year, rhs.month)
    }
}
