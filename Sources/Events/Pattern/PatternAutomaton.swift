/// A deterministic automaton built from a `PatternProgram` when the pattern
/// loads (subset construction), so that matching is one table look-up per
/// scalar with no allocation.
///
/// Built only for patterns whose instructions need nothing but the current
/// scalar and whether the position is the start or the end: no lookahead,
/// `\b` or `\B`. If the automaton would grow past `maximumStates` or
/// `maximumCells` (some patterns need exponentially many states), the
/// pattern is matched by `PatternNFA` instead, which is slower but equally
/// linear.
struct PatternAutomaton: Sendable {
    static let maximumStates = 4096
    static let maximumCells = 1 << 18

    /// The input class of each ASCII scalar.
    private let asciiClasses: [UInt8]
    /// Above ASCII: the first scalar of each interval whose members share a class, ascending.
    private let intervalStarts: [UInt32]
    private let intervalClasses: [UInt8]
    private let classCount: Int
    /// `transitions[state * classCount + class]`: the next state, or -1 when no match is possible any more.
    private let transitions: [Int32]
    /// Some match has ended at or before this state's position (the rest of the input does not matter).
    private let acceptsBeforeEnd: [Bool]
    /// A match ends here if the input ends here.
    private let acceptsAtEnd: [Bool]

    var stateCount: Int { acceptsAtEnd.count }

    /// nil when the program needs context (see above) or its automaton would be too large.
    init?(_ program: PatternProgram) {
        guard !program.needsContext else { return nil }
        let code = program.routines[0]

        // Input classes: split the scalar range wherever some set starts or stops, then merge the
        // intervals that every set treats alike. 0x80 is always a split, so ASCII maps by table.
        var cuts: Set<UInt32> = [0, 0x80]
        for set in program.sets {
            for range in set.ranges {
                cuts.insert(range.lowerBound)
                if range.upperBound < ScalarSet.maximum { cuts.insert(range.upperBound + 1) }
            }
        }
        let starts = cuts.sorted()
        var classOfSignature: [[Bool]: UInt8] = [:]
        var representatives: [UInt32] = []
        var classOfInterval: [UInt8] = []
        for start in starts {
            let signature = program.sets.map { $0.contains(start) }
            if let known = classOfSignature[signature] {
                classOfInterval.append(known)
            } else {
                guard representatives.count < 256 else { return nil }
                let number = UInt8(representatives.count)
                classOfSignature[signature] = number
                representatives.append(start)
                classOfInterval.append(number)
            }
        }
        var asciiClasses = [UInt8](repeating: 0, count: 128)
        var interval = 0
        for scalar in 0..<UInt32(128) {
            while interval + 1 < starts.count && starts[interval + 1] <= scalar { interval += 1 }
            asciiClasses[Int(scalar)] = classOfInterval[interval]
        }
        let firstAbove = starts.firstIndex(of: 0x80) ?? 0
        self.asciiClasses = asciiClasses
        self.intervalStarts = Array(starts[firstAbove...])
        self.intervalClasses = Array(classOfInterval[firstAbove...])
        let classCount = representatives.count
        self.classCount = classCount

        // Subset construction. A state is the set of instructions threads wait at after
        // consuming a scalar, plus whether it is the start of the input. Instruction 0 is
        // added at every position: the pattern may match anywhere (`^` then fails except at 0).
        struct State: Hashable {
            var waiting: [Int32]
            var atStart: Bool
        }
        var states = [State(waiting: [], atStart: true)]
        var numbers: [State: Int32] = [states[0]: 0]
        var transitions: [Int32] = []
        var acceptsBeforeEnd: [Bool] = []
        var acceptsAtEnd: [Bool] = []
        var closure = Closure(code: code)
        var current = 0
        while current < states.count {
            let state = states[current]
            let (consumers, matchedBeforeEnd) = closure.follow(state.waiting, atStart: state.atStart, atEnd: false)
            acceptsBeforeEnd.append(matchedBeforeEnd)
            acceptsAtEnd.append(
                matchedBeforeEnd || closure.follow(state.waiting, atStart: state.atStart, atEnd: true).matched)
            for representative in representatives {
                guard !matchedBeforeEnd else {
                    transitions.append(Int32(current))  // never taken: matching stops here
                    continue
                }
                var waiting: [Int32] = []
                for pc in consumers where program.sets[Int(code[Int(pc)].target)].contains(representative) {
                    waiting.append(pc + 1)
                }
                waiting.sort()
                let next = State(waiting: waiting, atStart: false)
                if let known = numbers[next] {
                    transitions.append(known)
                } else {
                    guard states.count < Self.maximumStates, states.count * classCount < Self.maximumCells else {
                        return nil
                    }
                    numbers[next] = Int32(states.count)
                    transitions.append(Int32(states.count))
                    states.append(next)
                }
            }
            current += 1
        }

        // States from which no input can still lead to a match are dead: stop there.
        var predecessors = [[Int32]](repeating: [], count: states.count)
        for (cell, target) in transitions.enumerated() {
            predecessors[Int(target)].append(Int32(cell / classCount))
        }
        var live = acceptsAtEnd
        var work = live.indices.filter { live[$0] }
        while let state = work.popLast() {
            for predecessor in predecessors[state] where !live[Int(predecessor)] {
                live[Int(predecessor)] = true
                work.append(Int(predecessor))
            }
        }
        self.transitions = transitions.map { live[Int($0)] ? $0 : -1 }
        self.acceptsBeforeEnd = acceptsBeforeEnd
        self.acceptsAtEnd = acceptsAtEnd
    }

