@testable import ControlPlane
import Foundation
import Testing

@Suite("Rate limiting")
struct RateLimitTests {
    static let start = CredentialFixtures.now

    static func configuration(_ capacity: Int, _ rate: Double) throws -> TokenBucket.Configuration {
        try TokenBucket.Configuration(capacity: capacity, refillPerSecond: rate)
    }

    @Test("a new bucket allows a full burst, then limits with Retry-After rounded up")
    func burst() throws {
        var bucket = TokenBucket(configuration: try Self.configuration(3, 1), now: Self.start)
        #expect(bucket.take(now: Self.start) == .allowed(remaining: 2))
        #expect(bucket.take(now: Self.start) == .allowed(remaining: 1))
        #expect(bucket.take(now: Self.start) == .allowed(remaining: 0))
        #expect(bucket.take(now: Self.start) == .limited(retryAfter: 1))
        #expect(bucket.take(now: Self.start + 0.5) == .limited(retryAfter: 1))
        #expect(bucket.take(now: Self.start + 1) == .allowed(remaining: 0))
    }

    /// (capacity, refill per second, offsets of requests in seconds, expected decisions)
    static let timelines: [(Int, Double, [TimeInterval], [TokenBucket.Decision])] = [
        // Slow refill: one token every 4 s; Retry-After counts down and rounds up.
        (
            1, 0.25, [0, 0, 1, 2.5, 3.9, 4],
            [
                .allowed(remaining: 0), .limited(retryAfter: 4), .limited(retryAfter: 3), .limited(retryAfter: 2),
                .limited(retryAfter: 1), .allowed(remaining: 0),
            ]
        ),
        // Fast refill: 10/s; a limited request still waits at least a second.
        (
            2, 10, [0, 0, 0, 0.05, 0.1, 0.1],
            [
                .allowed(remaining: 1), .allowed(remaining: 0), .limited(retryAfter: 1), .limited(retryAfter: 1),
                .allowed(remaining: 0), .limited(retryAfter: 1),
            ]
        ),
        // A long pause refills only up to capacity.
        (
            5, 1, [0, 0, 0, 3600, 3600, 3600, 3600, 3600, 3600],
            [
                .allowed(remaining: 4), .allowed(remaining: 3), .allowed(remaining: 2), .allowed(remaining: 4),
                .allowed(remaining: 3), .allowed(remaining: 2), .allowed(remaining: 1), .allowed(remaining: 0),
                .limited(retryAfter: 1),
            ]
        ),
        // Fractional tokens accumulate across requests: 0.4 + 0.4 + 0.4 ≥ 1.
        (
            1, 0.4, [0, 1, 2, 3],
            [
                .allowed(remaining: 0), .limited(retryAfter: 2), .limited(retryAfter: 1),
                .allowed(remaining: 0),
            ]
        ),
        // 100 per minute.
        (
            100, 100.0 / 60, Array(repeating: 0, count: 101),
            Array(0..<100).map { .allowed(remaining: 99 - $0) }
                + [.limited(retryAfter: 1)]
        ),
    ]

    @Test("refill and Retry-After over injected time", arguments: 0..<timelines.count)
    func timeline(index: Int) throws {
        let (capacity, rate, offsets, expected) = Self.timelines[index]
        var bucket = TokenBucket(configuration: try Self.configuration(capacity, rate), now: Self.start)
        let decisions = offsets.map { bucket.take(now: Self.start + $0) }
        #expect(decisions == expected)
    }

    @Test("a clock stepping backwards neither refills nor drains")
    func clockGoesBack() throws {
        var bucket = TokenBucket(configuration: try Self.configuration(1, 1), now: Self.start)
        #expect(bucket.take(now: Self.start).isAllowed)
        #expect(bucket.take(now: Self.start - 100) == .limited(retryAfter: 1))
        #expect(bucket.updatedAt == Self.start)
        #expect(bucket.take(now: Self.start + 1).isAllowed)
    }

