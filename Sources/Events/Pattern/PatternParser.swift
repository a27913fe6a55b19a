/// A `pattern` the catalog cannot use: malformed, or well-formed ECMA-262
/// that this engine does not implement. Refusing is deliberate: a construct
/// read with different semantics would validate events differently from what
/// the schema's author tested elsewhere.
struct PatternSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Position in the pattern, counted in Unicode scalars from 0.
    let offset: Int
    let reason: String

    var description: String { "\(reason) at character \(offset)" }
}

/// A parsed pattern. Groups disappear (matching only answers yes or no, so
/// captures do not matter) and quantifiers keep their bounds.
indirect enum PatternNode: Sendable, Equatable {
    enum Assertion: Sendable, Equatable {
        case start, end, wordBoundary, notWordBoundary
    }

    case empty
    /// One scalar from the set: a literal, an escape, a class or `.`.
    case scalar(ScalarSet)
    case sequence([PatternNode])
    case alternation([PatternNode])
    /// `maximum` nil: unbounded.
    case repetition(PatternNode, minimum: Int, maximum: Int?)
    case assertion(Assertion)
    case lookahead(PatternNode, negated: Bool)
}

/// Parses the ECMA-262 pattern syntax that JSON Schema's `pattern` uses, with
/// the `u` flag's strictness and Unicode-scalar semantics and no other flag.
///
/// Understood: `^` `$` (start and end of input; no multiline), `\b` `\B`,
/// `.` (anything but a line terminator), classes with ranges and negation,
/// `\d \D \w \W \s \S`, `* + ? {m} {m,} {m,n}` (greedy or lazy: the same for a
/// yes/no match), groups `( )`, `(?: )` and `(?<name> )`, lookahead `(?= )`
/// and `(?! )`, `|`, and the escapes `\t \n \v \f \r \0 \cX \xHH \uHHHH \u{H…}`
/// and `\` before a syntax character or `/` (or `-` in a class).
/// Refused: backreferences, lookbehind, `\p{…}`, inline flags, the
/// web-compatibility leniencies (a lone `{`, `}` or `]`, unknown escapes such as `\a`),
/// and, inside classes, an unescaped `[`, `&&` or `--` (set operations elsewhere).
struct PatternParser {
    /// Largest `{m,n}` bound; larger ones would only make very large programs.
    static let maximumBound = 1000
    /// Deepest nesting of groups, so that parsing and compiling recurse a bounded amount.
    static let maximumNesting = 100

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var groupNames: Set<String> = []

    static func parse(_ source: String) throws(PatternSyntaxError) -> PatternNode {
        var parser = PatternParser(scalars: Array(source.unicodeScalars))
        let node = try parser.parseDisjunction(depth: 0)
        if parser.index < parser.scalars.count {
            // parseDisjunction stops only at the end or at a ")" it did not open.
            throw parser.error("unmatched ')'")
        }
        return node
    }

