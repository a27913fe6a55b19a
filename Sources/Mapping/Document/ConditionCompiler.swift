import Events

/// `when` conditions: one-key objects, nested through `and`, `or` and `not`.
///
/// Operands are a path string (`"$.status"`, `"@.type"`), `{"path": …}`,
/// `{"const": …}` (for a literal string that starts with `$` or `@`), or any
/// other scalar as a constant.
extension DocumentCompiler {
    static let conditionNames = ["equals", "not_equals", "in", "exists", "and", "or", "not"]

    mutating func compileCondition(_ value: JSONValue, at path: String, context: Context) -> Condition? {
        guard checkDepth(context, at: path) else { return nil }
        guard case .object(let object) = value else {
            report(path, "a condition is an object such as {\"equals\": [\"$.status\", \"open\"]}")
            return nil
        }
        let keys = object.keys.filter { $0 != "$comment" }
        guard keys.count == 1, let name = keys.first, let argument = object[name] else {
            report(path, "a condition has exactly one of \(Self.conditionNames.joined(separator: ", "))")
            return nil
        }
        let argumentPath = Self.child(path, name)
        switch name {
        case "equals", "not_equals":
            guard case .array(let pair) = argument, pair.count == 2 else {
                report(argumentPath, "\(name) takes two operands: [\"$.path\", \"value\"]")
                return nil
            }
            let left = operand(pair[0], at: Self.item(argumentPath, 0))
            let right = operand(pair[1], at: Self.item(argumentPath, 1))
            guard let left, let right else { return nil }
            return name == "equals" ? .equals(left, right) : .notEquals(left, right)
        case "in":
            guard case .array(let pair) = argument, pair.count == 2, case .array(let candidates) = pair[1],
                !candidates.isEmpty, candidates.count <= 1_000
            else {
                report(
                    argumentPath,
                    "in takes an operand and a list of 1 to 1000 values: [\"$.status\", [\"open\", \"held\"]]")
                return nil
            }
            let subject = operand(pair[0], at: Self.item(argumentPath, 0))
            var failed = false
            for (index, candidate) in candidates.enumerated() {
                switch candidate {
                case .array, .object:
                    report(Self.item(Self.item(argumentPath, 1), index), "in compares scalars only")
                    failed = true
                default: break
                }
            }
            guard let subject, !failed else { return nil }
            return .isIn(subject, candidates)
        case "exists":
            return sourcePath(argument, at: argumentPath).map(Condition.exists)
        case "and", "or":
            guard case .array(let items) = argument, (1...50).contains(items.count) else {
                report(argumentPath, "\(name) takes a list of 1 to 50 conditions")
                return nil
            }
            var conditions: [Condition] = []
            var failed = false
            for (index, item) in items.enumerated() {
                if let condition = compileCondition(item, at: Self.item(argumentPath, index), context: context.nested())
                {
                    conditions.append(condition)
                } else {
                    failed = true
                }
            }
            if failed { return nil }
            return name == "and" ? .all(conditions) : .any(conditions)
        case "not":
            return compileCondition(argument, at: argumentPath, context: context.nested()).map(Condition.not)
        default:
            report(
                Self.child(path, name),
                "unknown condition; expected one of \(Self.conditionNames.joined(separator: ", "))")
            return nil
        }
    }

    private mutating func operand(_ value: JSONValue, at path: String) -> Condition.Operand? {
        switch value {
        case .string(let text) where text.hasPrefix("$") || text.hasPrefix("@"):
            return sourcePath(value, at: path).map(Condition.Operand.path)
        case .object(let object):
            if object.count == 1, let target = object["path"] {
                return sourcePath(target, at: Self.child(path, "path")).map(Condition.Operand.path)
            }
            if object.count == 1, let constant = object["const"] {
                switch constant {
                case .array, .object:
                    report(Self.child(path, "const"), "conditions compare scalars only")
                    return nil
                default: return .constant(constant)
                }
            }
            report(path, "an operand is a path string, a scalar, {\"path\": …} or {\"const\": …}")
            return nil
        case .array:
            report(path, "conditions compare scalars only")
            return nil
        default:
            return .constant(value)
        }
    }
}