    @Test(
        "invalid configurations are refused",
        arguments: [(0, 1.0), (-1, 1), (1_000_001, 1), (1, 0), (1, -1), (1, .infinity), (1, .nan)])
    func badConfiguration(capacity: Int, rate: Double) {
        #expect(throws: ControlPlaneError.self) {
            try TokenBucket.Configuration(capacity: capacity, refillPerSecond: rate)
        }
    }

    @Test("a limited decision becomes a 429 with Retry-After")
    func limitedError() throws {
        #expect(throws: Never.self) { try TokenBucket.Decision.allowed(remaining: 0).check() }
        let error = try #require(throws: RateLimitedError.self) {
            try TokenBucket.Decision.limited(retryAfter: 7).check()
        }
        #expect(error.code == "rate_limited")
        #expect(error.httpStatus == 429)
        #expect(error.retryAfterSeconds == 7)
        #expect(error.message == "too many requests for this API key; retry after 7 seconds")
        #expect(RateLimitedError(retryAfterSeconds: 1).message.hasSuffix("1 second"))
    }

    @Test("reconfiguring keeps earned tokens up to the new capacity")
    func reconfigure() throws {
        var bucket = TokenBucket(configuration: try Self.configuration(10, 1), now: Self.start)
        bucket.reconfigure(try Self.configuration(2, 1), now: Self.start)
        #expect(bucket.take(now: Self.start) == .allowed(remaining: 1))
        bucket.reconfigure(try Self.configuration(100, 1), now: Self.start)
        #expect(bucket.take(now: Self.start) == .allowed(remaining: 0))
    }

    @Test("the limiter keeps one bucket per key")
    func perKey() throws {
        let limiter = RateLimiter<String>(configuration: .init(bucket: try Self.configuration(1, 1)))
        #expect(limiter.take("a", now: Self.start).isAllowed)
        #expect(limiter.take("a", now: Self.start) == .limited(retryAfter: 1))
        #expect(limiter.take("b", now: Self.start).isAllowed)
        #expect(limiter.take("a", now: Self.start + 1).isAllowed)
        #expect(limiter.count == 2)
        limiter.remove("a")
        #expect(limiter.count == 1)
        #expect(limiter.take("a", now: Self.start + 1).isAllowed)  // fresh bucket
    }

    @Test("a per-key configuration overrides the default")
    func perKeyConfiguration() throws {
        let limiter = RateLimiter<String>(configuration: .init(bucket: try Self.configuration(1, 1)))
        let generous = try Self.configuration(3, 1)
        #expect(limiter.take("plan", now: Self.start, bucket: generous) == .allowed(remaining: 2))
        #expect(limiter.take("plan", now: Self.start, bucket: generous) == .allowed(remaining: 1))
        // Back to the default: the earned token is kept, up to the smaller capacity.
        #expect(limiter.take("plan", now: Self.start) == .allowed(remaining: 0))
        #expect(limiter.take("plan", now: Self.start) == .limited(retryAfter: 1))
    }

    @Test("the limiter is bounded and evicts the least recently used bucket")
    func lruBound() throws {
        let limiter = RateLimiter<Int>(configuration: .init(bucket: try Self.configuration(1, 0.001), maximumKeys: 3))
        for key in 1...3 { #expect(limiter.take(key, now: Self.start).isAllowed) }
        #expect(limiter.keysByRecency == [3, 2, 1])
        _ = limiter.take(1, now: Self.start)  // 1 becomes most recent; 2 is now oldest
        #expect(limiter.keysByRecency == [1, 3, 2])
        #expect(limiter.take(4, now: Self.start).isAllowed)
        #expect(limiter.count == 3)
        #expect(limiter.keysByRecency == [4, 1, 3])
        // 2 was evicted, so it starts full again (evicting 3); 1 is still limited.
        #expect(limiter.take(2, now: Self.start).isAllowed)
        #expect(limiter.keysByRecency == [2, 4, 1])
        #expect(!limiter.take(1, now: Self.start).isAllowed)
    }

    @Test("the LRU cache stays consistent through many random operations")
    func lruModel() {
        var cache = LRUCache<Int, Int>(capacity: 5)
        var model: [(key: Int, value: Int)] = []  // most recent first
        var generator = LRUTestGenerator(seed: 42)
        for step in 0..<5_000 {
            let key = Int(generator.next() % 9)
            switch generator.next() % 4 {
            case 0:
                let evicted = cache.setValue(step, forKey: key)
                let modelEvicted: Int?
                if let index = model.firstIndex(where: { $0.key == key }) {
                    model.remove(at: index)
                    modelEvicted = nil
                } else if model.count == 5 {
                    modelEvicted = model.removeLast().key
                } else {
                    modelEvicted = nil
                }
                model.insert((key, step), at: 0)
                #expect(evicted == modelEvicted)
            case 1:
                let value = cache.value(forKey: key)
                if let index = model.firstIndex(where: { $0.key == key }) {
                    let entry = model.remove(at: index)
                    model.insert(entry, at: 0)
                    #expect(value == entry.value)
                } else {
                    #expect(value == nil)
                }
            case 2:
                let removed = cache.removeValue(forKey: key)
                let index = model.firstIndex(where: { $0.key == key })
                #expect(removed == index.map { model[$0].value })
                if let index { model.remove(at: index) }
            default:
                let result = cache.withValue(forKey: key, default: -1) { value -> Int in
                    value += 1
                    return value
                }
                if let index = model.firstIndex(where: { $0.key == key }) {
                    var entry = model.remove(at: index)
                    entry.value += 1
                    model.insert(entry, at: 0)
                } else {
                    if model.count == 5 { model.removeLast() }
                    model.insert((key, 0), at: 0)
                }
                #expect(result == model[0].value)
            }
            #expect(cache.keysByRecency == model.map(\.key), "step \(step)")
            #expect(cache.count == model.count)
        }
    }

    @Test("concurrent takes never allow more than the capacity")
    func concurrency() async throws {
        let limiter = RateLimiter<String>(configuration: .init(bucket: try Self.configuration(100, 0.001)))
        let allowed = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<1_000 {
                group.addTask { limiter.take("shared", now: Self.start).isAllowed }
            }
            var count = 0
            for await result in group where result { count += 1 }
            return count
        }
        #expect(allowed == 100)
    }
}

/// A small deterministic generator for model-based tests.
struct LRUTestGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