    private init(scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    private func error(_ reason: String, at offset: Int? = nil) -> PatternSyntaxError {
        PatternSyntaxError(offset: offset ?? index, reason: reason)
    }

    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private func peek(_ ahead: Int) -> Unicode.Scalar? {
        index + ahead < scalars.count ? scalars[index + ahead] : nil
    }

    private mutating func consume(_ expected: Unicode.Scalar) -> Bool {
        guard current == expected else { return false }
        index += 1
        return true
    }

    // MARK: Disjunction, alternative, term

    private mutating func parseDisjunction(depth: Int) throws(PatternSyntaxError) -> PatternNode {
        guard depth <= Self.maximumNesting else { throw error("groups nested more than \(Self.maximumNesting) deep") }
        var alternatives = [try parseAlternative(depth: depth)]
        while consume("|") {
            alternatives.append(try parseAlternative(depth: depth))
        }
        return alternatives.count == 1 ? alternatives[0] : .alternation(alternatives)
    }

    private mutating func parseAlternative(depth: Int) throws(PatternSyntaxError) -> PatternNode {
        var terms: [PatternNode] = []
        while let scalar = current, scalar != "|", scalar != ")" {
            terms.append(try parseTerm(depth: depth))
        }
        switch terms.count {
        case 0: return .empty
        case 1: return terms[0]
        default: return .sequence(terms)
        }
    }

    private mutating func parseTerm(depth: Int) throws(PatternSyntaxError) -> PatternNode {
        let start = index
        let atom: PatternNode
        var quantifiable = true
        switch current {
        case "^":
            index += 1
            atom = .assertion(.start)
            quantifiable = false
        case "$":
            index += 1
            atom = .assertion(.end)
            quantifiable = false
        case "\\" where peek(1) == "b" || peek(1) == "B":
            atom = .assertion(peek(1) == "b" ? .wordBoundary : .notWordBoundary)
            index += 2
            quantifiable = false
        case "\\":
            index += 1
            atom = .scalar(try parseEscape(inClass: false))
        case "(":
            (atom, quantifiable) = try parseGroup(depth: depth)
        case "[":
            atom = .scalar(try parseClass())
        case ".":
            index += 1
            atom = .scalar(ScalarSet.lineTerminators.inverted)
        case "*", "+", "?":
            throw error("nothing to repeat")
        case "{":
            throw error(isQuantifierBrace() ? "nothing to repeat before '{'" : "a literal '{' must be written '\\{'")
        case "}":
            throw error("a literal '}' must be written '\\}'")
        case "]":
            throw error("a literal ']' must be written '\\]'")
        case let scalar?:
            index += 1
            atom = .scalar(ScalarSet(scalar: scalar.value))
        case nil:
            throw error("unexpected end of pattern")
        }
        guard let (minimum, maximum) = try parseQuantifier() else { return atom }
        guard quantifiable else {
            throw error("an assertion cannot be repeated", at: start)
        }
        return .repetition(atom, minimum: minimum, maximum: maximum)
    }

    private mutating func parseGroup(depth: Int) throws(PatternSyntaxError) -> (PatternNode, quantifiable: Bool) {
        let start = index
        index += 1
        var lookahead: Bool?
        if consume("?") {
            switch current {
            case ":":
                index += 1
            case "=", "!":
                lookahead = current == "!"
                index += 1
            case "<" where peek(1) == "=" || peek(1) == "!":
                throw error("lookbehind is not supported", at: start)
            case "<":
                index += 1
                try parseGroupName()
            default:
                throw error("only (?:…), (?=…), (?!…) and (?<name>…) groups are supported", at: start)
            }
        }
        let body = try parseDisjunction(depth: depth + 1)
        guard consume(")") else { throw error("missing ')' for the group opened", at: start) }
        if let negated = lookahead {
            // As with the u flag: a lookahead is an assertion and cannot be repeated.
            return (.lookahead(body, negated: negated), false)
        }
        return (body, true)
    }

    /// `name>` after `(?<`: an identifier, unique within the pattern (ECMA-262 requires both).
    private mutating func parseGroupName() throws(PatternSyntaxError) {
        let start = index
        var name = ""
        while let scalar = current, scalar != ">" {
            let isLetter = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_" || scalar == "$"
            guard isLetter || (!name.isEmpty && ("0"..."9").contains(scalar)) else {
                throw error("group names use ASCII letters, digits, '_' and '$' only")
            }
            name.unicodeScalars.append(scalar)
            index += 1
        }
        guard !name.isEmpty, consume(">") else { throw error("malformed group name", at: start) }
        guard groupNames.insert(name).inserted else { throw error("duplicate group name '\(name)'", at: start) }
    }

    // MARK: Quantifiers

    /// Whether the `{` at the current position opens a well-formed `{m}`, `{m,}` or `{m,n}`.
    private func isQuantifierBrace() -> Bool {
        var probe = self
        return (try? probe.parseBraces()) != nil
    }

    private mutating func parseQuantifier() throws(PatternSyntaxError) -> (Int, Int?)? {
        let bounds: (Int, Int?)
        switch current {
        case "*":
            index += 1
            bounds = (0, nil)
        case "+":
            index += 1
            bounds = (1, nil)
        case "?":
            index += 1
            bounds = (0, 1)
        case "{":
            bounds = try parseBraces()
        default:
            return nil
        }
        _ = consume("?")  // lazy: the same set of matching strings
        if current == "*" || current == "+" || current == "?" || current == "{" {
            throw error("nothing to repeat (a quantifier cannot follow a quantifier)")
        }
        return bounds
    }

    private mutating func parseBraces() throws(PatternSyntaxError) -> (Int, Int?) {
        let start = index
        index += 1
        guard let minimum = try parseBound() else { throw error("malformed {m,n} quantifier", at: start) }
        var maximum: Int? = minimum
        if consume(",") {
            maximum = try parseBound()
        }
        guard consume("}") else { throw error("malformed {m,n} quantifier", at: start) }
        if let maximum, maximum < minimum {
            throw error("the quantifier's bounds are out of order", at: start)
        }
        return (minimum, maximum)
    }

    private mutating func parseBound() throws(PatternSyntaxError) -> Int? {
        var value: Int?
        while let scalar = current, ("0"..."9").contains(scalar) {
            value = (value ?? 0) * 10 + Int(scalar.value - 0x30)
            guard let bound = value, bound <= Self.maximumBound else {
                throw error("repetition bounds above \(Self.maximumBound) are not supported")
            }
            index += 1
        }
        return value
    }

    // MARK: Classes and escapes

    private mutating func parseClass() throws(PatternSyntaxError) -> ScalarSet {
        let start = index
        index += 1
        let negated = consume("^")
        var members: [ClosedRange<UInt32>] = []
        while true {
            guard let scalar = current else { throw error("missing ']' for the class opened", at: start) }
            if scalar == "]" {
                index += 1
                break
            }
            let atomStart = index
            let first = try parseClassAtom()
            if current == "-" && peek(1) == "-" {
                throw error("'--' in a class is set subtraction in some dialects; write '\\-' for a literal '-'")
            }
            if current == "-", let after = peek(1), after != "]" {
                index += 1
                let second = try parseClassAtom()
                guard first.ranges.count == 1, first.ranges[0].count == 1, second.ranges.count == 1,
                    second.ranges[0].count == 1
                else { throw error("a class range needs a single character at each end", at: atomStart) }
                let low = first.ranges[0].lowerBound
                let high = second.ranges[0].lowerBound
                guard low <= high else { throw error("the class range is out of order", at: atomStart) }
                members.append(low...high)
            } else {
                members.append(contentsOf: first.ranges)
            }
        }
        let set = ScalarSet(members)
        return negated ? set.inverted : set
    }

    private mutating func parseClassAtom() throws(PatternSyntaxError) -> ScalarSet {
        guard let scalar = current else { throw error("unexpected end of pattern") }
        // Nested classes, `&&` and `--` are set operations in ICU and in ECMA-262's v mode but
        // literals with the u flag: refused, so that no reader takes them the other way.
        if scalar == "[" { throw error("a literal '[' in a class must be written '\\['") }
        if scalar == "&" && peek(1) == "&" {
            throw error("'&&' in a class is set intersection in some dialects and is not supported")
        }
        if scalar == "-" && peek(1) == "-" {
            throw error("'--' in a class is set subtraction in some dialects; write '\\-' for a literal '-'")
        }
        index += 1
        guard scalar == "\\" else { return ScalarSet(scalar: scalar.value) }
        return try parseEscape(inClass: true)
    }

    /// The escape after a `\` (already consumed); `\b` and `\B` outside classes are handled as assertions.
    private mutating func parseEscape(inClass: Bool) throws(PatternSyntaxError) -> ScalarSet {
        let start = index - 1
        guard let scalar = current else { throw error("the pattern ends with a lone '\\'", at: start) }
        index += 1
        switch scalar {
        case "d": return .digits
        case "D": return ScalarSet.digits.inverted
        case "w": return .wordCharacters
        case "W": return ScalarSet.wordCharacters.inverted
        case "s": return .whiteSpace
        case "S": return ScalarSet.whiteSpace.inverted
        case "t": return ScalarSet(scalar: 0x09)
        case "n": return ScalarSet(scalar: 0x0A)
        case "v": return ScalarSet(scalar: 0x0B)
        case "f": return ScalarSet(scalar: 0x0C)
        case "r": return ScalarSet(scalar: 0x0D)
        case "b" where inClass: return ScalarSet(scalar: 0x08)
        case "-" where inClass: return ScalarSet(scalar: 0x2D)
        case "0":
            if let next = current, ("0"..."9").contains(next) {
                throw error("octal escapes are not supported", at: start)
            }
            return ScalarSet(scalar: 0)
        case "1"..."9":
            throw error("backreferences are not supported", at: start)
        case "k":
            throw error("named backreferences are not supported", at: start)
        case "p", "P":
            throw error("Unicode property escapes (\\p{…}) are not supported", at: start)
        case "c":
            guard let letter = current, ("a"..."z").contains(letter) || ("A"..."Z").contains(letter) else {
                throw error("\\c must be followed by an ASCII letter", at: start)
            }
            index += 1
            return ScalarSet(scalar: letter.value % 32)
        case "x":
            guard let value = parseHex(digits: 2) else { throw error("\\x needs two hex digits", at: start) }
            return ScalarSet(scalar: value)
        case "u":
            return ScalarSet(scalar: try parseUnicodeEscape(start: start))
        case "^", "$", "\\", ".", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|", "/":
            return ScalarSet(scalar: scalar.value)
        default:
            throw error("unknown escape '\\\(scalar)'", at: start)
        }
    }

    /// After `\u`: `HHHH` (a surrogate pair written as two escapes combines) or `{H…}`.
    private mutating func parseUnicodeEscape(start: Int) throws(PatternSyntaxError) -> UInt32 {
        if consume("{") {
            var value: UInt32 = 0
            var digits = 0
            while let scalar = current, let digit = Self.hexValue(scalar) {
                value = value * 16 + digit
                digits += 1
                guard value <= ScalarSet.maximum else { throw error("\\u{…} above 10FFFF", at: start) }
                index += 1
            }
            guard digits > 0, consume("}") else { throw error("malformed \\u{…} escape", at: start) }
            guard !(0xD800...0xDFFF).contains(value) else { throw error("lone surrogates are not supported", at: start) }
            return value
        }
        guard let value = parseHex(digits: 4) else { throw error("\\u needs four hex digits", at: start) }
        if (0xD800...0xDBFF).contains(value), current == "\\", peek(1) == "u" {
            let saved = index
            index += 2
            if let low = parseHex(digits: 4), (0xDC00...0xDFFF).contains(low) {
                return 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            }
            index = saved
        }
        guard !(0xD800...0xDFFF).contains(value) else { throw error("lone surrogates are not supported", at: start) }
        return value
    }

    private mutating func parseHex(digits: Int) -> UInt32? {
        guard index + digits <= scalars.count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<digits {
            guard let digit = Self.hexValue(scalars[index + offset]) else { return nil }
            value = value * 16 + digit
        }
        index += digits
        return value
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": scalar.value - 0x30
        case "a"..."f": scalar.value - 0x61 + 10
        case "A"..."F": scalar.value - 0x41 + 10
        default: nil
        }
    }
}
