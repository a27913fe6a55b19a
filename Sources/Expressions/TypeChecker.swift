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
        case .object(let declared), .optional(.object(let declared)): fields = declared
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
        guard type == .decimal || type == .money else { throw mismatch("a number or money", type, at: operand) }
        return type
    }

    /// The rules the left operand alone can break.
    @inline(never)
    private func admitLeft(_ op: BinaryOperator, _ leftType: ValueType, _ left: Node) throws(ExpressionError) {
        switch op {
        case .and, .or:
            try expect(leftType, .bool, ValueType.bool.spoken, at: left)
        case .add, .subtract:
            guard leftType == .decimal || leftType == .money else {
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
            return try coalesce(leftType, right, rightType)
        case .add, .subtract:
            try expect(rightType, leftType, leftType.spoken, at: right)
            return leftType
        case .multiply:
            switch (leftType, rightType) {
            case (.decimal, .decimal): return .decimal
            case (.money, .decimal), (.decimal, .money): return .money
            case (.money, _): throw mismatch("a number (money is multiplied by a number)", rightType, at: right)
            case (.decimal, _): throw mismatch("a number or money", rightType, at: right)
            default: throw mismatch("a number or money", leftType, at: left)
            }
        case .divide:
            switch (leftType, rightType) {
            case (.decimal, .decimal), (.money, .money): return .decimal
            case (.money, .decimal): return .money
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
            guard l == r || Self.moneyAndZero(l, left, r, right) else {
                throw mismatch(l.spoken, rightType, at: right, hintNull: false)
            }
            return .bool
        case .less, .lessEqual, .greater, .greaterEqual:
            guard [.decimal, .money, .date].contains(leftType) else {
                throw mismatch("a number, money or a date", leftType, at: left)
            }
            guard leftType == rightType || Self.moneyAndZero(leftType, left, rightType, right) else {
                throw mismatch(leftType.spoken, rightType, at: right)
            }
            return .bool
        }
    }

    /// `a ?? b`: the default must have the type `a` has when it is not null.
    private func coalesce(_ leftType: ValueType, _ right: Node, _ rightType: ValueType) throws(ExpressionError)
        -> ValueType
    {
        if leftType == .null { return rightType }
        if rightType == .null { return .maybeNull(leftType) }
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
            guard type == .decimal || type == .money else { throw mismatch("a number or money", type, at: node) }
            return type
        case .min, .max:
            // Literal zeros take the currency of the money beside them.
            let deciding = arguments.indices.first { !arguments[$0].isZeroLiteral } ?? 0
            let target = types[deciding]
            guard [.decimal, .money, .date].contains(target) else {
                throw mismatch("a number, money or a date", target, at: arguments[deciding])
            }
            for index in arguments.indices where types[index] != target {
                guard target == .money, arguments[index].isZeroLiteral else {
                    throw mismatch(target.spoken, types[index], at: arguments[index])
                }
            }
            return target
        case .round:
            let (value, valueType) = argument(0)
            guard valueType == .decimal || valueType == .money else {
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
            guard partType == .decimal || partType == .money else {
                throw mismatch("a number or money", partType, at: part)
            }
            try expect(types[1], partType, partType.spoken, at: arguments[1])
            return .decimal
        case .len:
            let (node, type) = argument(0)
            switch type {
            case .list, .string: return .decimal
            default: throw mismatch("a list or a string", type, at: node)
            }
        case .contains:
            let (collection, collectionType) = argument(0)
            let (value, valueType) = argument(1)
            switch collectionType {
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
            return result
        }
    }

    // MARK: Helpers

    private func expect(_ type: ValueType, _ expected: ValueType, _ spoken: String, at node: Node)
        throws(ExpressionError)
    {
        guard type == expected else { throw mismatch(spoken, type, at: node) }
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
