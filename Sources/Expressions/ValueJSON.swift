import Finance
import Foundation

extension Value {
    /// JSON as data arrives in runs: numbers keep their text, as the Events
    /// module's `JSONValue` does, so converting from it is a case-by-case copy.
    ///
    /// Sendable where `[String: Any]` is not.
    public enum JSON: Sendable, Hashable {
        case object([String: JSON])
        case array([JSON])
        case string(String)
        /// The number's text as written (RFC 8259: `-12.50`, `1e3`).
        case number(String)
        case bool(Bool)
        case null

        var spoken: String {
            switch self {
            case .object: "an object"
            case .array: "a list"
            case .string: "a string"
            case .number: "a number"
            case .bool: "true or false"
            case .null: "null"
            }
        }
    }

    /// Converts JSON without a declared shape: numbers become decimals, and
    /// money and dates stay objects and strings (use ``init(json:as:path:)``
    /// to read those).
    ///
    /// - Throws: `expression_data` for a number that is malformed or out of range.
    public init(json: JSON, path: String = "$") throws(ExpressionError) {
        try self.init(json: json, path: path, readingMoney: false)
    }

    /// Converts a workflow run's data, which has no declared shape but
    /// follows the event catalog's conventions: as ``init(json:path:)``, and
    /// an object of exactly `amount` and `currency` (how steps store money)
    /// is money when the amount fits the currency; otherwise it stays an object.
    ///
    /// - Throws: `expression_data` for a number that is malformed or out of range.
    public init(runData json: JSON, path: String = "$") throws(ExpressionError) {
        try self.init(json: json, path: path, readingMoney: true)
    }

