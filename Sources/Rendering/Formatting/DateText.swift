import Foundation

/// Dates and times in one time zone, in a fixed, locale-independent form.
///
/// `2025-03-14` and `2025-03-14 09:05 +01:00`: ISO-like ordering nobody
/// misreads as month-first or day-first, and the UTC offset rather than an
/// abbreviation (CST is three different zones). Uses the Gregorian calendar
/// regardless of the server's locale.
public struct DateText: Sendable {
    public let timeZone: TimeZone
    private let calendar: Calendar

    /// - Throws: `format_invalid_time_zone` unless `identifier` is an IANA zone such as `Europe/Berlin`.
    public init(timeZoneIdentifier identifier: String) throws(FormatError) {
        guard let zone = TimeZone(identifier: identifier) else {
            throw FormatError(.invalidTimeZone, "'\(identifier)' is not an IANA time zone such as Europe/Berlin")
        }
        self.init(timeZone: zone)
    }

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// `2025-03-14`
    public func date(_ instant: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return "\(pad(parts.year ?? 0, 4))-\(pad(parts.month ?? 0, 2))-\(pad(parts.day ?? 0, 2))"
    }

    /// `2025-03-14 09:05 +01:00`
    public func dateTime(_ instant: Date) -> String {
        let parts = calendar.dateComponents([.hour, .minute], from: instant)
        return "\(date(instant)) \(pad(parts.hour ?? 0, 2)):\(pad(parts.minute ?? 0, 2)) \(offset(at: instant))"
    }

    /// `+01:00`, or `+00:00` for UTC.
    public func offset(at instant: Date) -> String {
        let seconds = timeZone.secondsFromGMT(for: instant)
        let minutes = abs(seconds) / 60
        return "\(seconds < 0 ? "-" : "+")\(pad(minutes / 60, 2)):\(pad(minutes % 60, 2))"
    }

    /// A `<time>` element whose `datetime` is the exact UTC instant and whose text is `dateTime(_:)`.
    public func timeElement(_ instant: Date) -> TrustedHTML {
        let utc = DateText(timeZone: TimeZone(secondsFromGMT: 0) ?? timeZone)
        let parts = utc.calendar.dateComponents([.hour, .minute, .second], from: instant)
        let machine =
            "\(utc.date(instant))T\(pad(parts.hour ?? 0, 2)):\(pad(parts.minute ?? 0, 2)):\(pad(parts.second ?? 0, 2))Z"
        return TrustedHTML(unchecked: "<time datetime=\"\(machine)\">\(HTMLEscaper.escape(dateTime(instant)))</time>")
    }

    private func pad(_ number: Int, _ width: Int) -> String {
        let digits = String(number)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
