import Foundation
import Platform

/// A token bucket: up to `capacity` requests in a burst, refilled
/// continuously at `refillPerSecond`.
///
/// A plain value with the time passed in, so refill and Retry-After are
/// tested by moving a date rather than by sleeping. ``RateLimiter`` owns one
/// per credential.
public struct TokenBucket: Sendable, Equatable {
    /// Burst size and sustained rate.
    public struct Configuration: Sendable, Hashable {
        /// The most requests allowed in a burst (tokens in a full bucket).
        public let capacity: Int
        /// Tokens added per second: the sustained request rate.
        public let refillPerSecond: Double

        /// - Throws: `invalid_rate_limit` (422) unless `capacity` is 1…1,000,000
        ///   and `refillPerSecond` is positive and finite.
        public init(capacity: Int, refillPerSecond: Double) throws(ControlPlaneError) {
            guard (1...1_000_000).contains(capacity) else {
                throw .invalid("invalid_rate_limit", "capacity must be between 1 and 1000000", field: "capacity")
            }
            guard refillPerSecond > 0, refillPerSecond.isFinite else {
                throw .invalid(
                    "invalid_rate_limit", "the refill rate must be a positive number of tokens per second",
                    field: "refill_per_second")
            }
            self.capacity = capacity
            self.refillPerSecond = refillPerSecond
        }
    }

    /// The outcome of one request.
    public enum Decision: Sendable, Hashable {
        /// Go ahead; `remaining` whole tokens are left (for `RateLimit-Remaining`).
        case allowed(remaining: Int)
        /// Refused; a token will be available in `retryAfter` whole seconds
        /// (rounded up, at least 1), for `Retry-After`.
        case limited(retryAfter: Int)

        public var isAllowed: Bool {
            if case .allowed = self { return true }
            return false
        }

        /// Throws ``RateLimitedError`` when limited, for middleware.
        public func check() throws(RateLimitedError) {
            if case .limited(let retryAfter) = self { throw RateLimitedError(retryAfterSeconds: retryAfter) }
        }
    }

    public private(set) var configuration: Configuration
    /// Tokens in the bucket, fractional between refills.
    public private(set) var tokens: Double
    /// When `tokens` was last brought up to date; never moves backwards.
    public private(set) var updatedAt: Date

    /// Time slack: a token due within a microsecond counts as earned. `Date`
    /// resolves about 0.1 µs at today's dates, so "exactly enough" elapsed
    /// time can otherwise come out a hair short.
    private static let slack: TimeInterval = 1e-6

    /// A full bucket: a new client may burst at once.
    public init(configuration: Configuration, now: Date) {
        self.configuration = configuration
        self.tokens = Double(configuration.capacity)
        self.updatedAt = now
    }

    /// Takes one token if there is one.
    ///
    /// A `now` earlier than the last update (a clock stepped back) adds
    /// nothing, rather than draining or overfilling the bucket.
    public mutating func take(now: Date) -> Decision {
        refill(now: now)
        let tolerance = Self.slack * configuration.refillPerSecond
        if tokens + tolerance >= 1 {
            tokens = max(0, tokens - 1)
            return .allowed(remaining: Int((tokens + tolerance).rounded(.down)))
        }
        let seconds = (1 - tokens) / configuration.refillPerSecond
        return .limited(retryAfter: max(1, Int((seconds - Self.slack).rounded(.up))))
    }

    /// Switches to `configuration` (a credential's plan changed), keeping the
    /// tokens already earned up to the new capacity.
    public mutating func reconfigure(_ configuration: Configuration, now: Date) {
        refill(now: now)
        self.configuration = configuration
        tokens = min(tokens, Double(configuration.capacity))
    }

    private mutating func refill(now: Date) {
        let elapsed = now.timeIntervalSince(updatedAt)
        guard elapsed > 0 else { return }
        tokens = min(Double(configuration.capacity), tokens + elapsed * configuration.refillPerSecond)
        updatedAt = now
    }
}

/// `429 Too Many Requests`; the API sets `Retry-After` from `retryAfterSeconds`.
public struct RateLimitedError: Error, CodedError, Equatable {
    public let retryAfterSeconds: Int

    public init(retryAfterSeconds: Int) {
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var code: String { "rate_limited" }
    public var message: String {
        "too many requests for this API key; retry after \(retryAfterSeconds) second\(retryAfterSeconds == 1 ? "" : "s")"
    }
    public var httpStatus: Int { 429 }
}
