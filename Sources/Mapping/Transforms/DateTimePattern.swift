/// A date/time input format, compiled once: `dd.MM.yyyy`, `yyyy-MM-dd HH:mm`,
/// `MM/dd/yyyy hh:mm a`, `d MMM yyyy`, or one of the presets `rfc3339`,
/// `unix` (seconds) and `unix_ms`.
///
/// Letters are fields (the Unicode LDML names most partners know); month and
/// AM/PM names are English only, on purpose: a mapping must read the same on
/// every server whatever its locale. Parsing is exact: every character of the
/// input must be consumed, and the date must exist.
struct DateTimePattern: Sendable, Equatable {
    enum Token: Sendable, Equatable {
        case year4, year2
        case month(minDigits: Int), monthAbbreviation, monthName
        case day(minDigits: Int)
        case hour24(minDigits: Int), hour12(minDigits: Int)
        case minute, second
        case fraction(digits: Int)
        case amPm
        /// `X` ±HH, `XX` ±HHMM, `XXX` ±HH:MM; each also accepts `Z`.
        case offset(style: Int)
        case literal([UInt8])
    }

    enum Kind: Sendable, Equatable {
        case tokens([Token])
        case rfc3339
        case unixSeconds
        case unixMilliseconds
    }

    let kind: Kind
    let source: String

    /// Whether the input names an instant by itself (offset or epoch), so no time zone is needed to place it.
    var carriesOffset: Bool {
        switch kind {
        case .rfc3339, .unixSeconds, .unixMilliseconds: true
        case .tokens(let tokens): tokens.contains { if case .offset = $0 { true } else { false } }
        }
    }

    var hasTime: Bool {
        switch kind {
        case .rfc3339, .unixSeconds, .unixMilliseconds: true
        case .tokens(let tokens):
            tokens.contains {
                switch $0 {
                case .hour24, .hour12: true
                default: false
                }
            }
        }
    }

