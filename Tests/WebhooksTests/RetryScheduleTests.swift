import Testing
import Webhooks

/// SplitMix64: a tiny seeded generator, so jittered delays are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A generator that always returns the same word: 0 gives jitter 0, `.max` gives jitter ~1.
struct ConstantGenerator: RandomNumberGenerator {
    let value: UInt64
    mutating func next() -> UInt64 { value }
}

@Suite("Retry schedule")
struct RetryScheduleTests {
    static let expected: [Duration] = [
        .zero, .seconds(5), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18_000), .seconds(36_000),
        .seconds(36_000),
    ]

    @Test("the standard schedule: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h")
    func exactDelays() {
        let schedule = RetrySchedule.standard
        #expect(schedule.maximumAttempts == 8)
        #expect((0..<8).map { schedule.baseDelay(afterAttempt: $0) } == Self.expected)
        // Jitter 0.5 is the middle of the spread: exactly the base delay.
        #expect((0..<8).map { schedule.delay(afterAttempt: $0, jitter: 0.5) } == Self.expected)
        let noJitter = RetrySchedule(delays: RetrySchedule.standard.delays, jitterFraction: 0)
        #expect((0..<8).map { noJitter.delay(afterAttempt: $0, jitter: 0.93) } == Self.expected)
    }

    @Test("after the eighth attempt there is no further delay")
    func exhaustion() {
        let schedule = RetrySchedule.standard
        #expect(schedule.baseDelay(afterAttempt: 8) == nil)
        #expect(schedule.delay(afterAttempt: 8, jitter: 0.5) == nil)
        #expect(schedule.delay(afterAttempt: 1_000, jitter: 0.5) == nil)
        var generator = SeededGenerator(state: 1)
        let exhausted = schedule.delay(afterAttempt: 8, using: &generator)
        #expect(exhausted == nil)
        #expect(schedule.delay(afterAttempt: 8) == nil)
        #expect(schedule.delay(afterAttempt: 7) != nil)
        #expect(schedule.delay(afterAttempt: -3, jitter: 0.5) == .zero, "before any attempt: go at once")
    }

    @Test("jitter spans ±20 % at its extremes and clamps out-of-range input")
    func jitterExtremes() {
        let schedule = RetrySchedule.standard
        #expect(schedule.delay(afterAttempt: 1, jitter: 0) == .seconds(4))
        #expect(schedule.delay(afterAttempt: 1, jitter: 1) == .seconds(6))
        #expect(schedule.delay(afterAttempt: 2, jitter: 0) == .seconds(240))
        #expect(schedule.delay(afterAttempt: 2, jitter: 1) == .seconds(360))
        #expect(schedule.delay(afterAttempt: 1, jitter: -5) == .seconds(4))
        #expect(schedule.delay(afterAttempt: 1, jitter: 7) == .seconds(6))
        #expect(schedule.delay(afterAttempt: 1, jitter: .nan) == .seconds(5))
        #expect(schedule.delay(afterAttempt: 0, jitter: 1) == .zero, "the first attempt is never delayed")
    }

    @Test("injected randomness stays within bounds and is reproducible")
    func jitterBounds() throws {
        let schedule = RetrySchedule.standard
        var generator = SeededGenerator(state: 42)
        for attempt in 1..<8 {
            let base = try #require(schedule.baseDelay(afterAttempt: attempt))
            for _ in 0..<500 {
                let delay = try #require(schedule.delay(afterAttempt: attempt, using: &generator))
                #expect(delay >= base * 0.8 && delay <= base * 1.2)
            }
        }
        var first = SeededGenerator(state: 7)
        var second = SeededGenerator(state: 7)
        #expect(
            (1..<8).map { schedule.delay(afterAttempt: $0, using: &first) }
                == (1..<8).map { schedule.delay(afterAttempt: $0, using: &second) })

        var low = ConstantGenerator(value: 0)
        let shortest = schedule.delay(afterAttempt: 3, using: &low)
        #expect(shortest == .seconds(1440))
        var high = ConstantGenerator(value: .max)
        let longest = try #require(schedule.delay(afterAttempt: 3, using: &high))
        #expect(longest > .seconds(2159) && longest <= .seconds(2160))
    }

    @Test("an oversized jitter fraction never makes a delay negative")
    func neverNegative() {
        let schedule = RetrySchedule(delays: [.zero, .seconds(10)], jitterFraction: 3)
        #expect(schedule.delay(afterAttempt: 1, jitter: 0) == .zero)
        #expect(schedule.delay(afterAttempt: 1, jitter: 1) == .seconds(20))
        let negative = RetrySchedule(delays: [.seconds(10)], jitterFraction: -1)
        #expect(negative.delay(afterAttempt: 0, jitter: 0) == .seconds(10))
    }
}
