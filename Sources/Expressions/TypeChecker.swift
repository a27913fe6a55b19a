import Finance
import Foundation

/// Infers each node's type against the declared environment and refuses
/// anything that could not run: checked once, when a template is published.
///
/// Errors point at the operand at fault: in `params.limit + 1` that is the
/// `1` ("expected money, found a number"), since the left side fixed what the
/// operator needs.
struct TypeChecker {
    let types: TypeEnvironment

    // `check` only recurses and dispatches; the rules and their messages live
    // in `@inline(never)` functions that take the children's types, so each
    // level of nesting costs a small frame. Children are checked left to
    // right, and a rule that the left side alone can break is applied before
    // the right side is checked, so the first error reported is the leftmost.

    func check(_ node: Node) throws(ExpressionError) -> ValueType {
        switch node.kind {
        case .literal(let value):
            return Self.literalType(value)
        case .name(let name):
            return try rootType(name, at: node.position)
        case .member(let base, let field, let fieldPosition):
            return try memberType(field, of: try check(base), base, at: fieldPosition)
        case .index(let base, let index):
            let baseType = try check(base)
            return try elementType(of: baseType, base, index: try check(index), index)
        case .negate(let operand):
            return try negatedType(try check(operand), operand)
        case .not(let operand):
            try expect(try check(operand), .bool, ValueType.bool.spoken, at: operand)
            return .bool
        case .binary(let op, let left, let right, _):
            let leftType = try check(left)
            try admitLeft(op, leftType, left)
            return try binaryType(op, left, leftType, right, try check(right))
        case .call(let function, let arguments):
            var argumentTypes: [ValueType] = []
            for argument in arguments { argumentTypes.append(try check(argument)) }
            return try callType(function, arguments, argumentTypes, at: node)
        }
    }

    // MARK: Names and paths

    private static func literalType(_ value: Value) -> ValueType {
        switch value {
        case .decimal: .decimal
        case .string: .string
        case .bool: .bool
        default: .null
        }
    }

    @inline(never)
    private func rootType(_ name: String, at position: SourcePosition) throws(ExpressionError) -> ValueType {
        guard let type = types[name] else {
            let known = types.roots.keys
            let hint =
                Suggestion.closest(to: name, among: known).map { "; did you mean \($0)?" }
                ?? (known.isEmpty ? "; no names are declared" : "; the names are \(Self.list(known))")
            throw ExpressionError(.unknownName, "unknown name '\(name)'\(hint)", at: position)
        }
        return type
    }

    @inline(never)
    private func memberType(_ field: String, of baseType: ValueType, _ base: Node, at position: SourcePosition)
        throws(ExpressionError) -> ValueType
    {
        let fields: [String: ValueType]
        switch baseType {
        case .any: return .any
        case .object(let declared), .optional(.object(let declared)): fields = declared
        case .money, .optional(.money): fields = Self.moneyFields
        default:
            throw ExpressionError(.type, "\(Self.name(base)) is \(baseType.spoken), which has no fields", at: position)
        }
        guard let type = fields[field] else {
            let hint =
                Suggestion.closest(to: field, among: fields.keys).map { "; did you mean \($0)?" }
                ?? (fields.isEmpty ? "; it has no declared fields" : "; its fields are \(Self.list(fields.keys))")
            throw ExpressionError(.unknownName, "\(Self.name(base)) has no field '\(field)'\(hint)", at: position)
        }
        return baseType.admitsNull ? .maybeNull(type) : type
    }

    @inline(never)
    private func elementType(of baseType: ValueType, _ base: Node, index indexType: ValueType, _ index: Node)
        throws(ExpressionError) -> ValueType
    {
        try expect(indexType, .decimal, "a whole number (a list index)", at: index)
        switch baseType {
        case .any: return .any
        case .list(let element): return element
        case .optional(.list(let element)): return .maybeNull(element)
        case .object, .optional(.object):
            throw ExpressionError(
                .type, "an object's field is read with a name or a quoted key, as in object[\"a key\"]",
                at: index.position)
        default:
            throw ExpressionError(.type, "\(Self.name(base)) is \(baseType.spoken), not a list", at: base.position)
        }
    }

    // MARK: Operators

    @inline(never)
    private func negatedType(_ type: ValueType, _ operand: Node) throws(ExpressionError) -> ValueType {
        guard [.decimal, .money, .any].contains(type) else { throw mismatch("a number or money", type, at: operand) }
        return type
    }