    static let monthNames = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december",
    ]

    /// Compiles `format`; `needsTime` requires hour and minute fields (for `datetime`).
    static func compile(_ format: String, needsTime: Bool) -> Result<DateTimePattern, SyntaxProblem> {
        switch format {
        case "rfc3339": return .success(DateTimePattern(kind: .rfc3339, source: format))
        case "unix": return .success(DateTimePattern(kind: .unixSeconds, source: format))
        case "unix_ms": return .success(DateTimePattern(kind: .unixMilliseconds, source: format))
        default: break
        }
        let scalars = Array(format.unicodeScalars)
        guard !scalars.isEmpty, scalars.count <= 64 else {
            return .failure(SyntaxProblem("a format is 1 to 64 characters"))
        }
        var tokens: [Token] = []
        var seen: Set<String> = []
        var index = 0
        func field(_ name: String, _ token: Token) -> SyntaxProblem? {
            guard seen.insert(name).inserted else { return SyntaxProblem("the format names the \(name) twice") }
            tokens.append(token)
            return nil
        }
        func appendLiteral(_ text: String) {
            if case .literal(let bytes)? = tokens.last {
                tokens[tokens.count - 1] = .literal(bytes + Array(text.utf8))
            } else {
                tokens.append(.literal(Array(text.utf8)))
            }
        }
        while index < scalars.count {
            let scalar = scalars[index]
            var run = 1
            while index + run < scalars.count, scalars[index + run] == scalar { run += 1 }
            let isLetter = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
            if scalar == "'" {
                if run >= 2 {
                    appendLiteral("'")
                    index += 2
                    continue
                }
                guard let close = scalars[(index + 1)...].firstIndex(of: "'") else {
                    return .failure(SyntaxProblem("unclosed quote in the format"))
                }
                appendLiteral(String(String.UnicodeScalarView(scalars[(index + 1)..<close])))
                index = close + 1
                continue
            }
            guard isLetter else {
                appendLiteral(String(scalar))
                index += 1
                continue
            }
            let problem: SyntaxProblem?
            switch (scalar, run) {
            case ("y", 4): problem = field("year", .year4)
            case ("y", 2): problem = field("year", .year2)
            case ("M", 1), ("M", 2): problem = field("month", .month(minDigits: run))
            case ("M", 3): problem = field("month", .monthAbbreviation)
            case ("M", 4): problem = field("month", .monthName)
            case ("d", 1), ("d", 2): problem = field("day", .day(minDigits: run))
            case ("H", 1), ("H", 2): problem = field("hour", .hour24(minDigits: run))
            case ("h", 1), ("h", 2): problem = field("hour", .hour12(minDigits: run))
            case ("m", 2): problem = field("minute", .minute)
            case ("s", 2): problem = field("second", .second)
            case ("S", 1...9): problem = field("fraction", .fraction(digits: run))
            case ("a", 1): problem = field("am/pm marker", .amPm)
            case ("X", 1...3): problem = field("offset", .offset(style: run))
            default:
                return .failure(
                    SyntaxProblem(
                        "unknown field \"\(String(repeating: String(scalar), count: run))\" in the format (quote literal letters: 'T')"
                    ))
            }
            if let problem { return .failure(problem) }
            index += run
        }
        for required in ["year", "month", "day"] where !seen.contains(required) {
            return .failure(SyntaxProblem("the format has no \(required) field"))
        }
        if needsTime, !seen.contains("hour") || !seen.contains("minute") {
            return .failure(SyntaxProblem("a date-time format needs hour and minute fields"))
        }
        let twelveHour = tokens.contains { if case .hour12 = $0 { true } else { false } }
        if twelveHour != seen.contains("am/pm marker") {
            return .failure(SyntaxProblem("'h' (12-hour) and 'a' (AM/PM) go together; use 'H' for a 24-hour clock"))
        }
        return .success(DateTimePattern(kind: .tokens(tokens), source: format))
    }

    /// The wall-clock time written in `text`, and its UTC offset when the text names one.
    func parse(_ text: String) -> (time: CivilTime, offsetSeconds: Int?)? {
        switch kind {
        case .rfc3339: return Self.parseRFC3339(Array(text.utf8))
        case .unixSeconds, .unixMilliseconds:
            guard let value = Int(text), abs(value) < 253_402_300_800_000 else { return nil }
            let isMillis = kind == .unixMilliseconds
            let seconds = isMillis ? (value >= 0 ? value / 1000 : (value - 999) / 1000) : value
            let nanos = isMillis ? (value - seconds * 1000) * 1_000_000 : 0
            let time = CivilTime(secondsSinceEpoch: seconds, nanosecond: nanos)
            return time.isValid ? (time, 0) : nil
        case .tokens(let tokens):
            var reader = Reader(bytes: Array(text.utf8))
            var time = CivilTime(year: 0, month: 0, day: 0)
            var hour12: Int?
            var pm: Bool?
            var offset: Int?
            for token in tokens {
                switch token {
                case .year4: guard let value = reader.digits(4, 4) else { return nil }; time.year = value
                case .year2: guard let value = reader.digits(2, 2) else { return nil }; time.year = 2000 + value
                case .month(let minimum):
                    guard let value = reader.digits(minimum, 2) else { return nil }; time.month = value
                case .monthAbbreviation:
                    guard let value = reader.monthName(abbreviated: true) else { return nil }
                    time.month = value
                case .monthName:
                    guard let value = reader.monthName(abbreviated: false) else { return nil }; time.month = value
                case .day(let minimum):
                    guard let value = reader.digits(minimum, 2) else { return nil }; time.day = value
                case .hour24(let minimum):
                    guard let value = reader.digits(minimum, 2) else { return nil }; time.hour = value
                case .hour12(let minimum):
                    guard let value = reader.digits(minimum, 2), (1...12).contains(value) else { return nil }
                    hour12 = value
                case .minute: guard let value = reader.digits(2, 2) else { return nil }; time.minute = value
                case .second: guard let value = reader.digits(2, 2) else { return nil }; time.second = value
                case .fraction(let count):
                    guard let value = reader.digits(count, count) else { return nil }
                    var nanos = value
                    for _ in count..<9 { nanos *= 10 }
                    time.nanosecond = nanos
                case .amPm: guard let value = reader.amPm() else { return nil }; pm = value
                case .offset(let style):
                    guard let value = reader.offset(style: style) else { return nil }; offset = value
                case .literal(let bytes): guard reader.literal(bytes) else { return nil }
                }
            }
            guard reader.isAtEnd else { return nil }
            if let hour12, let pm { time.hour = hour12 % 12 + (pm ? 12 : 0) }
            return time.isValid ? (time, offset) : nil
        }
    }

    private static func parseRFC3339(_ bytes: [UInt8]) -> (time: CivilTime, offsetSeconds: Int?)? {
        var reader = Reader(bytes: bytes)
        guard let year = reader.digits(4, 4), reader.literal([0x2D]), let month = reader.digits(2, 2),
            reader.literal([0x2D]), let day = reader.digits(2, 2)
        else { return nil }
        guard reader.literal([UInt8(ascii: "T")]) || reader.literal([UInt8(ascii: "t")]) else { return nil }
        guard let hour = reader.digits(2, 2), reader.literal([0x3A]), let minute = reader.digits(2, 2),
            reader.literal([0x3A]), let second = reader.digits(2, 2)
        else { return nil }
        var time = CivilTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        if reader.literal([UInt8(ascii: ".")]) {
            guard let (value, count) = reader.fraction() else { return nil }
            var nanos = value
            for _ in count..<9 { nanos *= 10 }
            time.nanosecond = nanos
        }
        guard let offset = reader.offset(style: 3), reader.isAtEnd, time.isValid else { return nil }
        return (time, offset)
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        var isAtEnd: Bool { index == bytes.count }

        mutating func digits(_ minimum: Int, _ maximum: Int) -> Int? {
            var value = 0
            var count = 0
            while count < maximum, index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                value = value * 10 + Int(bytes[index] - 0x30)
                index += 1
                count += 1
            }
            return count >= minimum ? value : nil
        }

        /// Up to nine digits of a fraction (more are read and dropped); returns the value and digits kept.
        mutating func fraction() -> (Int, Int)? {
            var value = 0
            var count = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                if count < 9 {
                    value = value * 10 + Int(bytes[index] - 0x30)
                    count += 1
                }
                index += 1
            }
            return count > 0 ? (value, count) : nil
        }

        mutating func literal(_ expected: [UInt8]) -> Bool {
            guard index + expected.count <= bytes.count, bytes[index..<(index + expected.count)].elementsEqual(expected)
            else { return false }
            index += expected.count
            return true
        }

        mutating func monthName(abbreviated: Bool) -> Int? {
            for (offset, name) in DateTimePattern.monthNames.enumerated() {
                let expected = abbreviated ? Array(name.utf8.prefix(3)) : Array(name.utf8)
                guard index + expected.count <= bytes.count else { continue }
                let candidate = bytes[index..<(index + expected.count)].map { $0 | 0x20 }
                if candidate.elementsEqual(expected) {
                    index += expected.count
                    return offset + 1
                }
            }
            return nil
        }

        mutating func amPm() -> Bool? {
            guard index + 2 <= bytes.count, bytes[index + 1] | 0x20 == UInt8(ascii: "m") else { return nil }
            let first = bytes[index] | 0x20
            guard first == UInt8(ascii: "a") || first == UInt8(ascii: "p") else { return nil }
            index += 2
            return first == UInt8(ascii: "p")
        }

        mutating func offset(style: Int) -> Int? {
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") {
                index += 1
                return 0
            }
            guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") else { return nil }
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let hours = digits(2, 2), hours <= 23 else { return nil }
            var minutes = 0
            if style == 2 {
                guard let value = digits(2, 2) else { return nil }
                minutes = value
            } else if style == 3 {
                guard literal([0x3A]), let value = digits(2, 2) else { return nil }
                minutes = value
            }
            guard minutes <= 59 else { return nil }
            return sign * (hours * 3600 + minutes * 60)
        }
    }
}
