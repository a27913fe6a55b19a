/// The static type of an expression or of a declared name.
///
/// Declared in templates as text: `decimal`, `money`, `string`, `bool`,
/// `date`, `list<T>`, `object`, and `T?` for a value that may be null.
/// Object fields are declared by path (`invoice.total: money`), see
/// ``TypeEnvironment``.
public indirect enum ValueType: Sendable, Hashable, CustomStringConvertible {
    case decimal
    /// An amount in some currency; which one is known only at run time.
    case money
    case string
    case bool
    /// A calendar date, from an RFC 3339 date or date-time.
    case date
    /// The type of the `null` literal.
    case null
    case list(ValueType)
    /// Only the declared fields may be read.
    case object([String: ValueType])
    /// The value or null. Always use ``maybeNull(_:)``, which keeps this flat.
    case optional(ValueType)
    /// Data whose shape nobody declared (a run's events and step results):
    /// whatever is known about the other operand is still checked, and the
    /// rest is checked when the expression runs. Not declarable.
    case any

    /// `type` or null, without nesting optionals.
    public static func maybeNull(_ type: ValueType) -> ValueType {
        switch type {
        case .null, .optional, .any: type
        default: .optional(type)
        }
    }

    /// The type without its null: `decimal` for `decimal?`.
    public var unwrapped: ValueType {
        if case .optional(let wrapped) = self { return wrapped.unwrapped }
        return self
    }

    /// Whether a value of this type may be null.
    public var admitsNull: Bool {
        switch self {
        case .null, .optional, .any: true
        default: false
        }
    }

    /// Flattens nested optionals (`decimal??`) and `null?` everywhere inside.
    public var normalized: ValueType {
        switch self {
        case .decimal, .money, .string, .bool, .date, .null, .any: self
        case .list(let element): .list(element.normalized)
        case .object(let fields): .object(fields.mapValues(\.normalized))
        case .optional(let wrapped): .maybeNull(wrapped.normalized)
        }
    }

    /// Values that `==` can compare and `contains` can look for.
    var isScalar: Bool {
        switch self {
        case .decimal, .money, .string, .bool, .date, .any: true
        default: false
        }
    }

    /// The declaration syntax: `list<decimal>`, `money?`.
    public var description: String {
        switch self {
        case .decimal: "decimal"
        case .money: "money"
        case .string: "string"
        case .bool: "bool"
        case .date: "date"
        case .null: "null"
        case .list(let element): "list<\(element)>"
        case .object: "object"
        case .optional(let wrapped): "\(wrapped)?"
        case .any: "any"
        }
    }

    /// How a message to a template author names the type: "a number", "money".
    public var spoken: String {
        switch self {
        case .decimal: "a number"
        case .money: "money"
        case .string: "a string"
        case .bool: "true or false"
        case .date: "a date"
        case .null: "null"
        case .list: "a list"
        case .object: "an object"
        case .optional(let wrapped): "\(wrapped.spoken) or null"
        case .any: "a value of any kind"
        }
    }

    /// Parses the declaration syntax.
    ///
    /// - Throws: `expression_declaration` for anything else.
    public init(declaration text: String) throws(ExpressionError) {
        var reader = TypeTextReader(text: Array(text.utf8))
        guard let type = reader.read(), reader.atEnd else {
            throw ExpressionError(
                .declaration,
                "'\(text.prefix(40))' is not a type; types are decimal, money, string, bool, date, list<T>, object,"
                    + " and T? for a value that may be null")
        }
        self = type
    }
}

/// The small grammar of declared types: `name | list<type>`, each optionally
/// followed by `?`, with spaces allowed around tokens.
private struct TypeTextReader {
    let text: [UInt8]
    var index = 0
    var depth = 0

    var atEnd: Bool {
        mutating get {
            skipSpaces()
            return index == text.count
        }
    }

    mutating func skipSpaces() {
        while index < text.count, text[index] == UInt8(ascii: " ") { index += 1 }
    }

    mutating func read() -> ValueType? {
        // Declarations come from templates too; keep `list<list<…` bounded.
        depth += 1
        defer { depth -= 1 }
        guard depth <= 16 else { return nil }
        skipSpaces()
        let start = index
        while index < text.count, (97...122).contains(text[index]) { index += 1 }
        var type: ValueType
        switch String(decoding: text[start..<index], as: UTF8.self) {
        case "decimal": type = .decimal
        case "money": type = .money
        case "string": type = .string
        case "bool": type = .bool
        case "date": type = .date
        case "object": type = .object([:])
        case "list":
            guard consume("<"), let element = read(), consume(">") else { return nil }
            type = .list(element)
        default: return nil
        }
        while consume("?") { type = .maybeNull(type) }
        return type
    }

    mutating func consume(_ scalar: Unicode.Scalar) -> Bool {
        skipSpaces()
        guard index < text.count, text[index] == UInt8(ascii: scalar) else { return false }
        index += 1
        return true
    }
}