    /// The rules the left operand alone can break.
    @inline(never)
    private func admitLeft(_ op: BinaryOperator, _ leftType: ValueType, _ left: Node) throws(ExpressionError) {
        switch op {
        case .and, .or:
            try expect(leftType, .bool, ValueType.bool.spoken, at: left)
        case .add, .subtract:
            guard [.decimal, .money, .any].contains(leftType) else {
                throw mismatch("a number or money", leftType, at: left)
            }
        default:
            break
        }
    }

    @inline(never)
    private func binaryType(
        _ op: BinaryOperator, _ left: Node, _ leftType: ValueType, _ right: Node, _ rightType: ValueType
    ) throws(ExpressionError) -> ValueType {
        switch op {
        case .and, .or:
            try expect(rightType, .bool, ValueType.bool.spoken, at: right)
            return .bool
        case .coalesce:
            try sameCurrency([left, right])
            return try coalesce(leftType, right, rightType)
        case .add, .subtract:
            guard leftType == .any else {
                try expect(rightType, leftType, leftType.spoken, at: right)
                try sameCurrency([left, right])
                return leftType
            }
            guard [.decimal, .money, .any].contains(rightType) else {
                throw mismatch("a number or money", rightType, at: right)
            }
            return rightType
        case .multiply:
            switch (leftType, rightType) {
            case (.decimal, .decimal): return .decimal
            case (.money, .decimal), (.decimal, .money), (.money, .any), (.any, .money): return .money
            case (.decimal, .any), (.any, .decimal), (.any, .any): return .any
            case (.money, _): throw mismatch("a number (money is multiplied by a number)", rightType, at: right)
            case (.decimal, _): throw mismatch("a number or money", rightType, at: right)
            default: throw mismatch("a number or money", leftType, at: left)
            }
        case .divide:
            try sameCurrency([left, right])
            switch (leftType, rightType) {
            case (.decimal, .decimal), (.money, .money), (.decimal, .any), (.any, .money): return .decimal
            case (.money, .decimal): return .money
            case (.money, .any), (.any, .decimal), (.any, .any): return .any
            case (.money, _): throw mismatch("a number or money", rightType, at: right)
            case (.decimal, _): throw mismatch("a number", rightType, at: right)
            default: throw mismatch("a number or money", leftType, at: left)
            }
        case .equal, .notEqual:
            if leftType == .null || rightType == .null { return .bool }
            let (l, r) = (leftType.unwrapped, rightType.unwrapped)
            guard l.isScalar else {
                throw ExpressionError(
                    .type, "== compares numbers, money, strings, true or false, and dates; found \(leftType.spoken)",
                    at: left.position)
            }
            guard r.isScalar else {
                throw ExpressionError(
                    .type, "== compares numbers, money, strings, true or false, and dates; found \(rightType.spoken)",
                    at: right.position)
            }
            guard l == r || l == .any || r == .any || Self.moneyAndZero(l, left, r, right) else {
                throw mismatch(l.spoken, rightType, at: right, hintNull: false)
            }
            try sameCurrency([left, right])
            return .bool
        case .less, .lessEqual, .greater, .greaterEqual:
            let ordered: [ValueType] = [.decimal, .money, .date, .any]
            guard ordered.contains(leftType) else {
                throw mismatch("a number, money or a date", leftType, at: left)
            }
            if leftType == .any {
                guard ordered.contains(rightType) else {
                    throw mismatch("a number, money or a date", rightType, at: right)
                }
            } else {
                guard leftType == rightType || rightType == .any || Self.moneyAndZero(leftType, left, rightType, right)
                else {
                    throw mismatch(leftType.spoken, rightType, at: right)
                }
            }
            try sameCurrency([left, right])
            return .bool
        }
    }

    /// `a ?? b`: the default must have the type `a` has when it is not null.
    private func coalesce(_ leftType: ValueType, _ right: Node, _ rightType: ValueType) throws(ExpressionError)
        -> ValueType
    {
        if leftType == .null { return rightType }
        if rightType == .null { return .maybeNull(leftType) }
        if leftType == .any || rightType == .any { return .any }
        guard leftType.unwrapped == rightType.unwrapped else {
            throw mismatch(leftType.unwrapped.spoken, rightType, at: right, hintNull: false)
        }
        return rightType.admitsNull ? .maybeNull(leftType.unwrapped) : leftType.unwrapped
    }

