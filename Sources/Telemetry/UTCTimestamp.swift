import Foundation
import Platform

/// RFC 3339 UTC timestamps with milliseconds (`2026-11-27T10:48:37.123Z`),
/// the form of log lines and API responses, written without Foundation's
/// formatter, which showed on the ingest path (a log line and a response
/// body per request).
///
/// The text is exactly what `Date.ISO8601FormatStyle(includingFractionalSeconds: true)`
/// writes in GMT: fractions are truncated, not rounded. Dates outside
/// 1970–2199 go to that formatter itself, which differs from arithmetic on
/// the proleptic calendar before 1582.
public enum UTCTimestamp {
    private static let fallback = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
    /// 2200-01-01T00:00:00Z in Unix seconds.
    private static let fastRangeEnd: Double = 7_258_118_400
    /// 2001-01-01T00:00:00Z in Unix seconds.
    private static let referenceDateOffset = 978_307_200

    public static func milliseconds(_ date: Date) -> String {
        let unix = date.timeIntervalSince1970
        guard unix >= 0, unix < fastRangeEnd else { return date.formatted(fallback) }
        // Split as Foundation does, from the reference date, so the truncated
        // milliseconds agree with its formatter to the last digit.
        let reference = date.timeIntervalSinceReferenceDate
        let wholeSeconds = reference.rounded(.down)
        let nanoseconds = Int(((reference - wholeSeconds) * 1e9).rounded(.down))
        let seconds = Int(wholeSeconds) + referenceDateOffset
        let days = seconds / 86_400
        let secondOfDay = seconds % 86_400
        let (year, month, day) = CivilDays.date(fromDays: days)
        return String(unsafeUninitializedCapacity: 24) { buffer in
            func put(_ value: Int, width: Int, at offset: Int) {
                var rest = value
                for position in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[position] = UInt8(48 + rest % 10)
                    rest /= 10
                }
            }
            put(year, width: 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            put(month, width: 2, at: 5)
            buffer[7] = UInt8(ascii: "-")
            put(day, width: 2, at: 8)
            buffer[10] = UInt8(ascii: "T")
            put(secondOfDay / 3600, width: 2, at: 11)
            buffer[13] = UInt8(ascii: ":")
            put(secondOfDay / 60 % 60, width: 2, at: 14)
            buffer[16] = UInt8(ascii: ":")
            put(secondOfDay % 60, width: 2, at: 17)
            buffer[19] = UInt8(ascii: ".")
            put(nanoseconds / 1_000_000, width: 3, at: 20)
            buffer[23] = UInt8(ascii: "Z")
            return 24
        }
    }
}
