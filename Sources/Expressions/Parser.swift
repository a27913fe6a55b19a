/// Precedence climbing over the token list. The grammar, loosest first:
///
/// ```
/// expression     = or ;
/// or             = and { "or" and } ;
/// and            = not { "and" not } ;
/// not            = "not" not | comparison ;
/// comparison     = coalesce [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) coalesce ] ;   (does not chain)
/// coalesce       = additive [ "??" coalesce ] ;                                         (right-associative)
/// additive       = multiplicative { ( "+" | "-" ) multiplicative } ;
/// multiplicative = unary { ( "*" | "/" ) unary } ;
/// unary          = "-" unary | postfix ;
/// postfix        = primary { "." field | "[" string "]" | "[" expression "]" } ;
/// primary        = number | string | "true" | "false" | "null" | name
///                | function "(" [ expression { "," expression } ] ")" | "(" expression ")" ;
/// field          = name | "true" | "false" | "null" | "and" | "or" | "not" ;
/// name           = ( letter | "_" ) { letter | digit | "_" } ;       (not a keyword)
/// number         = digit { digit } [ "." digit { digit } ] ;         (at most 30 digits)
/// string         = '"' { character | "\" ( '"' | "\" | "n" | "t" | "r" | "u{" hex{1,6} "}" ) } '"' ;
/// ```
///
/// Nesting is guarded twice: `descend` counts recursion on the way down (so
/// `((((…` or `- - - …` cannot exhaust the stack before a node exists), and
/// `make` refuses any node deeper than the limit (so left-leaning chains
/// such as `1 + 1 + … + 1`, built in a loop, are bounded too).
struct Parser {
    private let tokens: [Token]
    private let maximumDepth: Int
    private var index = 0
    private var nesting = 0

    private init(tokens: [Token], maximumDepth: Int) {
        self.tokens = tokens
        self.maximumDepth = maximumDepth
    }

    static func parse(_ source: String, maximumDepth: Int) throws(ExpressionError) -> Node {
        var parser = Parser(tokens: try Lexer.tokens(source), maximumDepth: maximumDepth)
        if parser.current.kind == .end {
            throw ExpressionError(.syntax, "the expression is empty", at: parser.current.position)
        }
        let node = try parser.expression()
        guard parser.current.kind == .end else {
            throw ExpressionError(
                .syntax, "expected an operator or the end of the expression, found \(parser.current.quoted)",
                at: parser.current.position)
        }
        return node
    }

    // MARK: Tokens

    /// The lexer always ends the list with `.end`, and nothing advances past it.
    private var current: Token { tokens[Swift.min(index, tokens.count - 1)] }

    private func peek(_ ahead: Int) -> Token { tokens[Swift.min(index + ahead, tokens.count - 1)] }

    private mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    // MARK: Limits

    private mutating func descend(at position: SourcePosition) throws(ExpressionError) {
        nesting += 1
        guard nesting <= maximumDepth else { throw tooDeep(at: position) }
    }

    private func make(_ kind: Node.Kind, at position: SourcePosition) throws(ExpressionError) -> Node {
        let node = Node(kind, at: position)
        guard node.depth <= maximumDepth else { throw tooDeep(at: position) }
        return node
    }

    @inline(never)
    private func tooDeep(at position: SourcePosition) -> ExpressionError {
        ExpressionError(
            .limit, "the expression is nested more than \(maximumDepth) levels deep; split it into simpler parts",
            at: position)
    }

    // MARK: Grammar

    /// Binding power, loosest first.
    private enum Precedence: Int, Comparable {
        case lowest, or, and, not, comparison, coalesce, additive, multiplicative, prefix

        var tighter: Precedence { Precedence(rawValue: rawValue + 1) ?? .prefix }

