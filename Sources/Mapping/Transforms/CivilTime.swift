import Foundation
import Platform

/// Calendar arithmetic on the proleptic Gregorian calendar, without Foundation's
/// `Calendar` (whose results depend on the process locale and settings).
///
/// Time zones are the one thing taken from Foundation: `TimeZone` only
/// answers UTC offsets from the system's IANA database, which is locale-free.
struct CivilTime: Sendable, Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour = 0
    var minute = 0
    var second = 0
    var nanosecond = 0

    static func isLeapYear(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    var isValid: Bool {
        (1...9999).contains(year) && (1...12).contains(month) && day >= 1
            && day <= Self.daysInMonth(year: year, month: month) && (0...23).contains(hour) && (0...59).contains(minute)
            && (0...59).contains(second)
    }

    /// Seconds since the epoch if this wall-clock time were UTC.
    var secondsAsUTC: Int {
        CivilDays.days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, nanosecond: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.nanosecond = nanosecond
    }

    /// The wall-clock time `seconds` after the epoch in UTC.
    init(secondsSinceEpoch seconds: Int, nanosecond: Int = 0) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let date = CivilDays.date(fromDays: days)
        self.init(
            year: date.year, month: date.month, day: date.day, hour: rest / 3600, minute: rest % 3600 / 60,
            second: rest % 60, nanosecond: nanosecond)
    }

    /// The UTC instant (epoch seconds) of this wall-clock time in `zone`.
    ///
    /// In the hour a DST change repeats, the earlier instant is taken (the
    /// offset before the change); a time the change skips does not exist and
    /// gives nil, rather than being silently moved.
    func secondsSinceEpoch(in zone: TimeZone) -> Int? {
        let local = secondsAsUTC
        var best: Int?
        // Offsets a day either side cover both sides of any transition near this time.
        for probe in [local - 86_400, local, local + 86_400] {
            let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(probe)))
            let candidate = local - offset
            guard zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(candidate))) == offset else {
                continue
            }
            best = min(best ?? candidate, candidate)
        }
        return best
    }

    /// `YYYY-MM-DD`.
    var dateText: String {
        Self.pad(year, 4) + "-" + Self.pad(month, 2) + "-" + Self.pad(day, 2)
    }

    /// RFC 3339 in UTC: `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, the fraction without trailing zeros.
    var utcDateTimeText: String {
        var text = dateText + "T" + Self.pad(hour, 2) + ":" + Self.pad(minute, 2) + ":" + Self.pad(second, 2)
        if nanosecond > 0 {
            var fraction = Self.pad(nanosecond, 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
