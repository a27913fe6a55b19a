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
            return try parse(source).evaluateCondition(in: try values(environment))
        } catch {
            throw StepFailure(code: error.code, message: "\(source): \(error.message)")
        }
    }

    static func value(_ source: String, in environment: Environment) throws -> JSONValue {
        do {
            return json(try parse(source).evaluate(in: try values(environment)).json)
        } catch {
            throw StepFailure(code: error.code, message: "\(source): \(error.message)")
        }
    }

    /// Built once per step and kept with it: a step evaluating several
    /// expressions (an emit's values, a decision's cases) converts the run's
    /// documents once, not once per expression.
    private static func values(_ environment: Environment) throws(ExpressionError) -> Expressions.Environment {
        if let built = environment.expressionValues.built { return built }
        let built = try makeValues(environment)
        environment.expressionValues.built = built
        return built
    }

    private static func makeValues(_ environment: Environment) throws(ExpressionError) -> Expressions.Environment {
        guard case .object(var roots) = environment.json else { return Expressions.Environment() }
        var parameters = environment.parameters
        for (name, kind) in environment.parameterKinds where kind != .string && kind != .boolean {
            if let text = parameters[name]?.numberText { parameters[name] = .number(text) }
        }
        roots["params"] = .object(parameters)
        return try Expressions.Environment(runData: roots.mapValues(json))
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

/// The expression language's view of one ``Environment``, once built.
final class ExpressionValues {
    var built: Expressions.Environment?
}
