/// Recursive descent over the token list, one function per precedence level.
///
/// Nesting is guarded twice: `descend` counts recursion on the way down (so
/// `((((…` or `- - - …` cannot blow the stack before a node exists), and
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

    private mutating func expect(_ kind: Token.Kind, _ detail: @autoclosure () -> String) throws(ExpressionError) {
        guard current.kind == kind else {
            throw ExpressionError(.syntax, "\(detail()), found \(current.quoted)", at: current.position)
        }
        advance()
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

    private func tooDeep(at position: SourcePosition) -> ExpressionError {
        ExpressionError(
            .limit, "the expression is nested more than \(maximumDepth) levels deep; split it into simpler parts",
            at: position)
    }

    // MARK: Grammar

    private mutating func expression() throws(ExpressionError) -> Node {
        try descend(at: current.position)
        defer { nesting -= 1 }
        return try or()
    }

    private mutating func or() throws(ExpressionError) -> Node {
        var left = try and()
        while current.kind == .orKeyword {
            let position = current.position
            advance()
            let right = try and()
            left = try make(.binary(.or, left, right, at: position), at: left.position)
        }
        return left
    }

    private mutating func and() throws(ExpressionError) -> Node {
        var left = try not()
        while current.kind == .andKeyword {
            let position = current.position
            advance()
            let right = try not()
            left = try make(.binary(.and, left, right, at: position), at: left.position)
        }
        return left
    }

    private mutating func not() throws(ExpressionError) -> Node {
        guard current.kind == .notKeyword else { return try comparison() }
        let position = current.position
        advance()
        try descend(at: position)
        defer { nesting -= 1 }
        return try make(.not(try not()), at: position)
    }

    private static let comparisons: [Token.Kind: BinaryOperator] = [
        .equal: .equal, .notEqual: .notEqual, .less: .less, .lessEqual: .lessEqual, .greater: .greater,
        .greaterEqual: .greaterEqual,
    ]

    /// Comparisons do not chain: `a < b < c` would compare a boolean with `c`.
    private mutating func comparison() throws(ExpressionError) -> Node {
        let left = try coalescing()
        guard let op = Self.comparisons[current.kind] else { return left }
        let position = current.position
        advance()
        let right = try coalescing()
        if Self.comparisons[current.kind] != nil {
            throw ExpressionError(
                .syntax, "comparisons cannot be chained; join them with and, as in a < b and b < c",
                at: current.position)
        }
        return try make(.binary(op, left, right, at: position), at: left.position)
    }

    /// Right-associative: `a ?? b ?? c` tries `a`, then `b`, then `c`.
    private mutating func coalescing() throws(ExpressionError) -> Node {
        let left = try additive()
        guard current.kind == .coalesce else { return left }
        let position = current.position
        advance()
        try descend(at: position)
        defer { nesting -= 1 }
        let right = try coalescing()
        return try make(.binary(.coalesce, left, right, at: position), at: left.position)
    }

    private mutating func additive() throws(ExpressionError) -> Node {
        var left = try multiplicative()
        while current.kind == .plus || current.kind == .minus {
            let op: BinaryOperator = current.kind == .plus ? .add : .subtract
            let position = current.position
            advance()
            let right = try multiplicative()
            left = try make(.binary(op, left, right, at: position), at: left.position)
        }
        return left
    }

    private mutating func multiplicative() throws(ExpressionError) -> Node {
        var left = try unary()
        while current.kind == .star || current.kind == .slash {
            let op: BinaryOperator = current.kind == .star ? .multiply : .divide
            let position = current.position
            advance()
            let right = try unary()
            left = try make(.binary(op, left, right, at: position), at: left.position)
        }
        return left
    }

    private mutating func unary() throws(ExpressionError) -> Node {
        guard current.kind == .minus else { return try postfix() }
        let position = current.position
        advance()
        try descend(at: position)
        defer { nesting -= 1 }
        return try make(.negate(try unary()), at: position)
    }

    private mutating func postfix() throws(ExpressionError) -> Node {
        var node = try primary()
        while true {
            switch current.kind {
            case .dot:
                advance()
                let field: String
                switch current.kind {
                case .identifier(let name): field = name
                // JSON keys may be words the language reserves (`flags.null`).
                case .trueKeyword, .falseKeyword, .nullKeyword, .andKeyword, .orKeyword, .notKeyword:
                    field = current.text
                default:
                    throw ExpressionError(
                        .syntax, "expected a field name after '.', found \(current.quoted)", at: current.position)
                }
                let fieldPosition = current.position
                advance()
                node = try make(.member(node, field: field, at: fieldPosition), at: node.position)
            case .leftBracket:
                let open = current.position
                advance()
                // `object["a key"]` reaches keys that are not names; it is a field, not an index.
                if case .string(let field) = current.kind, peek(1).kind == .rightBracket {
                    let fieldPosition = current.position
                    advance()
                    advance()
                    node = try make(.member(node, field: field, at: fieldPosition), at: node.position)
                    continue
                }
                let subscriptNode = try expression()
                try expect(.rightBracket, "expected ']' to close the '[' at \(open)")
                node = try make(.index(node, subscriptNode), at: node.position)
            default:
                return node
            }
        }
    }

    private mutating func primary() throws(ExpressionError) -> Node {
        let token = current
        switch token.kind {
        case .number(let value):
            advance()
            return try make(.literal(.decimal(value)), at: token.position)
        case .string(let value):
            advance()
            return try make(.literal(.string(value)), at: token.position)
        case .trueKeyword, .falseKeyword:
            advance()
            return try make(.literal(.bool(token.kind == .trueKeyword)), at: token.position)
        case .nullKeyword:
            advance()
            return try make(.literal(.null), at: token.position)
        case .identifier(let name):
            advance()
            guard current.kind == .leftParen else { return try make(.name(name), at: token.position) }
            return try call(name, at: token.position)
        case .leftParen:
            advance()
            let inner = try expression()
            try expect(.rightParen, "expected ')' to close the '(' at \(token.position)")
            return inner
        default:
            throw ExpressionError(.syntax, "expected a value, found \(token.quoted)", at: token.position)
        }
    }

    private mutating func call(_ name: String, at position: SourcePosition) throws(ExpressionError) -> Node {
        guard let function = Function(rawValue: name) else {
            let hint = Suggestion.closest(to: name, among: Function.allCases.map(\.rawValue))
                .map { "; did you mean \($0)?" } ?? "; the functions are \(Function.names)"
            throw ExpressionError(.unknownName, "unknown function '\(name)'\(hint)", at: position)
        }
        advance()
        var arguments: [Node] = []
        if current.kind != .rightParen {
            while true {
                arguments.append(try expression())
                guard current.kind == .comma else { break }
                advance()
            }
        }
        try expect(.rightParen, "expected ',' or ')' in the arguments of \(name)")
        guard function.arity.contains(arguments.count) else {
            let expected =
                function.arity.lowerBound == function.arity.upperBound
                ? "\(function.arity.lowerBound) argument\(function.arity.lowerBound == 1 ? "" : "s")"
                : "at least \(function.arity.lowerBound) arguments"
            throw ExpressionError(
                .syntax, "\(name) takes \(expected), found \(arguments.count): \(function.signature)", at: position)
        }
        return try make(.call(function, arguments), at: position)
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