    /// Money against a literal zero, in either order.
    private static func moneyAndZero(_ leftType: ValueType, _ left: Node, _ rightType: ValueType, _ right: Node)
        -> Bool
    {
        (leftType == .money && right.isZeroLiteral) || (rightType == .money && left.isZeroLiteral)
    }

    // MARK: Functions

    @inline(never)
    private func callType(_ function: Function, _ arguments: [Node], _ types: [ValueType], at node: Node)
        throws(ExpressionError) -> ValueType
    {
        func argument(_ index: Int) -> (node: Node, type: ValueType) {
            (arguments[index], types[index])
        }
        switch function {
        case .abs:
            let (node, type) = argument(0)
            guard [.decimal, .money, .any].contains(type) else { throw mismatch("a number or money", type, at: node) }
            return type
        case .min, .max:
            // Literal zeros take the currency of the money beside them; an
            // undeclared argument fixes the type only when it runs.
            let known = arguments.indices.filter { types[$0] != .any }
            guard
                let deciding = known.first(where: { !arguments[$0].isZeroLiteral })
                    ?? (known.count == arguments.count ? 0 : nil)
            else { return .any }
            let target = types[deciding]
            guard [.decimal, .money, .date].contains(target) else {
                throw mismatch("a number, money or a date", target, at: arguments[deciding])
            }
            for index in known where types[index] != target {
                guard target == .money, arguments[index].isZeroLiteral else {
                    throw mismatch(target.spoken, types[index], at: arguments[index])
                }
            }
            try sameCurrency(arguments)
            return target
        case .round:
            let (value, valueType) = argument(0)
            guard [.decimal, .money, .any].contains(valueType) else {
                throw mismatch("a number or money", valueType, at: value)
            }
            let places = arguments[1]
            try expect(types[1], .decimal, "a number of decimal places", at: places)
            if case .literal(.decimal(let count)) = places.kind, !Evaluator.roundingPlaces.contains(count) {
                throw ExpressionError(.type, "round keeps 0 to 20 decimal places", at: places.position)
            }
            return valueType
        case .pct:
            let (part, partType) = argument(0)
            guard [.decimal, .money, .any].contains(partType) else {
                throw mismatch("a number or money", partType, at: part)
            }
            if partType == .any {
                guard [.decimal, .money, .any].contains(types[1]) else {
                    throw mismatch("a number or money", types[1], at: arguments[1])
                }
            } else {
                try expect(types[1], partType, partType.spoken, at: arguments[1])
            }
            try sameCurrency(arguments)
            return .decimal
        case .len:
            let (node, type) = argument(0)
            switch type {
            case .list, .string, .any: return .decimal
            default: throw mismatch("a list or a string", type, at: node)
            }
        case .contains:
            let (collection, collectionType) = argument(0)
            let (value, valueType) = argument(1)
            switch collectionType {
            case .any:
                break
            case .string:
                try expect(valueType, .string, ValueType.string.spoken, at: value)
            case .list(let element):
                guard element.unwrapped.isScalar else {
                    throw ExpressionError(
                        .type,
                        "contains searches lists of numbers, money, strings, true or false, or dates;"
                            + " this is a \(collectionType)", at: collection.position)
                }
                guard valueType.unwrapped == element.unwrapped || valueType == .null else {
                    throw mismatch(element.unwrapped.spoken, valueType, at: value, hintNull: false)
                }
            default:
                throw mismatch("a list or a string", collectionType, at: collection)
            }
            return .bool
        case .daysBetween:
            try expect(types[0], .date, ValueType.date.spoken, at: arguments[0])
            try expect(types[1], .date, ValueType.date.spoken, at: arguments[1])
            return .decimal
        case .date:
            try expect(types[0], .string, "a string such as \"2024-01-31\"", at: arguments[0])
            if case .literal(.string(let text)) = arguments[0].kind, CalendarDate(rfc3339: text) == nil {
                throw ExpressionError(
                    .type, "expected an RFC 3339 date such as \"2024-01-31\"", at: arguments[0].position)
            }
            return .date
        case .coalesce:
            var result = types[0]
            for index in arguments.indices.dropFirst() {
                result = try coalesce(result, arguments[index], types[index])
            }
            try sameCurrency(arguments)
            return result
        case .money:
            return try moneyType(arguments, types)
        }
    }

