/// An expression from a workflow template, such as
/// `match.overall_variance > params.auto_approve_limit and not invoice.is_duplicate`.
///
/// The life cycle follows the template's: ``parse(_:configuration:)`` and
/// ``check(against:)`` when the template is published, so every syntax,
/// name and type error reaches its author with a position; then
/// ``evaluate(in:)`` on each run. The language has no loops, no user
/// functions and no I/O, and every limit is in ``Configuration``, so a
/// hostile template can cost at most a bounded amount of work.
///
/// Named `TemplateExpression` rather than `Expression`: Foundation exports a
/// generic `Expression` (the `#Expression` macro's type), and every file that
/// imports both modules would have to spell ours `Expressions.Expression`.
public struct TemplateExpression: Sendable, CustomStringConvertible {
    /// Limits on what one expression may cost.
    public struct Configuration: Sendable, Equatable {
        /// Longest source accepted, in UTF-8 bytes. Default 4096: a condition
        /// that needs more belongs in several steps.
        public var maximumSourceBytes: Int
        /// Deepest nesting of parentheses, operators and calls. Default 64.
        /// Parsing, checking and evaluation recurse this deep: at 64 the
        /// worst case needs under 400 KiB of stack in a debug build and under
        /// 150 KiB optimised, well inside Platform's 1 MiB dedicated threads
        /// and the 8 MiB of Swift's cooperative threads on Linux.
        public var maximumDepth: Int
        /// Evaluation budget: one step per node evaluated, one per list item
        /// searched, one per 64 bytes of string scanned. Default 10 000.
        public var maximumSteps: Int

        public init(maximumSourceBytes: Int = 4096, maximumDepth: Int = 64, maximumSteps: Int = 10_000) {
            self.maximumSourceBytes = maximumSourceBytes
            self.maximumDepth = maximumDepth
            self.maximumSteps = maximumSteps
        }

        public static let `default` = Configuration()
    }

    /// The source as written.
    public let source: String
    public let configuration: Configuration
    let root: Node

    /// Parses `source`.
    ///
    /// - Throws: `expression_syntax` with the position of the first problem;
    ///   `expression_unknown_name` for a call to a function that does not
    ///   exist; `expression_limit` for a source or nesting over the limits.
    public static func parse(_ source: String, configuration: Configuration = .default) throws(ExpressionError)
        -> TemplateExpression
    {
        let length = source.utf8.count
        guard length <= configuration.maximumSourceBytes else {
            throw ExpressionError(
                .limit,
                "the expression is \(length) bytes long; at most \(configuration.maximumSourceBytes) are allowed")
        }
        let root = try Parser.parse(source, maximumDepth: configuration.maximumDepth)
        return TemplateExpression(source: source, configuration: configuration, root: root)
    }

    /// The type the expression has in `types`.
    ///
    /// - Throws: `expression_unknown_name` for a name, field or function the
    ///   declarations do not have; `expression_type` for operands or
    ///   arguments of the wrong type; each with the position at fault.
    public func check(against types: TypeEnvironment) throws(ExpressionError) -> ValueType {
        try TypeChecker(types: types).check(root)
    }

    /// Checks the expression and that it gives `expected`: `.bool` for a
    /// condition, `.money` for an amount. A `T?` expectation also accepts `T`.
    @discardableResult
    public func check(against types: TypeEnvironment, expecting expected: ValueType) throws(ExpressionError)
        -> ValueType
    {
        let type = try check(against: types)
        let fits =
            type == expected || type == .any
            || (expected.admitsNull && (type == .null || type.unwrapped == expected.unwrapped))
        guard fits else {
            throw ExpressionError(
                .type, "this expression must give \(expected.spoken), but it gives \(type.spoken)",
                at: root.position)
        }
        return type
    }

    /// Evaluates the expression.
    ///
    /// `and`, `or`, `??` and `coalesce` evaluate their right side only when
    /// needed, so `len(lines) > 0 and lines[0].qty > 1` is safe. A field that
    /// is absent from the data reads as null.
    ///
    /// - Throws: `expression_evaluation` (division by zero, different
    ///   currencies, an index out of range, overflow, a value of the wrong
    ///   kind in data that was not checked); `expression_unknown_name` for a
    ///   root name the environment lacks; `expression_limit` past
    ///   `maximumSteps`.
    public func evaluate(in environment: Environment) throws(ExpressionError) -> Value {
        var evaluator = Evaluator(environment: environment, maximumSteps: configuration.maximumSteps)
        return try evaluator.evaluate(root)
    }

    /// Evaluates a condition.
    ///
    /// - Throws: as ``evaluate(in:)``, and `expression_evaluation` unless the
    ///   result is true or false.
    public func evaluateCondition(in environment: Environment) throws(ExpressionError) -> Bool {
        let value = try evaluate(in: environment)
        guard case .bool(let result) = value else {
            throw ExpressionError(
                .evaluation, "a condition must give true or false, but this gave \(value.spoken)", at: root.position)
        }
        return result
    }

    /// The root names of the environment the expression reads (`trigger`,
    /// `steps`…): a caller converting data for it need convert only those.
    public var rootNames: Set<String> { root.rootNames }

    /// The expression fully parenthesised, which shows how precedence grouped
    /// it: `a + b * c` is `(a + (b * c))`.
    public var parenthesized: String { root.parenthesized }

    public var description: String { source }
}
