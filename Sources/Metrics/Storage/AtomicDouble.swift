import Synchronization

/// A `Double` that many threads add to without a lock.
///
/// There is no hardware add for doubles, so the value lives as its bit
/// pattern in an `Atomic<UInt64>` and an add is a compare-and-swap loop; the
/// loop only repeats when another thread changed the value in between, which
/// costs a retry, never a wait. Orderings are relaxed: a metric is read by a
/// scrape that needs each value to be whole, not ordered against other memory.
struct AtomicDouble: ~Copyable, Sendable {
    private let bits: Atomic<UInt64>

    init(_ value: Double = 0) {
        bits = Atomic(value.bitPattern)
    }

    func load() -> Double {
        Double(bitPattern: bits.load(ordering: .relaxed))
    }

    func store(_ value: Double) {
        bits.store(value.bitPattern, ordering: .relaxed)
    }

    func add(_ delta: Double) {
        var current = bits.load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + delta).bitPattern
            let (exchanged, original) = bits.weakCompareExchange(
                expected: current, desired: next, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }
}
