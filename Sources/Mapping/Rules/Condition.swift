import Events

/// A compiled `when` condition: `equals`, `not_equals`, `in`, `exists`, `and`, `or`, `not`.
///
/// An absent path reads as null, so `{"equals": ["$.x", null]}` holds for a
/// missing field. Only scalars compare: strings exactly, numbers by value
/// (`1.50` equals `1.5`), a number never equals a string, and arrays or objects
/// never equal anything — which also keeps evaluation from recursing into
/// arbitrarily deep payloads.
indirect enum Condition: Sendable {
    case equals(Operand, Operand)
    case notEquals(Operand, Operand)
    case isIn(Operand, [JSONValue])
    case exists(SourcePath)
    case all([Condition])
    case any([Condition])
    case not(Condition)

    enum Operand: Sendable {
        case path(SourcePath)
        case constant(JSONValue)

        func value(in scope: Scope) -> JSONValue {
            switch self {
            case .path(let path): scope.resolve(path) ?? .null
            case .constant(let value): value
            }
        }
    }

    func holds(in scope: Scope) -> Bool {
        switch self {
        case .equals(let left, let right):
            return Self.scalarsEqual(left.value(in: scope), right.value(in: scope))
        case .notEquals(let left, let right):
            return !Self.scalarsEqual(left.value(in: scope), right.value(in: scope))
        case .isIn(let operand, let candidates):
            let value = operand.value(in: scope)
            return candidates.contains { Self.scalarsEqual(value, $0) }
        case .exists(let path):
            guard let value = scope.resolve(path) else { return false }
            return value != .null
        case .all(let conditions):
            return conditions.allSatisfy { $0.holds(in: scope) }
        case .any(let conditions):
            return conditions.contains { $0.holds(in: scope) }
        case .not(let condition):
            return !condition.holds(in: scope)
        }
    }

    static func scalarsEqual(_ left: JSONValue, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case (.string(let a), .string(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null): return true
        case (.number(let a), .number(let b)):
            if a == b { return true }
            guard let x = DecimalSyntax.parseJSONNumber(a), let y = DecimalSyntax.parseJSONNumber(b) else {
                return false
            }
            return x.isEqualInValue(to: y)
        default: return false
        }
    }
}
