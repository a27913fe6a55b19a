/// Runs a `PatternProgram` over one input by simulating the NFA: all threads
/// advance together one scalar at a time, and a thread that reaches an
/// instruction another thread already reached at the same position is
/// dropped. Work is therefore at most proportional to (input length + 1) ×
/// program size, whatever the pattern — no backtracking, so no catastrophic
/// cases such as `(a+)+$` against `aaaa…b`.
///
/// A lookahead holds or not at each position independently of how the match
/// got there, so each lookahead routine is evaluated once for every position,
/// in one backward pass over the input (also linear), the first time a thread
/// meets it.
///
/// The general engine: `PatternAutomaton` is faster and used whenever the
/// pattern has no lookahead, `\b` or `\B` and its automaton stays small.
struct PatternNFA {
    private let program: PatternProgram
    private let input: [UInt32]
    /// Per lookahead routine, whether it matches at each position 0...input.count.
    private var lookaheadResults: [[Bool]?]
    /// Instructions visited and scalars tested so far, for tests that bound the work.
    private(set) var steps = 0

    init(_ program: PatternProgram, input text: String) {
        self.program = program
        self.input = text.unicodeScalars.map(\.value)
        self.lookaheadResults = Array(repeating: nil, count: program.routines.count)
    }

    /// Whether the pattern matches anywhere in the input.
    mutating func run() -> Bool {
        let code = program.routines[0]
        let length = input.count
        let anchored = program.isAnchoredAtStart
        // The position at which each instruction was last visited: visited once per position.
        var visitedAt = [Int](repeating: -1, count: code.count)
        var pending: [Int32] = []
        var consumers: [Int32] = []
        var threads: [Int32] = []
        for position in 0...length {
            if position == 0 || !anchored { pending.append(0) }
            pending.append(contentsOf: threads)
            consumers.removeAll(keepingCapacity: true)
            while let next = pending.popLast() {
                let pc = Int(next)
                steps += 1
                guard visitedAt[pc] != position else { continue }
                visitedAt[pc] = position
                let instruction = code[pc]
                switch instruction.operation {
                case .match:
                    return true
                case .consume:
                    consumers.append(next)
                case .jump:
                    pending.append(instruction.target)
                case .split:
                    pending.append(instruction.alternative)
                    pending.append(instruction.target)
                default:
                    if holds(instruction, at: position) { pending.append(next + 1) }
                }
            }
            guard position < length else { break }
            threads.removeAll(keepingCapacity: true)
            let scalar = input[position]
            for pc in consumers {
                steps += 1
                if program.sets[Int(code[Int(pc)].target)].contains(scalar) { threads.append(pc + 1) }
            }
            if threads.isEmpty && anchored { return false }
        }
        return false
    }

    /// Whether a zero-width instruction lets a thread through at `position`.
    private mutating func holds(_ instruction: PatternInstruction, at position: Int) -> Bool {
        switch instruction.operation {
        case .assertStart: position == 0
        case .assertEnd: position == input.count
        case .wordBoundary: isWordCharacter(at: position - 1) != isWordCharacter(at: position)
        case .notWordBoundary: isWordCharacter(at: position - 1) == isWordCharacter(at: position)
        case .lookahead: lookahead(Int(instruction.target), matchesAt: position)
        case .negativeLookahead: !lookahead(Int(instruction.target), matchesAt: position)
        case .jump, .split: true
        case .consume, .match: false
        }
    }

    private func isWordCharacter(at position: Int) -> Bool {
        position >= 0 && position < input.count && ScalarSet.wordCharacters.contains(input[position])
    }

    private mutating func lookahead(_ routine: Int, matchesAt position: Int) -> Bool {
        if let known = lookaheadResults[routine] { return known[position] }
        let results = evaluate(routine: routine)
        lookaheadResults[routine] = results
        return results[position]
    }

    /// For every position, whether `routine` matches some prefix of the input from there.
    ///
    /// Backwards from the end: an instruction can reach `match` from position p if it is
    /// `match`; or it consumes the scalar at p and its successor can from p + 1; or it is
    /// zero-width, holds at p, and one of its successors can from p.
    private mutating func evaluate(routine: Int) -> [Bool] {
        let code = program.routines[routine]
        let length = input.count
        var predecessors = [[Int32]](repeating: [], count: code.count)
        for (pc, instruction) in code.enumerated() {
            switch instruction.operation {
            case .consume, .match:
                break
            case .jump:
                predecessors[Int(instruction.target)].append(Int32(pc))
            case .split:
                predecessors[Int(instruction.target)].append(Int32(pc))
                predecessors[Int(instruction.alternative)].append(Int32(pc))
            default:
                predecessors[pc + 1].append(Int32(pc))
            }
        }
        var reachesAtNext = [Bool](repeating: false, count: code.count)
        var reaches = [Bool](repeating: false, count: code.count)
        var results = [Bool](repeating: false, count: length + 1)
        var work: [Int32] = []
        for position in stride(from: length, through: 0, by: -1) {
            for pc in code.indices {
                steps += 1
                let instruction = code[pc]
                switch instruction.operation {
                case .match:
                    reaches[pc] = true
                case .consume:
                    reaches[pc] =
                        position < length && reachesAtNext[pc + 1]
                        && program.sets[Int(instruction.target)].contains(input[position])
                default:
                    reaches[pc] = false
                }
                if reaches[pc] { work.append(Int32(pc)) }
            }
            while let reached = work.popLast() {
                for pc in predecessors[Int(reached)] where !reaches[Int(pc)] {
                    steps += 1
                    if holds(code[Int(pc)], at: position) {
                        reaches[Int(pc)] = true
                        work.append(pc)
                    }
                }
            }
            results[position] = reaches[0]
            swap(&reaches, &reachesAtNext)
        }
        return results
    }
}
