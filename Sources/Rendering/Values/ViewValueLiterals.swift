import Foundation

// Literals keep fixture and page code readable: `["name": "Acme", "count": 3, "rows": [...]]`.
// There is deliberately no float literal: a binary double is never how money or
// quantities reach a page; use `.decimal(Decimal(string:))` or pre-formatted text.

extension ViewValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension ViewValue: ExpressibleByStringInterpolation {}

extension ViewValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = .int(value) }
}

extension ViewValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension ViewValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: ViewValue...) { self = .list(elements) }
}

extension ViewValue: ExpressibleByDictionaryLiteral {
    /// A repeated key keeps its last value, as in `Dictionary(_:uniquingKeysWith:)`.
    public init(dictionaryLiteral elements: (String, ViewValue)...) {
        self = .object(Dictionary(elements) { _, last in last })
    }
}

extension ViewValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}
