import Finance
import Foundation

/// Walks the tree once, checking every value's kind as it goes.
///
/// The type checker makes most of these checks unreachable for data that
/// matches the declared shape, but evaluation never relies on it: data built
/// by hand, or an expression evaluated unchecked, fails with a typed error
/// rather than a wrong answer. Every node costs a step, and reading a list
/// or a long string costs more, so the step budget bounds the work a
/// template can cause whatever the data.
struct Evaluator {
    static let roundingPlaces = Decimal(0)...Decimal(20)
    /// Bytes of a string one step pays for.
    static let bytesPerStep = 64

    let environment: Environment
    let maximumSteps: Int
    private(set) var steps = 0

    init(environment: Environment, maximumSteps: Int) {
        self.environment = environment
        self.maximumSteps = maximumSteps
    }

    // Recursive functions here only dispatch and recurse; the work and the
    // error messages live in `@inline(never)` helpers, so that each level of
    // nesting costs a small frame (see ``TemplateExpression/Configuration``).

    mutating func evaluate(_ node: Node) throws(ExpressionError) -> Value {
        try tick(at: node.position)
        switch node.kind {
        case .literal(let value):
            return value
        case .name(let name):
            return try lookUp(name, at: node.position)
        case .member(let base, let field, let fieldPosition):
            return try member(field, of: try evaluate(base), at: fieldPosition)
        case .index(let base, let index):
            let collection = try evaluate(base)
            return try element(of: collection, base, at: try evaluate(index), index)
        case .negate(let operand):
            return try negate(try evaluate(operand), operand, at: node.position)
        case .not(let operand):
            return .bool(!(try bool(try evaluate(operand), at: operand)))
        case .binary(let op, let left, let right, let position):
            return try binary(op, left, right, at: position)
        case .call(let function, let arguments):
            return try call(function, arguments, at: node)
        }
    }

    // MARK: Operators

    private mutating func binary(_ op: BinaryOperator, _ left: Node, _ right: Node, at position: SourcePosition)
        throws(ExpressionError) -> Value
    {
        switch op {
        case .and:
            guard try bool(try evaluate(left), at: left) else { return .bool(false) }
            return .bool(try bool(try evaluate(right), at: right))
        case .or:
            if try bool(try evaluate(left), at: left) { return .bool(true) }
            return .bool(try bool(try evaluate(right), at: right))
        case .coalesce:
            let value = try evaluate(left)
            if case .null = value { return try evaluate(right) }
            return value
        default:
            let a = try evaluate(left)
            return try apply(op, a, left, try evaluate(right), right, at: position)
        }
    }

    @inline(never)
    private mutating func apply(
        _ op: BinaryOperator, _ a: Value, _ left: Node, _ b: Value, _ right: Node, at position: SourcePosition
    ) throws(ExpressionError) -> Value {
        let (a, b) = Self.reading(a, b, ordering: op.isOrdering)
        switch op {
        case .equal, .notEqual:
            let equal = try equals(a, b, at: position)
            return .bool(op == .equal ? equal : !equal)
        case .less, .lessEqual, .greater, .greaterEqual:
            let order = try compare(a, left, b, right, at: position)
            switch op {
            case .less: return .bool(order == .orderedAscending)
            case .lessEqual: return .bool(order != .orderedDescending)
            case .greater: return .bool(order == .orderedDescending)
            default: return .bool(order != .orderedAscending)
            }
        default:
            return try arithmetic(op, a, left, b, right, at: position)
        }
    }

    @inline(never)
    private func lookUp(_ name: String, at position: SourcePosition) throws(ExpressionError) -> Value {
        // A root is the engine's contract with the template, unlike a field,
        // whose absence in data means null.
        guard let value = environment[name] else {
            throw ExpressionError(.unknownName, "unknown name '\(name)'", at: position)
        }
        return value
    }

    @inline(never)
    private func member(_ field: String, of base: Value, at position: SourcePosition) throws(ExpressionError)
        -> Value
    {
        switch base {
        case .object(let fields): return fields[field] ?? .null
        case .money(let money) where field == "amount": return .decimal(money.decimal)
        case .money(let money) where field == "currency": return .string(money.currency.code)
        case .null: return .null
        default: throw failure("expected an object with the field '\(field)', found \(base.spoken)", at: position)
        }
    }

