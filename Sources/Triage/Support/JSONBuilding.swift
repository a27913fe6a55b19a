import Events
import Foundation
import Finance

/// Small constructors for the JSON the module writes, so records are built the same way everywhere.
///
/// Numbers are written as fixed-point text rather than through `Double.description`, which
/// would print `1e-05` or drift between platforms: records must be byte-stable.
extension JSONValue {
    static func integer<T: BinaryInteger>(_ value: T) -> JSONValue { .number(String(value)) }

    /// `value` with exactly `places` decimals, rounded half away from zero; NaN and infinities become 0.
    static func fixed(_ value: Double, places: Int = 3) -> JSONValue { .number(FixedPoint.text(value, places: places)) }

    static func money(_ money: Money) -> JSONValue {
        .object(["minor_units": .integer(money.minorUnits), "currency": .string(money.currency.code)])
    }

    static func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }

    static func timestamp(_ date: Date) -> JSONValue { .string(Timestamp.text(date)) }
}

/// Fixed-point text for ratios and scores.
enum FixedPoint {
    static func text(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return places > 0 ? "0." + String(repeating: "0", count: places) : "0" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (value.magnitude * scale).rounded(.toNearestOrAwayFromZero)
        // Values beyond what an Int holds are not ratios or scores; clamp rather than trap.
        let units = scaled < 9e15 ? Int(scaled) : 9_000_000_000_000_000
        let divisor = Int(scale)
        let whole = units / divisor
        let sign = value < 0 && units != 0 ? "-" : ""
        guard places > 0 else { return sign + String(whole) }
        let fraction = String(units % divisor)
        return sign + String(whole) + "." + String(repeating: "0", count: places - fraction.count) + fraction
    }
}

/// RFC 3339 UTC timestamps with whole seconds: `2026-03-01T09:30:00Z`.
enum Timestamp {
    static func text(_ date: Date) -> String {
        let day = UTCDay(date)
        let seconds = Int((date.timeIntervalSince1970 - day.start.timeIntervalSince1970).rounded(.down))
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(day)T\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))Z"
    }

    /// Reads `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ` (fractional seconds and offsets are not accepted:
    /// facts are machine-written, and one spelling keeps them comparable).
    static func parse(_ text: String) -> Date? {
        if let day = UTCDay.parse(text) { return day.start }
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"),
            bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "Z"),
            let day = UTCDay.parse(String(decoding: bytes[0..<10], as: UTF8.self))
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            hour < 24, minute < 60, second < 60
        else { return nil }
        return day.start.addingTimeInterval(TimeInterval(hour * 3600 + minute * 60 + second))
    }
}