        static func < (lhs: Precedence, rhs: Precedence) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private static let infixOperators: [Token.Kind: (op: BinaryOperator, precedence: Precedence)] = [
        .orKeyword: (.or, .or), .andKeyword: (.and, .and),
        .equal: (.equal, .comparison), .notEqual: (.notEqual, .comparison), .less: (.less, .comparison),
        .lessEqual: (.lessEqual, .comparison), .greater: (.greater, .comparison),
        .greaterEqual: (.greaterEqual, .comparison),
        .coalesce: (.coalesce, .coalesce),
        .plus: (.add, .additive), .minus: (.subtract, .additive),
        .star: (.multiply, .multiplicative), .slash: (.divide, .multiplicative),
    ]

    @inline(never)
    private static func chainedComparison(at position: SourcePosition) -> ExpressionError {
        ExpressionError(
            .syntax, "comparisons cannot be chained; join them with and, as in a < b and b < c", at: position)
    }

    /// Precedence climbing: an operand, then every operator that binds at
    /// least as tightly as `minimum`. One function for all levels keeps the
    /// stack shallow per nesting level.
    private mutating func expression(_ minimum: Precedence = .lowest) throws(ExpressionError) -> Node {
        try descend(at: current.position)
        defer { nesting -= 1 }
        var left = try prefix(minimum)
        var compared = false
        while let (op, precedence) = Self.infixOperators[current.kind], precedence >= minimum {
            if precedence == .comparison {
                // `a < b < c` would compare a boolean with `c`.
                guard !compared else { throw Self.chainedComparison(at: current.position) }
                compared = true
            }
            let position = current.position
            advance()
            // `??` is right-associative (`a ?? b ?? c` tries a, then b, then c);
            // the rest are left-associative or, for comparisons, do not associate.
            let right = try expression(op == .coalesce ? precedence : precedence.tighter)
            left = try make(.binary(op, left, right, at: position), at: left.position)
        }
        return left
    }

    @inline(never)
    private static func misplacedNot(at position: SourcePosition) -> ExpressionError {
        ExpressionError(.syntax, "expected a value, found 'not'; write (not …) in parentheses here", at: position)
    }

    private mutating func prefix(_ minimum: Precedence) throws(ExpressionError) -> Node {
        let token = current
        switch token.kind {
        case .notKeyword:
            // `not` binds looser than comparisons (`not a == b` is `not (a == b)`),
            // so it cannot start the operand of a tighter operator.
            guard minimum <= .not else { throw Self.misplacedNot(at: token.position) }
            advance()
            return try make(.not(try expression(.not)), at: token.position)
        case .minus:
            advance()
            return try make(.negate(try expression(.prefix)), at: token.position)
        default:
            return try operand()
        }
    }

    /// A primary value and any `.field`, `["key"]` and `[index]` after it.
    private mutating func operand() throws(ExpressionError) -> Node {
        var node = try primary()
        while true {
            switch current.kind {
            case .dot: node = try field(of: node)
            case .leftBracket: node = try subscripted(node)
            default: return node
            }
        }
    }

    private mutating func subscripted(_ base: Node) throws(ExpressionError) -> Node {
        let open = current.position
        advance()
        // `object["a key"]` reaches keys that are not names; it is a field, not an index.
        if case .string = current.kind, peek(1).kind == .rightBracket { return try quotedField(of: base) }
        let index = try expression()
        try close(.rightBracket, opened: open)
        return try make(.index(base, index), at: base.position)
    }

    private mutating func primary() throws(ExpressionError) -> Node {
        switch current.kind {
        case .leftParen:
            let open = current.position
            advance()
            let inner = try expression()
            try close(.rightParen, opened: open)
            return inner
        case .identifier where peek(1).kind == .leftParen:
            return try call()
        default:
            return try literalOrName()
        }
    }

    private mutating func call() throws(ExpressionError) -> Node {
        let position = current.position
        let function = try resolveFunction()
        advance()
        advance()
        var arguments: [Node] = []
        if current.kind != .rightParen {
            while true {
                arguments.append(try expression())
                guard current.kind == .comma else { break }
                advance()
            }
        }
        try closeArguments(of: function, count: arguments.count, at: position)
        return try make(.call(function, arguments), at: position)
    }

    // MARK: Leaves
    //
    // Everything below is non-recursive and kept out of line, so the
    // recursive functions above stay small frames.