    private init(json: JSON, path: String, readingMoney: Bool) throws(ExpressionError) {
        switch json {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .string(let text): self = .string(text)
        case .number(let text): self = .decimal(try Self.number(text, path: path))
        case .array(let items):
            var values: [Value] = []
            values.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                values.append(try Value(json: item, path: "\(path)[\(index)]", readingMoney: readingMoney))
            }
            self = .list(values)
        case .object(let members):
            if readingMoney, members.count == 2, members["currency"] != nil, members["amount"] != nil,
                let money = try? Self.money(members, path: path)
            {
                self = .money(money)
                return
            }
            var fields: [String: Value] = [:]
            for (key, member) in members {
                fields[key] = try Value(json: member, path: path + Node.fieldSuffix(key), readingMoney: readingMoney)
            }
            self = .object(fields)
        }
    }

    /// Converts JSON to the declared `type`, checking it on the way.
    ///
    /// - decimal: a JSON number, or a string in plain decimal form (`"0.1240"`),
    ///   which is how events carry exact quantities.
    /// - money: `{"amount": "249.00", "currency": "USD"}`; the amount (string
    ///   or number) must fit the currency's minor unit exactly.
    /// - date: an RFC 3339 date or date-time string.
    /// - object: only declared fields are kept; an absent field is null, which
    ///   only a `T?` field accepts.
    ///
    /// - Throws: `expression_data`, naming the path at fault.
    public init(json: JSON, as type: ValueType, path: String = "$") throws(ExpressionError) {
        func mismatch() -> ExpressionError {
            ExpressionError(.data, "expected \(type.spoken), found \(json.spoken)", path: path)
        }
        switch (type, json) {
        case (.any, _):
            self = try Value(json: json, path: path)
        case (.optional, .null), (.null, .null):
            self = .null
        case (.optional(let wrapped), _):
            self = try Value(json: json, as: wrapped, path: path)
        case (.decimal, .number(let text)), (.decimal, .string(let text)):
            self = .decimal(try Self.number(text, path: path))
        case (.string, .string(let text)):
            self = .string(text)
        case (.bool, .bool(let value)):
            self = .bool(value)
        case (.date, .string(let text)):
            guard let date = CalendarDate(rfc3339: text) else {
                throw ExpressionError(.data, "expected an RFC 3339 date such as 2024-01-31", path: path)
            }
            self = .date(date)
        case (.money, .object(let members)):
            self = .money(try Self.money(members, path: path))
        case (.list(let element), .array(let items)):
            var values: [Value] = []
            values.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                values.append(try Value(json: item, as: element, path: "\(path)[\(index)]"))
            }
            self = .list(values)
        case (.object(let declared), .object(let members)):
            var fields: [String: Value] = [:]
            for (name, fieldType) in declared {
                let fieldPath = path + Node.fieldSuffix(name)
                guard let member = members[name] else {
                    guard fieldType.admitsNull else {
                        throw ExpressionError(.data, "expected \(fieldType.spoken), found nothing", path: fieldPath)
                    }
                    fields[name] = .null
                    continue
                }
                fields[name] = try Value(json: member, as: fieldType, path: fieldPath)
            }
            self = .object(fields)
        default:
            throw mismatch()
        }
    }

    /// The value as JSON, for storing a computed result: money as
    /// `{"amount", "currency"}` and dates as `YYYY-MM-DD`, which
    /// ``init(json:as:path:)`` reads back.
    public var json: JSON {
        switch self {
        case .decimal(let value): .number(DecimalText.text(value))
        case .money(let money):
            .object(["amount": .string(money.amountText), "currency": .string(money.currency.code)])
        case .string(let text): .string(text)
        case .bool(let value): .bool(value)
        case .date(let date): .string(date.description)
        case .null: .null
        case .list(let items): .array(items.map(\.json))
        case .object(let fields): .object(fields.mapValues(\.json))
        }
    }

    /// RFC 8259 number text (or plain decimal text), exactly, within the
    /// range expressions compute in.
    static func number(_ text: String, path: String) throws(ExpressionError) -> Decimal {
        let problem = ExpressionError(
            .data, "expected a number of at most 30 digits, less than 10^32, such as 12.50", path: path)
        var mantissaText = Substring(text)
        var exponent = 0
        if let marker = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissaText = text[..<marker]
            var exponentText = text[text.index(after: marker)...]
            let negative = exponentText.first == "-"
            if negative || exponentText.first == "+" { exponentText = exponentText.dropFirst() }
            guard (1...3).contains(exponentText.count), exponentText.utf8.allSatisfy({ (48...57).contains($0) }),
                let magnitude = Int(exponentText)
            else { throw problem }
            exponent = negative ? -magnitude : magnitude
        }
        guard let mantissa = DecimalText.parse(String(mantissaText)) else { throw problem }
        guard exponent != 0 else {
            guard let value = try? DecimalMath.admit(mantissa) else { throw problem }
            return value
        }
        // Beyond ±64 the result is outside the envelope or rounds to zero anyway.
        guard (-64...64).contains(exponent) else {
            if exponent < 0 || mantissa.isZero { return 0 }
            throw problem
        }
        // `significand` is the magnitude; the sign goes separately.
        let scaled = Decimal(
            sign: mantissa < 0 ? .minus : .plus, exponent: exponent + mantissa.exponent,
            significand: mantissa.significand)
        guard let value = try? DecimalMath.admit(scaled) else { throw problem }
        return value
    }

    private static func money(_ members: [String: JSON], path: String) throws(ExpressionError) -> Money {
        let problem = ExpressionError(
            .data, "expected money as {\"amount\": \"249.00\", \"currency\": \"USD\"}", path: path)
        guard members.count == 2, case .string(let code)? = members["currency"], let amount = members["amount"]
        else { throw problem }
        let currency: Currency
        do {
            currency = try Currency(code)
        } catch {
            throw ExpressionError(.data, error.message, path: path + ".currency", underlyingCode: error.code)
        }
        let decimal: Decimal
        switch amount {
        case .string(let text), .number(let text): decimal = try number(text, path: path + ".amount")
        default: throw problem
        }
        guard let money = Money.exact(decimal, currency: currency) else {
            throw ExpressionError(
                .data, "\(currency) amounts have at most \(currency.exponent) decimals and must fit in 64 bits",
                path: path + ".amount")
        }
        return money
    }
}

extension Value.JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .number(String(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: Value.JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, Value.JSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