    @inline(never)
    private func element(of collection: Value, _ base: Node, at indexValue: Value, _ indexNode: Node)
        throws(ExpressionError) -> Value
    {
        let index = try wholeNumber(indexValue, at: indexNode, "a whole number (a list index)")
        switch collection {
        case .list(let items):
            guard let position = Int(exactly: index), items.indices.contains(position) else {
                throw failure(
                    "index \(index) is outside a list of \(items.count) item\(items.count == 1 ? "" : "s");"
                        + " the first is [0]", at: indexNode.position)
            }
            return items[position]
        case .null: return .null
        default: throw failure("expected a list, found \(collection.spoken)", at: base.position)
        }
    }

    @inline(never)
    private func negate(_ value: Value, _ operand: Node, at position: SourcePosition) throws(ExpressionError)
        -> Value
    {
        switch value {
        case .decimal(let number):
            return .decimal(
                try arithmetic(at: position) { () throws(DecimalMath.Failure) in try DecimalMath.negate(number) })
        case .money(let money):
            return .money(try moneyResult(at: position) { () throws(MoneyError) in try money.negated() })
        default:
            throw failure("expected a number or money, found \(value.spoken)", at: operand.position)
        }
    }

    @inline(never)
    private func arithmetic(
        _ op: BinaryOperator, _ a: Value, _ left: Node, _ b: Value, _ right: Node, at position: SourcePosition
    ) throws(ExpressionError) -> Value {
        switch (op, a, b) {
        case (.add, .decimal(let x), .decimal(let y)):
            return .decimal(
                try arithmetic(at: position) { () throws(DecimalMath.Failure) in try DecimalMath.add(x, y) })
        case (.subtract, .decimal(let x), .decimal(let y)):
            return .decimal(
                try arithmetic(at: position) { () throws(DecimalMath.Failure) in try DecimalMath.subtract(x, y) })
        case (.multiply, .decimal(let x), .decimal(let y)):
            return .decimal(
                try arithmetic(at: position) { () throws(DecimalMath.Failure) in try DecimalMath.multiply(x, y) })
        case (.divide, .decimal(let x), .decimal(let y)):
            return .decimal(
                try arithmetic(at: position) { () throws(DecimalMath.Failure) in try DecimalMath.divide(x, y) })
        case (.add, .money(let x), .money(let y)):
            try sameCurrency(x, y, at: position)
            return .money(try moneyResult(at: position) { () throws(MoneyError) in try x.plus(y) })
        case (.subtract, .money(let x), .money(let y)):
            try sameCurrency(x, y, at: position)
            return .money(try moneyResult(at: position) { () throws(MoneyError) in try x.minus(y) })
        case (.multiply, .money(let money), .decimal(let factor)), (.multiply, .decimal(let factor), .money(let money)):
            let product = try arithmetic(at: position) { () throws(DecimalMath.Failure) in
                try DecimalMath.rawProduct(money.decimal, factor)
            }
            return .money(try rounded(product, money.currency, at: position))
        case (.divide, .money(let money), .decimal(let divisor)):
            let quotient = try arithmetic(at: position) { () throws(DecimalMath.Failure) in
                try DecimalMath.rawQuotient(money.decimal, divisor)
            }
            return .money(try rounded(quotient, money.currency, at: position))
        case (.divide, .money(let x), .money(let y)):
            try sameCurrency(x, y, at: position)
            return .decimal(
                try arithmetic(at: position) { () throws(DecimalMath.Failure) in
                    try DecimalMath.divide(Decimal(x.minorUnits), Decimal(y.minorUnits))
                })
        case (_, .decimal, _), (_, .money, _):
            throw failure("\(op.rawValue) cannot combine \(a.spoken) with \(b.spoken)", at: right.position)
        default:
            throw failure("expected a number or money, found \(a.spoken)", at: left.position)
        }
    }