    /// `money(amount, "USD")`: what can be known before a run (a literal
    /// currency code, a literal amount that fits it) is checked here.
    @inline(never)
    private func moneyType(_ arguments: [Node], _ types: [ValueType]) throws(ExpressionError) -> ValueType {
        let amount = arguments[0]
        switch types[0] {
        case .decimal, .any: break
        case .string:
            guard case .literal(.string(let text)) = amount.kind else { break }
            guard DecimalText.parse(text) != nil else {
                throw ExpressionError(.type, "expected an amount such as \"5000.00\"", at: amount.position)
            }
        default:
            throw mismatch("a number or a decimal string such as \"5000.00\"", types[0], at: amount)
        }
        try expect(types[1], .string, "a currency code such as \"USD\"", at: arguments[1])
        guard case .literal(.string(let code)) = arguments[1].kind else { return .money }
        guard let currency = try? Currency(code) else {
            throw ExpressionError(
                .type, "'\(code.prefix(12))' is not an ISO 4217 currency code", at: arguments[1].position)
        }
        if let value = Self.literalNumber(amount), Money.exact(value, currency: currency) == nil {
            throw ExpressionError(
                .type, "\(currency) amounts have at most \(currency.exponent) decimals and must fit in 64 bits",
                at: amount.position)
        }
        return .money
    }

    /// A number written in the source: `12.5`, `-3`, `"5000.00"`.
    private static func literalNumber(_ node: Node) -> Decimal? {
        switch node.kind {
        case .literal(.decimal(let value)): value
        case .literal(.string(let text)): DecimalText.parse(text)
        case .negate(let operand): literalNumber(operand).map { -$0 }
        default: nil
        }
    }

    // MARK: Currencies

    static let moneyFields: [String: ValueType] = ["amount": .decimal, "currency": .string]

    /// Money operands whose currencies are written in the source must agree:
    /// `money("1", "USD") + money("1", "EUR")` is refused before any run.
    /// Currencies that only data supplies are checked when the expression runs.
    @inline(never)
    private func sameCurrency(_ nodes: [Node]) throws(ExpressionError) {
        var first: String?
        for node in nodes {
            guard let code = Self.currency(of: node) else { continue }
            guard let known = first else {
                first = code
                continue
            }
            guard known == code else {
                throw ExpressionError(.type, "cannot combine \(known) and \(code) amounts", at: node.position)
            }
        }
    }

    /// The currency an expression's money is in, when the source says so.
    static func currency(of node: Node) -> String? {
        switch node.kind {
        case .call(.money, let arguments):
            guard case .literal(.string(let code)) = arguments[1].kind, (try? Currency(code)) != nil else { return nil }
            return code
        case .call(.abs, let arguments), .call(.round, let arguments):
            return currency(of: arguments[0])
        case .call(.min, let arguments), .call(.max, let arguments), .call(.coalesce, let arguments):
            return arguments.lazy.compactMap { currency(of: $0) }.first
        case .negate(let operand):
            return currency(of: operand)
        case .binary(let op, let left, let right, _):
            switch op {
            case .add, .subtract, .multiply, .coalesce: return currency(of: left) ?? currency(of: right)
            // Money over money is a ratio, which has no currency.
            case .divide: return currency(of: right) == nil ? currency(of: left) : nil
            default: return nil
            }
        default:
            return nil
        }
    }

    // MARK: Helpers

    private func expect(_ type: ValueType, _ expected: ValueType, _ spoken: String, at node: Node)
        throws(ExpressionError)
    {
        guard type == expected || type == .any else { throw mismatch(spoken, type, at: node) }
    }

    @inline(never)
    private func mismatch(_ expected: String, _ found: ValueType, at node: Node, hintNull: Bool = true)
        -> ExpressionError
    {
        var detail = "expected \(expected), found \(found.spoken)"
        if hintNull, found.admitsNull, found != .null { detail += "; use ?? to supply a default" }
        return ExpressionError(.type, detail, at: node.position)
    }

    private static func name(_ node: Node) -> String {
        node.pathText.map { "'\($0)'" } ?? "this value"
    }

    private static func list(_ names: some Collection<String>) -> String {
        let sorted = names.sorted()
        return sorted.prefix(12).joined(separator: ", ") + (sorted.count > 12 ? ", …" : "")
    }
}
