import Events
import Finance
import Foundation

extension Transform {
    /// Applies this step to a present (non-null) value.
    func apply<Lookups: ReferenceLookup>(_ value: JSONValue, scope: Scope, lookups: Lookups)
        throws(TransformFailure) -> JSONValue
    {
        switch self {
        case .trim:
            guard case .string(let text) = value else { throw .expected("a string", got: value) }
            return .string(Self.trimmed(text))
        case .upper:
            guard case .string(let text) = value else { throw .expected("a string", got: value) }
            return .string(text.uppercased())
        case .lower:
            guard case .string(let text) = value else { throw .expected("a string", got: value) }
            return .string(text.lowercased())
        case .string:
            return .string(try Self.keyText(value, what: "a string, number or boolean"))
        case .emptyToNull:
            if case .string(let text) = value, text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
                return .null
            }
            return value
        case .decimal(let syntax):
            return .string(try Self.decimal(value, syntax: syntax).text)
        case .number(let syntax):
            return .number(try Self.decimal(value, syntax: syntax).text)
        case .integer(let syntax):
            let number = try Self.decimal(value, syntax: syntax).trimmed()
            guard number.scale == 0 else {
                throw TransformFailure(
                    .transformFailed, "expects a whole number, got \(TransformFailure.describe(value))")
            }
            return .number(number.text)
        case .date(let pattern, let zone):
            let (time, offset) = try Self.parseTime(value, pattern: pattern)
            guard let offset, let zone else { return .string(time.dateText) }
            let instant = time.secondsAsUTC - offset
            let local = instant + zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))
            return .string(CivilTime(secondsSinceEpoch: local).dateText)
        case .datetime(let pattern, let zone):
            let (time, offset) = try Self.parseTime(value, pattern: pattern)
            let instant: Int
            if let offset {
                instant = time.secondsAsUTC - offset
            } else if let zone {
                guard let seconds = time.secondsSinceEpoch(in: zone) else {
                    throw TransformFailure(
                        .transformFailed,
                        "\(TransformFailure.describe(value)) does not exist in \(zone.identifier) (skipped by a daylight-saving change)"
                    )
                }
                instant = seconds
            } else {
                // The compiler requires a time zone for formats without an offset.
                throw TransformFailure(.transformFailed, "the format names no offset and no time_zone is given")
            }
            return .string(CivilTime(secondsSinceEpoch: instant, nanosecond: time.nanosecond).utcDateTimeText)
        case .unit(let conversion):
            return .string(try conversion.apply(value, scope: scope))
        case .lookup(let step):
            let key = try Self.keyText(value, what: "a string or number key")
            guard let row = lookups.lookup(table: step.table, key: key) else {
                return try Self.missing(
                    step.onMissing, value: value, kind: .lookupMissing,
                    reason: "no row for key \(JSONValue.string(key).serialized()) in reference table \"\(step.table)\"")
            }
            guard let select = step.select else { return row }
            guard let selected = select.resolve(root: row, current: row), selected != .null else {
                throw TransformFailure(
                    .lookupMissing,
                    "the row for key \(JSONValue.string(key).serialized()) in \"\(step.table)\" has nothing at \(select.text)"
                )
            }
            return selected
        case .map(let step):
            let key = try Self.keyText(value, what: "a string, number or boolean")
            if let mapped = step.values[key] { return mapped }
            return try Self.missing(
                step.onMissing, value: value, kind: .transformFailed,
                reason: "\(JSONValue.string(key).serialized()) is not one of the mapped values")
        case .round(let step):
            let number = try Self.decimal(value, syntax: .standard)
            let scale: Int
            switch step.target {
            case .scale(let digits): scale = digits
            case .currency(_, let exponent): scale = exponent
            case .currencyPath(let path):
                guard case .string(let code)? = scope.resolve(path), let exponent = CurrencyExponent.of(code) else {
                    throw TransformFailure(
                        .transformFailed,
                        "needs an ISO 4217 currency code at \(scope.concreteText(of: path))")
                }
                scale = exponent
            }
            guard let rounded = number.rescaled(to: scale, rule: step.rule) else {
                throw TransformFailure(.transformFailed, "\(TransformFailure.describe(value)) is out of range")
            }
            return .string(rounded.text)
        }
    }

    private static func missing(_ policy: MissingEntryPolicy, value: JSONValue, kind: MappingError.Kind, reason: String)
        throws(TransformFailure) -> JSONValue
    {
        switch policy {
        case .error: throw TransformFailure(kind, reason)
        case .useDefault(let fallback): return fallback
        case .keep: return value
        }
    }

    /// Scalars as the text used for keys: strings as they are, numbers as written, booleans as `true`/`false`.
    static func keyText(_ value: JSONValue, what: String) throws(TransformFailure) -> String {
        switch value {
        case .string(let text): return text
        case .number(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        default: throw .expected(what, got: value)
        }
    }

    static func decimal(_ value: JSONValue, syntax: DecimalSyntax) throws(TransformFailure) -> FixedDecimal {
        switch value {
        case .number(let text):
            guard let number = DecimalSyntax.parseJSONNumber(text) else {
                throw TransformFailure(.transformFailed, "the number \(text.prefix(40)) is out of range")
            }
            return number
        case .string(let text):
            switch syntax.parse(text) {
            case .success(let number): return number
            case .failure(let problem):
                throw TransformFailure(
                    .transformFailed,
                    "\(TransformFailure.describe(value)) is not a decimal number: it \(problem.reason)")
            }
        default:
            throw .expected("a decimal number as text or a JSON number", got: value)
        }
    }

    private static func parseTime(_ value: JSONValue, pattern: DateTimePattern) throws(TransformFailure)
        -> (CivilTime, Int?)
    {
        let text: String
        switch value {
        case .string(let string): text = string
        case .number(let number) where pattern.kind == .unixSeconds || pattern.kind == .unixMilliseconds: text = number
        default: throw .expected("a date as text", got: value)
        }
        guard let parsed = pattern.parse(text) else {
            throw TransformFailure(
                .transformFailed,
                "\(TransformFailure.describe(value)) does not match the format \(JSONValue.string(pattern.source).serialized()) or is not a real date"
            )
        }
        return (parsed.time, parsed.offsetSeconds)
    }

    /// Trims white space, including the no-break spaces spreadsheets leave behind.
    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        if start == scalars.startIndex, scalars.index(after: end) == scalars.endIndex { return text }
        return String(scalars[start...end])
    }
}

