import Foundation
import Platform

/// `timestamptz` text form. Connections run with `TimeZone=UTC` and
/// `DateStyle=ISO`, so the server writes `2026-11-26 23:06:12.123456+00`;
/// the parser also accepts other offsets (`+05:30`) in case a session changes it.
enum PostgresTimestamp {
    static func format(_ date: Date) -> String {
        var micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        if !micros.isFinite { micros = 0 }
        let totalMicros = Int64(micros)
        let seconds = totalMicros >= 0 ? totalMicros / 1_000_000 : (totalMicros - 999_999) / 1_000_000
        let fraction = totalMicros - seconds * 1_000_000
        var time = tm()
        var t = time_t(seconds)
        gmtime_r(&t, &time)
        let year = Int(time.tm_year) + 1900
        guard (0...9999).contains(year) else {
            return String(
                format: "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00", year, Int(time.tm_mon) + 1, Int(time.tm_mday),
                Int(time.tm_hour), Int(time.tm_min), Int(time.tm_sec), fraction)
        }
        // Written digit by digit: `String(format:)` cost more than the rest of binding an ingest batch.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(29)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(48 + rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(year, 4)
        bytes.append(0x2D)
        digits(Int(time.tm_mon) + 1, 2)
        bytes.append(0x2D)
        digits(Int(time.tm_mday), 2)
        bytes.append(0x20)
        digits(Int(time.tm_hour), 2)
        bytes.append(0x3A)
        digits(Int(time.tm_min), 2)
        bytes.append(0x3A)
        digits(Int(time.tm_sec), 2)
        bytes.append(0x2E)
        digits(Int(fraction), 6)
        bytes.append(contentsOf: [0x2B, 0x30, 0x30])
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses `YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM[:SS]]]`; nil when malformed.
    /// Without an offset (a `timestamp` column) the value is taken as UTC.
    static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= b.count else { return nil }
            var value = 0
            for k in 0..<digits {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            i += digits
            return value
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2) else {
            return nil
        }
        var hour = 0, minute = 0, second = 0, micros = 0
        if i < b.count && (b[i] == 32 || b[i] == 84) {
            i += 1
            guard let h = number(2), expect(58), let m = number(2), expect(58), let s = number(2) else { return nil }
            hour = h
            minute = m
            second = s
            if i < b.count && b[i] == 46 {
                i += 1
                var digits = 0
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    if digits < 6 { micros = micros * 10 + Int(b[i] - 48) }
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { return nil }
                for _ in digits..<6 where digits < 6 { micros *= 10 }
            }
        }
        var offsetSeconds = 0
        if i < b.count {
            let sign: Int
            switch b[i] {
            case 43: sign = 1
            case 45: sign = -1
            case 90: sign = 0
            default: return nil
            }
            i += 1
            if sign != 0 {
                guard let oh = number(2) else { return nil }
                var om = 0, os = 0
                if expect(58) { guard let m = number(2) else { return nil }; om = m }
                if expect(58) { guard let s = number(2) else { return nil }; os = s }
                offsetSeconds = sign * (oh * 3600 + om * 60 + os)
            }
        }
        guard i == b.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        let days = CivilDays.days(year: year, month: month, day: day)
        let epochSeconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(epochSeconds) + Double(micros) / 1_000_000)
    }
}

/// One-dimensional array literals (`{a,"b c",NULL}`), the text form in which `text[]` columns come back
/// (binds go in binary: ``PostgresBinaryArray``).
enum PostgresArrayLiteral {
    /// Elements of a one-dimensional array; `nil` elements are SQL NULLs.
    /// Returns nil when the text is not a well-formed one-dimensional literal.
    static func parse(_ text: String) -> [String?]? {
        let b = Array(text.utf8)
        guard b.count >= 2, b.first == 123, b.last == 125 else { return nil }
        var result: [String?] = []
        var i = 1
        let end = b.count - 1
        if i == end { return [] }
        while i <= end {
            var element: [UInt8] = []
            var quoted = false
            if b[i] == 34 {
                quoted = true
                i += 1
                while i < end && b[i] != 34 {
                    if b[i] == 92 { i += 1; guard i < end else { return nil } }
                    element.append(b[i])
                    i += 1
                }
                guard i < end else { return nil }
                i += 1
            } else {
                while i < end && b[i] != 44 {
                    if b[i] == 123 || b[i] == 34 { return nil }
                    element.append(b[i])
                    i += 1
                }
            }
            let string = String(decoding: element, as: UTF8.self)
            result.append(!quoted && string == "NULL" ? nil : string)
            if i == end { break }
            guard b[i] == 44 else { return nil }
            i += 1
            if i == end { return nil }
        }
        return result
    }
}

/// The hex text form of `bytea` (`\x0a1b…`), the server default since 9.0.
enum PostgresByteaText {
    static func parse(_ text: String) -> [UInt8]? {
        let b = Array(text.utf8)
        guard b.count >= 2, b[0] == 92, b[1] == 120, b.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity((b.count - 2) / 2)
        var i = 2
        while i < b.count {
            guard let hi = nibble(b[i]), let lo = nibble(b[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
}
