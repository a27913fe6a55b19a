/// A set of Unicode scalar values, as a character class or a single character
/// compiles to: sorted, disjoint ranges, plus a bitmap of the ASCII part so
/// that the common case is one shift and mask.
struct ScalarSet: Sendable, Hashable {
    /// Sorted, disjoint and non-adjacent; values up to 0x10FFFF.
    private(set) var ranges: [ClosedRange<UInt32>]
    /// Bit `c` set when ASCII character `c` (0...63) is a member.
    private var lowASCII: UInt64 = 0
    /// Bit `c - 64` set when ASCII character `c` (64...127) is a member.
    private var highASCII: UInt64 = 0

    static let maximum: UInt32 = 0x10FFFF

    init<Ranges: Sequence<ClosedRange<UInt32>>>(_ unsorted: Ranges) {
        var merged: [ClosedRange<UInt32>] = []
        for range in unsorted.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        ranges = merged
        for range in merged where range.lowerBound < 0x80 {
            for value in range.lowerBound...min(range.upperBound, 0x7F) {
                if value < 64 { lowASCII |= 1 << UInt64(value) } else { highASCII |= 1 << UInt64(value - 64) }
            }
        }
    }

    init(scalar: UInt32) { self.init([scalar...scalar]) }

    init(_ characters: String) { self.init(characters.unicodeScalars.map { $0.value...$0.value }) }

    func contains(_ value: UInt32) -> Bool {
        if value < 64 { return lowASCII & (1 << UInt64(value)) != 0 }
        if value < 128 { return highASCII & (1 << UInt64(value - 64)) != 0 }
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound < value {
                low = middle + 1
            } else if ranges[middle].lowerBound > value {
                high = middle
            } else {
                return true
            }
        }
        return false
    }

    /// Every scalar value not in this set.
    var inverted: ScalarSet {
        var gaps: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for range in ranges {
            if range.lowerBound > next { gaps.append(next...(range.lowerBound - 1)) }
            next = range.upperBound + 1
        }
        if next <= Self.maximum { gaps.append(next...Self.maximum) }
        return ScalarSet(gaps)
    }

    func union(_ other: ScalarSet) -> ScalarSet { ScalarSet(ranges + other.ranges) }

    // ECMA-262 (22.2.2.9) classes, which are ASCII-only for \d and \w.
    static let digits = ScalarSet([0x30...0x39])
    static let wordCharacters = ScalarSet([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
    /// `\s`: the WhiteSpace and LineTerminator productions.
    static let whiteSpace = ScalarSet([
        0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A, 0x2028...0x2029,
        0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF,
    ])
    /// What `.` does not match: LF, CR, LINE SEPARATOR and PARAGRAPH SEPARATOR.
    static let lineTerminators = ScalarSet([0x0A...0x0A, 0x0D...0x0D, 0x2028...0x2029])
    static let all = ScalarSet([0...maximum])
}
