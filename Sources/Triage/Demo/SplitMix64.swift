/// SplitMix64 (Steele, Lea & Flood): a small, fast generator whose sequence depends only on the seed.
///
/// The demo history must be the same on every machine and Swift version, so it uses this instead of
/// `SystemRandomNumberGenerator`, and draws bounded integers and doubles with its own arithmetic
/// rather than the standard library's `random(in:using:)`, whose algorithm is not promised.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<bound` (Lemire's multiply-high; the bias is below 2⁻⁶⁰ for small bounds). `bound` must be positive.
    public mutating func below(_ bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        return Int(UInt64(bound).multipliedFullWidth(by: next()).high)
    }

    /// Uniform in [0, 1), 53 bits.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// One of `items` with probability proportional to its weight.
    mutating func weighted<T>(_ items: [(T, Int)]) -> T? {
        let total = items.reduce(0) { $0 + max(0, $1.1) }
        guard total > 0 else { return nil }
        var pick = below(total)
        for (item, weight) in items where weight > 0 {
            if pick < weight { return item }
            pick -= weight
        }
        return nil
    }
}