    /// Equality for scalars; null equals only null. Money of two currencies
    /// is an error, not "unequal": comparing them is a template bug.
    private mutating func equals(_ a: Value, _ b: Value, at position: SourcePosition) throws(ExpressionError) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.null, _), (_, .null): return false
        case (.decimal(let x), .decimal(let y)):
            return try admitted(x, at: position) == admitted(y, at: position)
        case (.money(let x), .money(let y)):
            try sameCurrency(x, y, at: position)
            return x.minorUnits == y.minorUnits
        case (.money(let money), .decimal(let zero)), (.decimal(let zero), .money(let money)):
            guard zero.isZero else { throw failure("money can be compared only with money or 0", at: position) }
            return money.isZero
        case (.string(let x), .string(let y)):
            try tick(cost: Swift.min(x.utf8.count, y.utf8.count) / Self.bytesPerStep, at: position)
            return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.date(let x), .date(let y)): return x == y
        default:
            throw failure("cannot compare \(a.spoken) with \(b.spoken)", at: position)
        }
    }

    private func compare(_ a: Value, _ left: Node, _ b: Value, _ right: Node, at position: SourcePosition)
        throws(ExpressionError) -> ComparisonResult
    {
        func order<T: Comparable>(_ x: T, _ y: T) -> ComparisonResult {
            x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame
        }
        switch (a, b) {
        case (.decimal(let x), .decimal(let y)):
            return order(try admitted(x, at: left.position), try admitted(y, at: right.position))
        case (.money(let x), .money(let y)):
            try sameCurrency(x, y, at: position)
            return order(x.minorUnits, y.minorUnits)
        case (.money(let money), .decimal(let zero)) where zero.isZero:
            return order(money.minorUnits, 0)
        case (.decimal(let zero), .money(let money)) where zero.isZero:
            return order(0, money.minorUnits)
        case (.date(let x), .date(let y)):
            return order(x, y)
        case (.decimal, _), (.money, _), (.date, _):
            throw failure("expected \(a.spoken), found \(b.spoken)", at: right.position)
        default:
            throw failure("expected a number, money or a date, found \(a.spoken)", at: left.position)
        }
    }

    /// Data without a declared shape carries numbers and dates as text (the
    /// event catalog's convention: `"249.00"`, `"2024-01-31"`). Text takes
    /// the kind of the operand beside it: decimal text beside a number,
    /// RFC 3339 text beside a date; for an ordering, where text has no
    /// order of its own, two texts are read as numbers or as dates.
    /// Declared data never needs this: its strings are strings.
    static func reading(_ a: Value, _ b: Value, ordering: Bool) -> (Value, Value) {
        switch (a, b) {
        case (.string(let text), .decimal):
            return (DecimalText.parse(text).map(Value.decimal) ?? a, b)
        case (.decimal, .string(let text)):
            return (a, DecimalText.parse(text).map(Value.decimal) ?? b)
        case (.string(let text), .date):
            return (CalendarDate(rfc3339: text).map(Value.date) ?? a, b)
        case (.date, .string(let text)):
            return (a, CalendarDate(rfc3339: text).map(Value.date) ?? b)
        case (.string(let x), .string(let y)) where ordering:
            if let p = DecimalText.parse(x), let q = DecimalText.parse(y) { return (.decimal(p), .decimal(q)) }
            if let p = CalendarDate(rfc3339: x), let q = CalendarDate(rfc3339: y) { return (.date(p), .date(q)) }
            return (a, b)
        default:
            return (a, b)
        }
    }

    /// A function that only takes numbers reads decimal text as a number.
    static func number(_ value: Value) -> Value {
        guard case .string(let text) = value, let number = DecimalText.parse(text) else { return value }
        return .decimal(number)
    }

    // MARK: Functions

    private mutating func call(_ function: Function, _ arguments: [Node], at node: Node) throws(ExpressionError)
        -> Value
    {
        // coalesce is lazy; every other function needs all of its arguments.
        if function == .coalesce {
            for argument in arguments {
                let value = try evaluate(argument)
                if case .null = value { continue }
                return value
            }
            return .null
        }
        var values: [Value] = []
        for argument in arguments { values.append(try evaluate(argument)) }
        return try apply(function, values, arguments, at: node)
    }

    @inline(never)
    private mutating func apply(_ function: Function, _ values: [Value], _ arguments: [Node], at node: Node)
        throws(ExpressionError) -> Value
    {
        // The parser checked the argument count; this guards evaluation of a
        // tree built some other way.
        guard function.arity.contains(values.count) else {
            throw failure("\(function.signature) cannot take \(values.count) arguments", at: node.position)
        }
        var values = values
        switch function {
        case .abs, .min, .max, .round, .pct: values = values.map(Self.number)
        case .money: values[0] = Self.number(values[0])
        default: break
        }
        let first = values[0]
        let second = values.count > 1 ? values[1] : .null
        switch (function, first, second) {
        case (.abs, .decimal(let value), _):
            return .decimal(try admitted(value, at: node.position).magnitude)
        case (.abs, .money(let money), _):
            guard money.isNegative else { return .money(money) }
            return .money(try moneyResult(at: node.position) { () throws(MoneyError) in try money.negated() })
        case (.min, _, _), (.max, _, _):
            return try extreme(function == .max, values, arguments, at: node)
        case (.round, .decimal(let number), _):
            let places = try decimalPlaces(second, at: arguments[1])
            return .decimal(DecimalText.round(try admitted(number, at: node.position), scale: places, rule: .halfEven))
        case (.round, .money(let money), _):
            let places = try decimalPlaces(second, at: arguments[1])
            let decimal = DecimalText.round(money.decimal, scale: places, rule: .halfEven)
            return .money(try rounded(decimal, money.currency, at: node.position))
        case (.pct, .decimal(let part), .decimal(let whole)):
            return .decimal(try percentage(part, whole, at: arguments[1].position))
        case (.pct, .money(let part), .money(let whole)):
            try sameCurrency(part, whole, at: node.position)
            return .decimal(
                try percentage(Decimal(part.minorUnits), Decimal(whole.minorUnits), at: arguments[1].position))
        case (.len, .list(let items), _):
            return .decimal(Decimal(items.count))
        case (.len, .string(let text), _):
            try tick(cost: text.utf8.count / Self.bytesPerStep, at: node.position)
            return .decimal(Decimal(text.count))
        case (.contains, .list(let items), let needle):
            for item in items {
                try tick(at: node.position)
                if try equals(item, needle, at: node.position) { return .bool(true) }
            }
            return .bool(false)
        case (.contains, .string(let text), .string(let needle)):
            try tick(cost: text.utf8.count / Self.bytesPerStep, at: node.position)
            return .bool(needle.isEmpty || text.contains(needle))
        case (.daysBetween, let from, let to):
            let start = try date(from, at: arguments[0])
            let end = try date(to, at: arguments[1])
            return .decimal(Decimal(end.daysSinceEpoch - start.daysSinceEpoch))
        case (.date, let value, _):
            return .date(try date(value, at: arguments[0]))
        case (.money, .decimal(let amount), .string(let code)):
            return .money(try money(amount, code, at: node))
        default:
            let found = values.map(\.spoken).joined(separator: ", ")
            throw failure("\(function.signature) cannot take \(found)", at: node.position)
        }
    }

    private func money(_ amount: Decimal, _ code: String, at node: Node) throws(ExpressionError) -> Money {
        guard let currency = try? Currency(code) else {
            throw failure("expected an ISO 4217 currency code such as USD", at: node.position)
        }
        guard let money = Money.exact(try admitted(amount, at: node.position), currency: currency) else {
            throw failure(
                "\(currency) amounts have at most \(currency.exponent) decimals and must fit in 64 bits",
                at: node.position)
        }
        return money
    }

    private func decimalPlaces(_ value: Value, at node: Node) throws(ExpressionError) -> Int {
        let places = try wholeNumber(value, at: node, "a number of decimal places")
        guard (0...20).contains(places) else { throw failure("round keeps 0 to 20 decimal places", at: node.position) }
        return Int(places)
    }

    /// min or max; literal zeros become zero money in the currency of the
    /// money arguments, which must all share one currency.
    private func extreme(_ isMax: Bool, _ values: [Value], _ arguments: [Node], at node: Node) throws(ExpressionError)
        -> Value
    {
        let currency = values.lazy.compactMap { value -> Currency? in
            if case .money(let money) = value { return money.currency }
            return nil
        }.first
        var best: (value: Value, node: Node)?
        for (value, argument) in zip(values, arguments) {
            var candidate = value
            if let currency, case .decimal(let zero) = value, zero.isZero { candidate = .money(.zero(currency)) }
            guard let current = best else {
                guard [.decimal, .money, .date].contains(where: { Self.sameKind($0, candidate) }) else {
                    throw failure(
                        "expected a number, money or a date, found \(candidate.spoken)", at: argument.position)
                }
                best = (candidate, argument)
                continue
            }
            let order = try compare(candidate, argument, current.value, current.node, at: node.position)
            if order == (isMax ? .orderedDescending : .orderedAscending) { best = (candidate, argument) }
        }
        return best?.value ?? .null
    }

    private static func sameKind(_ kind: ValueType, _ value: Value) -> Bool {
        switch (kind, value) {
        case (.decimal, .decimal), (.money, .money), (.date, .date): true
        default: false
        }
    }

    private func percentage(_ part: Decimal, _ whole: Decimal, at position: SourcePosition) throws(ExpressionError)
        -> Decimal
    {
        guard !(try admitted(whole, at: position)).isZero else {
            throw failure("division by zero: pct of a whole of 0", at: position)
        }
        // Multiplying first keeps more digits than part / whole × 100.
        return try arithmetic(at: position) { () throws(DecimalMath.Failure) in
            try DecimalMath.divide(try DecimalMath.multiply(part, 100), whole)
        }
    }

    // MARK: Values

    @inline(never)
    private func bool(_ value: Value, at node: Node) throws(ExpressionError) -> Bool {
        guard case .bool(let flag) = value else {
            throw failure("expected true or false, found \(value.spoken)", at: node.position)
        }
        return flag
    }

    private func wholeNumber(_ value: Value, at node: Node, _ expected: String) throws(ExpressionError) -> Int64 {
        guard case .decimal(let number) = value,
            let whole = DecimalText.int64(exactly: try admitted(number, at: node.position))
        else {
            let found = if case .decimal = value { "a number that is not whole" } else { value.spoken }
            throw failure("expected \(expected), found \(found)", at: node.position)
        }
        return whole
    }

    /// Dates from data that was not converted to its declared shape arrive as
    /// RFC 3339 strings.
    private func date(_ value: Value, at node: Node) throws(ExpressionError) -> CalendarDate {
        switch value {
        case .date(let date): return date
        case .string(let text):
            guard let date = CalendarDate(rfc3339: text) else {
                throw failure("expected an RFC 3339 date such as 2024-01-31", at: node.position)
            }
            return date
        default:
            throw failure("expected a date, found \(value.spoken)", at: node.position)
        }
    }

    private func admitted(_ value: Decimal, at position: SourcePosition) throws(ExpressionError) -> Decimal {
        try arithmetic(at: position) { () throws(DecimalMath.Failure) in try DecimalMath.admit(value) }
    }

    private func rounded(_ amount: Decimal, _ currency: Currency, at position: SourcePosition) throws(ExpressionError)
        -> Money
    {
        try moneyResult(at: position) { () throws(MoneyError) in
            try Money.rounding(amount, currency: currency, rule: .halfEven)
        }
    }

    private func sameCurrency(_ a: Money, _ b: Money, at position: SourcePosition) throws(ExpressionError) {
        guard a.currency == b.currency else {
            throw ExpressionError(
                .evaluation, "cannot combine \(a.currency) and \(b.currency) amounts", at: position,
                underlyingCode: MoneyError.Kind.currencyMismatch.rawValue)
        }
    }

    // MARK: Errors and budget

    private mutating func tick(cost: Int = 1, at position: SourcePosition) throws(ExpressionError) {
        steps += cost
        guard steps <= maximumSteps else { throw budgetExceeded(at: position) }
    }

    @inline(never)
    private func budgetExceeded(at position: SourcePosition) -> ExpressionError {
        ExpressionError(
            .limit, "the expression took more than \(maximumSteps) steps; it reads too much data", at: position)
    }

    private func failure(_ detail: String, at position: SourcePosition) -> ExpressionError {
        ExpressionError(.evaluation, detail, at: position)
    }

    private func arithmetic(at position: SourcePosition, _ body: () throws(DecimalMath.Failure) -> Decimal)
        throws(ExpressionError) -> Decimal
    {
        do {
            return try body()
        } catch .divisionByZero {
            throw failure("division by zero", at: position)
        } catch {
            throw failure("a number is out of range: results must stay below 10^32", at: position)
        }
    }

    private func moneyResult(at position: SourcePosition, _ body: () throws(MoneyError) -> Money)
        throws(ExpressionError) -> Money
    {
        do {
            return try body()
        } catch {
            // Finance's messages quote the amounts; these name only what went wrong.
            let detail =
                switch error.kind {
                case .overflow: "an amount is out of range: money must fit in 64-bit minor units"
                case .currencyMismatch: "cannot combine amounts in different currencies"
                default: "the amount cannot be computed (\(error.code))"
                }
            throw ExpressionError(.evaluation, detail, at: position, underlyingCode: error.code)
        }
    }
}