    @inline(never)
    private mutating func literalOrName() throws(ExpressionError) -> Node {
        let token = current
        let kind: Node.Kind
        switch token.kind {
        case .number(let value): kind = .literal(.decimal(value))
        case .string(let value): kind = .literal(.string(value))
        case .trueKeyword: kind = .literal(.bool(true))
        case .falseKeyword: kind = .literal(.bool(false))
        case .nullKeyword: kind = .literal(.null)
        case .identifier(let name): kind = .name(name)
        default: throw ExpressionError(.syntax, "expected a value, found \(token.quoted)", at: token.position)
        }
        advance()
        return try make(kind, at: token.position)
    }

    @inline(never)
    private mutating func field(of base: Node) throws(ExpressionError) -> Node {
        advance()
        let token = current
        let field: String
        switch token.kind {
        case .identifier(let name): field = name
        // JSON keys may be words the language reserves (`flags.null`).
        case .trueKeyword, .falseKeyword, .nullKeyword, .andKeyword, .orKeyword, .notKeyword: field = token.text
        default:
            throw ExpressionError(.syntax, "expected a field name after '.', found \(token.quoted)", at: token.position)
        }
        advance()
        return try make(.member(base, field: field, at: token.position), at: base.position)
    }

    @inline(never)
    private mutating func quotedField(of base: Node) throws(ExpressionError) -> Node {
        let token = current
        guard case .string(let field) = token.kind else { return base }
        advance()
        advance()
        return try make(.member(base, field: field, at: token.position), at: base.position)
    }

    @inline(never)
    private mutating func close(_ kind: Token.Kind, opened open: SourcePosition) throws(ExpressionError) {
        guard current.kind != kind else {
            advance()
            return
        }
        let bracket = kind == .rightParen ? "')' to close the '('" : "']' to close the '['"
        throw ExpressionError(.syntax, "expected \(bracket) at \(open), found \(current.quoted)", at: current.position)
    }

    @inline(never)
    private func resolveFunction() throws(ExpressionError) -> Function {
        let token = current
        guard case .identifier(let name) = token.kind, let function = Function(rawValue: name) else {
            let hint =
                Suggestion.closest(to: token.text, among: Function.allCases.map(\.rawValue))
                .map { "; did you mean \($0)?" } ?? "; the functions are \(Function.names)"
            throw ExpressionError(.unknownName, "unknown function '\(token.text)'\(hint)", at: token.position)
        }
        return function
    }

    @inline(never)
    private mutating func closeArguments(of function: Function, count: Int, at position: SourcePosition)
        throws(ExpressionError)
    {
        guard current.kind == .rightParen else {
            throw ExpressionError(
                .syntax, "expected ',' or ')' in the arguments of \(function.rawValue), found \(current.quoted)",
                at: current.position)
        }
        advance()
        guard function.arity.contains(count) else {
            let arity = function.arity
            let expected =
                arity.lowerBound == arity.upperBound
                ? "\(arity.lowerBound) argument\(arity.lowerBound == 1 ? "" : "s")"
                : "at least \(arity.lowerBound) arguments"
            throw ExpressionError(
                .syntax, "\(function.rawValue) takes \(expected), found \(count): \(function.signature)", at: position)
        }
    }
}

/// "Did you mean …?" for misspelt names.
enum Suggestion {
    /// The candidate within a small edit distance of `name`, if exactly one is closest.
    static func closest(to name: String, among candidates: some Sequence<String>) -> String? {
        let target = Array(name.unicodeScalars)
        guard target.count <= 64 else { return nil }
        let allowed = Swift.max(1, target.count / 3)
        var best: (name: String, distance: Int)?
        for candidate in candidates.sorted() {
            let distance = editDistance(target, Array(candidate.unicodeScalars))
            if distance <= allowed, distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        return best?.name
    }

    private static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var row = previous
        for i in 1...a.count {
            row[0] = i
            for j in 1...b.count {
                row[j] = Swift.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &row)
        }
        return previous[b.count]
    }
}
