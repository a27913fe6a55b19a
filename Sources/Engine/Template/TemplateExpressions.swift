import Events
import Expressions

/// Parses and type-checks every expression of a template when it is
/// published, so a misspelt function, a condition that is not true or
/// false, or money in two currencies is reported to the publisher with the
/// step and path instead of parking runs.
///
/// Parameters have the types their declarations give (decimal, integer and
/// money parameters are numbers: a money parameter is an amount in the
/// currency of the documents, written `money(params.limit, "USD")` where it
/// must be money). Events, documents, step results and variables have no
/// declared shape here, so whatever is known about the other operand is
/// checked now and the rest when the expression runs.
enum TemplateExpressions {
    static func types(parameters: [String: WorkflowTemplate.Parameter]) -> TypeEnvironment {
        var fields: [String: ValueType] = [:]
        for (name, parameter) in parameters {
            switch parameter.kind {
            case .decimal, .integer, .money: fields[name] = .decimal
            case .string: fields[name] = .string
            case .boolean: fields[name] = .bool
            }
        }
        return TypeEnvironment(roots: [
            "trigger": .any, "documents": .any, "steps": .any, "vars": .any, "params": .object(fields),
        ])
    }

    /// Each expression of `step`: its path below the step, its source, and the type it must give (nil: any).
    static func expressions(of step: WorkflowTemplate.Step) -> [(path: String, source: String, expected: ValueType?)] {
        let definition = step.definition
        var found: [(String, String, ValueType?)] = []
        switch step.kind {
        case .decision:
            for (index, entry) in (definition["cases"]?.arrayValue ?? []).enumerated() {
                if let source = entry["when"]?.stringValue { found.append(("cases[\(index)].when", source, .bool)) }
            }
        case .set:
            for (name, value) in (definition["values"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                if let source = value.stringValue { found.append(("values.\(name)", source, nil)) }
            }
        case .emit:
            for (name, value) in (definition["data"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                if let source = value.stringValue { found.append(("data.\(name)", source, nil)) }
            }
        case .approval:
            if let source = definition["amount"]?.stringValue { found.append(("amount", source, .money)) }
        case .threeWayMatch, .landedCostAllocation, .varianceReview, .returnsDisposition, .claim, .assist, .wait:
            break
        }
        return found
    }

    /// Every problem with `step`'s expressions, as `(path below the step, message)`.
    static func problems(of step: WorkflowTemplate.Step, types: TypeEnvironment) -> [(path: String, message: String)] {
        var problems: [(String, String)] = []
        for (path, source, expected) in expressions(of: step) {
            do {
                let expression = try TemplateExpression.parse(source)
                if let expected {
                    try expression.check(against: types, expecting: expected)
                } else {
                    _ = try expression.check(against: types)
                }
            } catch {
                problems.append((path, "\(error.message) (\(error.code))"))
            }
        }
        return problems
    }
}