    /// Whether the pattern matches anywhere in `text`.
    func matches(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            transitions.withUnsafeBufferPointer { transitions in
                var state = 0
                var index = 0
                while index < bytes.count {
                    if acceptsBeforeEnd[state] { return true }
                    let byte = bytes[index]
                    let inputClass: Int
                    if byte < 0x80 {
                        inputClass = Int(asciiClasses[Int(byte)])
                        index += 1
                    } else {
                        // The String's storage is valid UTF-8, so the continuation bytes are there.
                        var scalar: UInt32
                        let length: Int
                        if byte < 0xE0 {
                            scalar = UInt32(byte & 0x1F)
                            length = 2
                        } else if byte < 0xF0 {
                            scalar = UInt32(byte & 0x0F)
                            length = 3
                        } else {
                            scalar = UInt32(byte & 0x07)
                            length = 4
                        }
                        for offset in 1..<length { scalar = scalar << 6 | UInt32(bytes[index + offset] & 0x3F) }
                        index += length
                        inputClass = classAbove(scalar)
                    }
                    let next = transitions[state &* classCount &+ inputClass]
                    if next < 0 { return false }
                    state = Int(next)
                }
                return acceptsAtEnd[state]
            }
        }
    }

    private func classAbove(_ scalar: UInt32) -> Int {
        // The last interval starting at or below the scalar; intervalStarts[0] is 0x80.
        var low = 0
        var high = intervalStarts.count
        while high - low > 1 {
            let middle = (low + high) / 2
            if intervalStarts[middle] <= scalar { low = middle } else { high = middle }
        }
        return Int(intervalClasses[low])
    }

    /// Follows zero-width instructions from a set of waiting threads, reusing its marks between calls.
    private struct Closure {
        let code: [PatternInstruction]
        var visitedIn: [Int]
        var generation = 0
        var pending: [Int32] = []

        init(code: [PatternInstruction]) {
            self.code = code
            self.visitedIn = Array(repeating: -1, count: code.count)
        }

        /// The consuming instructions reached, and whether `match` was.
        mutating func follow(_ waiting: [Int32], atStart: Bool, atEnd: Bool) -> (consumers: [Int32], matched: Bool) {
            generation += 1
            var consumers: [Int32] = []
            var matched = false
            pending.append(0)
            pending.append(contentsOf: waiting)
            while let next = pending.popLast() {
                let pc = Int(next)
                guard visitedIn[pc] != generation else { continue }
                visitedIn[pc] = generation
                let instruction = code[pc]
                switch instruction.operation {
                case .match: matched = true
                case .consume: consumers.append(next)
                case .jump: pending.append(instruction.target)
                case .split:
                    pending.append(instruction.alternative)
                    pending.append(instruction.target)
                case .assertStart: if atStart { pending.append(next + 1) }
                case .assertEnd: if atEnd { pending.append(next + 1) }
                case .wordBoundary, .notWordBoundary, .lookahead, .negativeLookahead:
                    break  // excluded by needsContext
                }
            }
            return (consumers, matched)
        }
    }
}
