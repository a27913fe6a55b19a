import Foundation

/// A value a template can read: the whole context of a render is one of these.
///
/// Templates never call into Swift, so pages turn their models into this
/// closed set of cases first. Only `.html` may be written unescaped; printing
/// a `.list` or `.object` is an error, and `.null` exists so that a page can
/// say "deliberately absent" (`{{#if x}}` is false) without a missing key,
/// which is always an error.
public enum ViewValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    /// An exact number printed in its plain, locale-independent form (`1234.5`).
    case decimal(Decimal)
    case bool(Bool)
    case list([ViewValue])
    case object([String: ViewValue])
    case html(TrustedHTML)
    case null

    /// Looks up one key of an object; `nil` for a missing key or a non-object.
    public subscript(key: String) -> ViewValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    /// `{{#if}}` and `{{#unless}}`: false, null, zero, "" and [] are false; everything else is true.
    public var isTruthy: Bool {
        switch self {
        case .bool(let value): value
        case .null: false
        case .string(let text): !text.isEmpty
        case .int(let number): number != 0
        case .decimal(let number): !number.isZero
        case .list(let items): !items.isEmpty
        case .object, .html: true
        }
    }

    /// The case name, for error messages.
    var kindName: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .decimal: "decimal"
        case .bool: "bool"
        case .list: "list"
        case .object: "object"
        case .html: "html"
        case .null: "null"
        }
    }

    /// A copy of this object with `other`'s keys added or replaced; non-objects are replaced by `other`.
    public func merging(_ other: [String: ViewValue]) -> ViewValue {
        guard case .object(var fields) = self else { return .object(other) }
        fields.merge(other) { _, new in new }
        return .object(fields)
    }
}

/// A model that knows how to present itself to a template.
public protocol ViewRepresentable {
    var viewValue: ViewValue { get }
}

extension ViewValue: ViewRepresentable {
    public var viewValue: ViewValue { self }
}

extension ViewValue {
    /// A list built from models, for `{{#each}}`.
    public static func list(of items: some Sequence<some ViewRepresentable>) -> ViewValue {
        .list(items.map(\.viewValue))
    }

    /// The model's value, or `.null` when there is none.
    public static func optional(_ value: (some ViewRepresentable)?) -> ViewValue {
        value?.viewValue ?? .null
    }
}
