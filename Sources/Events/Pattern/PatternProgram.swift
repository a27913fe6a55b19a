/// One step of a compiled pattern: a Thompson NFA written as instructions.
struct PatternInstruction: Sendable, Equatable {
    enum Operation: UInt8, Sendable {
        /// Take one scalar from `sets[target]`, then go on at the next instruction.
        case consume
        /// Go on at both `target` and `alternative`.
        case split
        case jump
        /// Zero-width checks; each goes on at the next instruction when it holds.
        case assertStart, assertEnd, wordBoundary, notWordBoundary
        /// Holds when routine `target` matches (or, negative, does not match) from here.
        case lookahead, negativeLookahead
        case match
    }

    var operation: Operation
    var target: Int32 = 0
    var alternative: Int32 = 0
}

/// A pattern compiled to instructions: routine 0 is the pattern, each further
/// routine the body of one lookahead, ending in `match`.
///
/// Repetitions with bounds are written out (`a{2,4}` is `aa(a(a)?)?`), so the
/// program can grow; `maximumInstructions` caps it.
struct PatternProgram: Sendable {
    static let maximumInstructions = 20_000

    let routines: [[PatternInstruction]]
    let sets: [ScalarSet]

    /// Whether some instruction needs more than the current scalar (a lookahead, `\b` or `\B`).
    var needsContext: Bool {
        routines.count > 1
            || routines[0].contains { $0.operation == .wordBoundary || $0.operation == .notWordBoundary }
    }

    /// Whether every match must begin at the start of the input (the pattern starts with `^`).
    var isAnchoredAtStart: Bool { routines[0].first?.operation == .assertStart }

    init(_ node: PatternNode) throws(PatternSyntaxError) {
        var builder = Builder()
        try builder.compile(node, into: 0)
        try builder.emit(PatternInstruction(operation: .match), into: 0)
        routines = builder.routines
        sets = builder.sets
    }

    private struct Builder {
        var routines: [[PatternInstruction]] = [[]]
        var sets: [ScalarSet] = []
        var setNumbers: [ScalarSet: Int32] = [:]
        var total = 0

        @discardableResult
        mutating func emit(_ instruction: PatternInstruction, into routine: Int) throws(PatternSyntaxError) -> Int {
            total += 1
            guard total <= PatternProgram.maximumInstructions else {
                throw PatternSyntaxError(
                    offset: 0,
                    reason: "the pattern is too large once its repetitions are written out "
                        + "(more than \(PatternProgram.maximumInstructions) steps)")
            }
            routines[routine].append(instruction)
            return routines[routine].count - 1
        }

        func next(_ routine: Int) -> Int32 { Int32(routines[routine].count) }

        mutating func number(_ set: ScalarSet) -> Int32 {
            if let known = setNumbers[set] { return known }
            sets.append(set)
            setNumbers[set] = Int32(sets.count - 1)
            return Int32(sets.count - 1)
        }

        mutating func compile(_ node: PatternNode, into routine: Int) throws(PatternSyntaxError) {
            switch node {
            case .empty:
                break
            case .scalar(let set):
                try emit(PatternInstruction(operation: .consume, target: number(set)), into: routine)
            case .sequence(let nodes):
                for item in nodes { try compile(item, into: routine) }
            case .alternation(let nodes):
                var exits: [Int] = []
                for (position, item) in nodes.enumerated() {
                    guard position < nodes.count - 1 else {
                        try compile(item, into: routine)
                        break
                    }
                    let split = try emit(
                        PatternInstruction(operation: .split, target: next(routine) + 1), into: routine)
                    try compile(item, into: routine)
                    exits.append(try emit(PatternInstruction(operation: .jump), into: routine))
                    routines[routine][split].alternative = next(routine)
                }
                for exit in exits { routines[routine][exit].target = next(routine) }
            case .repetition(let item, let minimum, nil):
                if minimum == 0 {
                    // loop: split body, out; body; jump loop
                    let loop = try emit(PatternInstruction(operation: .split, target: next(routine) + 1), into: routine)
                    try compile(item, into: routine)
                    try emit(PatternInstruction(operation: .jump, target: Int32(loop)), into: routine)
                    routines[routine][loop].alternative = next(routine)
                } else {
                    for _ in 1..<minimum { try compile(item, into: routine) }
                    let body = next(routine)
                    try compile(item, into: routine)
                    try emit(
                        PatternInstruction(operation: .split, target: body, alternative: next(routine) + 1),
                        into: routine)
                }
            case .repetition(let item, let minimum, let maximum?):
                for _ in 0..<minimum { try compile(item, into: routine) }
                var optional: [Int] = []
                for _ in minimum..<maximum {
                    optional.append(
                        try emit(PatternInstruction(operation: .split, target: next(routine) + 1), into: routine))
                    try compile(item, into: routine)
                }
                for split in optional { routines[routine][split].alternative = next(routine) }
            case .assertion(let assertion):
                let operation: PatternInstruction.Operation =
                    switch assertion {
                    case .start: .assertStart
                    case .end: .assertEnd
                    case .wordBoundary: .wordBoundary
                    case .notWordBoundary: .notWordBoundary
                    }
                try emit(PatternInstruction(operation: operation), into: routine)
            case .lookahead(let body, let negated):
                let bodyRoutine = routines.count
                routines.append([])
                try compile(body, into: bodyRoutine)
                try emit(PatternInstruction(operation: .match), into: bodyRoutine)
                try emit(
                    PatternInstruction(
                        operation: negated ? .negativeLookahead : .lookahead, target: Int32(bodyRoutine)),
                    into: routine)
            }
        }
    }
}
