import Events
import Expressions
import Synchronization

/// Evaluates template expressions (conditions, amounts, emitted values)
/// against a run, through the `Expressions` language.
///
/// Run data is converted without a declared shape, by the event catalog's
/// conventions: `{"amount", "currency"}` objects (as step results store
/// money) are money, and decimal or date text is read as a number or a date
/// beside one (see `Evaluator.reading`). Parameters are typed by their
/// declaration, so a decimal parameter is a number.
/// Parsed expressions are cached by source; templates are immutable, so the
/// cache only ever grows to the number of distinct expressions deployed.
enum ExpressionBridge {
    private static let cache = Mutex<[String: TemplateExpression]>([:])

    static func parse(_ source: String) throws(ExpressionError) -> TemplateExpression {
        if let cached = cache.withLock({ $0[source] }) { return cached }
        let expression = try TemplateExpression.parse(source)
        cache.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[source] = expression
        }
        return expression
    }

    static func condition(_ source: String, in environment: Environment) throws -> Bool {
        do {
            let expression = try parse(source)
            return try expression.evaluateCondition(in: try values(environment, for: expression))
        } catch {
            throw StepFailure(code: error.code, message: "\(source): \(error.message)")
        }
    }

    static func value(_ source: String, in environment: Environment) throws -> JSONValue {
        do {
            let expression = try parse(source)
            return json(try expression.evaluate(in: try values(environment, for: expression)).json)
        } catch {
            throw StepFailure(code: error.code, message: "\(source): \(error.message)")
        }
    }

    /// The roots `expression` reads, converted once per step and kept with
    /// it: a step evaluating several expressions (an emit's values, a
    /// decision's cases) converts each root once, and no step converts a root
    /// it does not read (a decision on `steps.match.outcome` leaves the
    /// documents alone, which are most of a run's data).
    private static func values(_ environment: Environment, for expression: TemplateExpression) throws(ExpressionError)
        -> Expressions.Environment
    {
        let cache = environment.expressionValues
        for name in expression.rootNames where cache.roots[name] == nil {
            guard let root = rootJSON(name, of: environment) else { continue }
            cache.roots[name] = try Value(runData: json(root), path: name)
        }
        return Expressions.Environment(cache.roots)
    }

    /// One root of the run's data; parameters declared numeric are numbers.
    private static func rootJSON(_ name: String, of environment: Environment) -> JSONValue? {
        guard name == "params" else { return environment.json[name] }
        var parameters = environment.parameters
        for (name, kind) in environment.parameterKinds where kind != .string && kind != .boolean {
            if let text = parameters[name]?.numberText { parameters[name] = .number(text) }
        }
        return .object(parameters)
    }

    static func json(_ value: JSONValue) -> Value.JSON {
        switch value {
        case .object(let members): .object(members.mapValues(json))
        case .array(let items): .array(items.map(json))
        case .string(let text): .string(text)
        case .number(let text): .number(text)
        case .bool(let flag): .bool(flag)
        case .null: .null
        }
    }

    static func json(_ value: Value.JSON) -> JSONValue {
        switch value {
        case .object(let members): .object(members.mapValues(json))
        case .array(let items): .array(items.map(json))
        case .string(let text): .string(text)
        case .number(let text): .number(text)
        case .bool(let flag): .bool(flag)
        case .null: .null
        }
    }
}

/// The roots of one ``Environment`` converted for the expression language so far.
final class ExpressionValues {
    var roots: [String: Value] = [:]
}
