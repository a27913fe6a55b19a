/// A compiled `pattern` keyword: ECMA-262 syntax (see `PatternParser` for the
/// supported subset), unanchored as JSON Schema requires, matched over
/// Unicode scalars.
///
/// Compiled once when the catalog loads; matching is guaranteed linear in the
/// input's length, so a hostile string cannot make validation slow, and a
/// pattern that uses anything unsupported fails the catalog load instead of
/// being read with different semantics.
struct Pattern: Sendable {
    /// An automaton that must match, or with `negated` must not.
    struct Condition: Sendable {
        let automaton: PatternAutomaton
        let negated: Bool
    }

    let source: String
    /// The whole pattern as one program, for `PatternNFA`.
    let program: PatternProgram
    /// The fast path; nil when the pattern needs `PatternNFA` (see `PatternAutomaton` for when).
    let automaton: PatternAutomaton?
    /// With `automaton`: what leading lookaheads became, checked first.
    let conditions: [Condition]

    init(_ source: String) throws(PatternSyntaxError) {
        self.source = source
        let node = try PatternParser.parse(source)
        self.program = try PatternProgram(node)
        if let (conditions, automaton) = Self.automata(for: node) {
            self.conditions = conditions
            self.automaton = automaton
        } else {
            self.conditions = []
            self.automaton = nil
        }
    }

    func matches(_ text: String) -> Bool {
        if let automaton {
            for condition in conditions where condition.automaton.matches(text) == condition.negated { return false }
            return automaton.matches(text)
        }
        var simulation = PatternNFA(program, input: text)
        return simulation.run()
    }

    /// Automata for the pattern, or nil if some part of it needs the NFA.
    ///
    /// Leading lookaheads, the idiom `^(?=A)(?!B)C` ("a C that is also an A and not a B"),
    /// hold at position 0 only, so they split exactly into separate patterns without
    /// lookahead: `^(?:A)` must match, `^(?:B)` must not, and `^(?:C)` must match.
    private static func automata(for node: PatternNode) -> ([Condition], PatternAutomaton)? {
        var main = node
        var conditions: [Condition] = []
        if case .sequence(let items) = node, items.first == .assertion(.start) {
            var rest = items.dropFirst()
            while case .lookahead(let body, let negated)? = rest.first {
                guard let automaton = Self.automaton(for: .sequence([.assertion(.start), body])) else { return nil }
                conditions.append(Condition(automaton: automaton, negated: negated))
                rest = rest.dropFirst()
            }
            if !conditions.isEmpty { main = .sequence([.assertion(.start)] + rest) }
        }
        guard let automaton = Self.automaton(for: main) else { return nil }
        return (conditions, automaton)
    }

    private static func automaton(for node: PatternNode) -> PatternAutomaton? {
        // Every piece is part of a pattern that compiled, so it compiles too; nil only means "use the NFA".
        guard let program = try? PatternProgram(node) else { return nil }
        return PatternAutomaton(program)
    }
}