extension UnitConversion {
    func apply(_ value: JSONValue, scope: Scope) throws(TransformFailure) -> String {
        let quantity = try Transform.decimal(value, syntax: .standard)
        let unit: String
        switch from {
        case .constant(let code): unit = code
        case .path(let path):
            guard let found = scope.resolve(path), case .string(let code) = found else {
                throw TransformFailure(.transformFailed, "needs the unit of measure at \(scope.concreteText(of: path))")
            }
            unit = code
        }
        guard let factor = factors[unit.uppercased()] else {
            let known = factors.keys.sorted().joined(separator: ", ")
            throw TransformFailure(
                .transformFailed,
                "has no factor for unit \(JSONValue.string(unit).serialized()) (known: \(known))")
        }
        guard let base = quantity.multiplied(by: factor),
            let converted = base.divided(by: targetFactor, scale: scale, rule: rule)
        else {
            throw TransformFailure(.transformFailed, "\(TransformFailure.describe(value)) \(unit) is out of range")
        }
        return converted.trimmed().text
    }
}

/// Minor-unit digits per ISO 4217 code, as `Finance.Currency` defines them.
enum CurrencyExponent {
    static func of(_ code: String) -> Int? {
        guard let currency = try? Finance.Currency(code) else { return nil }
        return currency.exponent
    }
}
