import Finance
import Foundation

/// A node of the syntax tree with where it starts in the source.
///
/// `depth` is kept on every node so the parser can refuse a tree deeper
/// than the limit while building it: checking and evaluation recurse, and a
/// hostile template must not be able to exhaust the stack.
struct Node: Sendable {
    indirect enum Kind: Sendable {
        case literal(Value)
        /// A root name of the environment: `invoice`.
        case name(String)
        /// `base.field`, or `base["field"]` for keys that are not names.
        case member(Node, field: String, at: SourcePosition)
        case index(Node, Node)
        case negate(Node)
        case not(Node)
        case binary(BinaryOperator, Node, Node, at: SourcePosition)
        case call(Function, [Node])
    }

    let kind: Kind
    let position: SourcePosition
    let depth: Int

    init(_ kind: Kind, at position: SourcePosition) {
        self.kind = kind
        self.position = position
        let children: [Node] =
            switch kind {
            case .literal, .name: []
            case .member(let base, _, _): [base]
            case .index(let base, let index): [base, index]
            case .negate(let operand), .not(let operand): [operand]
            case .binary(_, let left, let right, _): [left, right]
            case .call(_, let arguments): arguments
            }
        depth = 1 + (children.map(\.depth).max() ?? 0)
    }

    /// The environment's root names the tree reads.
    var rootNames: Set<String> {
        switch kind {
        case .literal: []
        case .name(let name): [name]
        case .member(let base, _, _): base.rootNames
        case .index(let base, let index): base.rootNames.union(index.rootNames)
        case .negate(let operand), .not(let operand): operand.rootNames
        case .binary(_, let left, let right, _): left.rootNames.union(right.rootNames)
        case .call(_, let arguments): arguments.reduce(into: []) { $0.formUnion($1.rootNames) }
        }
    }

    /// A literal zero, which may stand for zero money of any currency
    /// (`invoice.total > 0`): zero is the one amount that needs no currency.
    var isZeroLiteral: Bool {
        switch kind {
        case .literal(.decimal(let value)): value.isZero
        case .negate(let operand): operand.isZeroLiteral
        default: false
        }
    }

    /// `invoice.lines[0].qty` for a path, nil for anything else: messages name
    /// paths as the author wrote them.
    var pathText: String? {
        switch kind {
        case .name(let name): name
        case .member(let base, let field, _): base.pathText.map { $0 + Node.fieldSuffix(field) }
        case .index(let base, let index):
            base.pathText.map { base in
                if case .literal(.decimal(let value)) = index.kind { return base + "[\(DecimalText.text(value))]" }
                return base + "[…]"
            }
        default: nil
        }
    }

    static func fieldSuffix(_ field: String) -> String {
        isName(field) ? "." + field : "[" + Value.string(field).description + "]"
    }

    static func isName(_ text: String) -> Bool {
        guard let first = text.utf8.first, !(48...57).contains(first), Token.keywords[text] == nil else { return false }
        return text.utf8.allSatisfy {
            (65...90).contains($0) || (97...122).contains($0) || (48...57).contains($0) || $0 == 95
        }
    }

    /// Fully parenthesised source with the same meaning: shows how precedence
    /// and associativity grouped the expression.
    var parenthesized: String {
        switch kind {
        case .literal(let value): value.description
        case .name(let name): name
        case .member(let base, let field, _): base.parenthesized + Node.fieldSuffix(field)
        case .index(let base, let index): base.parenthesized + "[" + index.parenthesized + "]"
        case .negate(let operand): "(-" + operand.parenthesized + ")"
        case .not(let operand): "(not " + operand.parenthesized + ")"
        case .binary(let op, let left, let right, _):
            "(" + left.parenthesized + " " + op.rawValue + " " + right.parenthesized + ")"
        case .call(let function, let arguments):
            function.rawValue + "(" + arguments.map(\.parenthesized).joined(separator: ", ") + ")"
        }
    }
}

enum BinaryOperator: String, Sendable {
    case or, and
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case coalesce = "??"
    case add = "+", subtract = "-", multiply = "*", divide = "/"

    var isOrdering: Bool { [.less, .lessEqual, .greater, .greaterEqual].contains(self) }
    var isEquality: Bool { self == .equal || self == .notEqual }
}

/// The built-in functions. There are no others: a template cannot define
/// functions, so evaluation always terminates.
enum Function: String, Sendable, CaseIterable {
    case abs, min, max, round, pct, len, contains
    case daysBetween = "days_between"
    case date, coalesce, money

    /// Argument counts, checked when parsing.
    var arity: ClosedRange<Int> {
        switch self {
        case .abs, .len, .date: 1...1
        case .round, .pct, .contains, .daysBetween, .money: 2...2
        case .min, .max: 2...Int.max
        case .coalesce: 1...Int.max
        }
    }

    /// How the function is called, for messages.
    var signature: String {
        switch self {
        case .abs: "abs(number or money)"
        case .min: "min(a, b, …)"
        case .max: "max(a, b, …)"
        case .round: "round(number or money, places)"
        case .pct: "pct(part, whole)"
        case .len: "len(list or string)"
        case .contains: "contains(list or string, value)"
        case .daysBetween: "days_between(from date, to date)"
        case .date: "date(\"2024-01-31\")"
        case .coalesce: "coalesce(a, b, …)"
        case .money: "money(amount, \"USD\")"
        }
    }

    static let names = allCases.map(\.rawValue).sorted().joined(separator: ", ")
}
