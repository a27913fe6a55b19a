/// When to retry an outbound webhook delivery.
///
/// The default follows the schedule Svix publishes: the first attempt at
/// once, then retries 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after each
/// failure — 8 attempts over about 28 hours, after which the message is given
/// up (and the circuit breaker, not this schedule, decides whether to disable
/// the endpoint).
///
/// Each delay is spread by jitter so the deliveries that failed together
/// during one outage do not all return at the same second. The default spread
/// is ±20 %: wide enough to break up a burst even for the 5-second retry
/// (4–6 s), narrow enough that the schedule above stays what the
/// documentation promises. The jittered delay is never negative.
public struct RetrySchedule: Sendable, Equatable {
    /// `delays[n]` is the wait before attempt `n + 1` (1-based), so
    /// `delays[0]` is the wait before the first attempt and `delays.count` is
    /// the total number of attempts.
    public var delays: [Duration]
    /// How far jitter may move a delay, as a fraction of it, either way.
    /// Clamped to 0…1 when used, so a delay never goes below zero.
    public var jitterFraction: Double

    public init(delays: [Duration], jitterFraction: Double = 0.2) {
        self.delays = delays
        self.jitterFraction = jitterFraction
    }

    /// Immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; ±20 % jitter.
    public static let standard = RetrySchedule(delays: [
        .zero, .seconds(5), .seconds(5 * 60), .seconds(30 * 60), .seconds(2 * 3600), .seconds(5 * 3600),
        .seconds(10 * 3600), .seconds(10 * 3600),
    ])

    /// The total number of attempts, the first included.
    public var maximumAttempts: Int { delays.count }

    /// The wait before the next attempt once `attempt` attempts have been
    /// made (0 before the first), without jitter; nil once all attempts are used.
    public func baseDelay(afterAttempt attempt: Int) -> Duration? {
        let index = Swift.max(attempt, 0)
        return index < delays.count ? delays[index] : nil
    }

    /// The wait before the next attempt once `attempt` attempts have been made,
    /// with `jitter` in 0…1 placing it in the spread: 0 is the shortest
    /// (`base × (1 − jitterFraction)`), 0.5 the base delay, 1 the longest.
    /// Values outside 0…1 are clamped, and NaN counts as 0.5. Nil once all
    /// attempts are used.
    public func delay(afterAttempt attempt: Int, jitter: Double) -> Duration? {
        guard let base = baseDelay(afterAttempt: attempt) else { return nil }
        let position = jitter.isNaN ? 0.5 : Swift.min(Swift.max(jitter, 0), 1)
        let fraction = jitterFraction.isNaN ? 0 : Swift.min(Swift.max(jitterFraction, 0), 1)
        let factor = 1 + fraction * (2 * position - 1)
        // Millisecond precision is plenty for a retry, and keeps the result exact
        // for the un-jittered case.
        let milliseconds = (base.timeInterval * 1000 * factor).rounded()
        return .milliseconds(Int64(Swift.min(Swift.max(milliseconds, 0), 1e15)))
    }

    /// The wait before the next attempt with jitter drawn from `generator`:
    /// inject a seeded generator in tests, use `SystemRandomNumberGenerator`
    /// (`delay(afterAttempt:)`) otherwise. Jitter is not a secret, so it needs
    /// no cryptographic source.
    public func delay(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration? {
        guard attempt < delays.count else { return nil }
        // The half-open range maps one 64-bit draw straight to a Double; a
        // closed range rejection-samples, which never ends with a degenerate
        // generator. The missing top value is immaterial.
        return delay(afterAttempt: attempt, jitter: Double.random(in: 0..<1, using: &generator))
    }

    /// The wait before the next attempt, jittered by the system generator.
    public func delay(afterAttempt attempt: Int) -> Duration? {
        var generator = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempt, using: &generator)
    }
}
