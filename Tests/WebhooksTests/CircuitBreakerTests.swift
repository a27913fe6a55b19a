import Foundation
import Testing
import Webhooks

@Suite("Circuit breaker")
struct CircuitBreakerTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)

    static func at(_ seconds: TimeInterval) -> Date { start.addingTimeInterval(seconds) }

    /// A breaker that has just opened at `start` after the default 5 failures.
    static func opened() -> CircuitBreaker {
        var breaker = CircuitBreaker()
        for _ in 0..<5 { breaker.recordFailure(now: start) }
        return breaker
    }

    // `#expect` cannot call a mutating method on its operand, so events are
    // bound to a constant first.

    @Test("stays closed below the threshold and opens at it")
    func opensAtThreshold() {
        var breaker = CircuitBreaker()
        for failure in 1...4 {
            let transition = breaker.recordFailure(now: Self.at(Double(failure)))
            #expect(transition == nil)
            #expect(breaker.state == .closed)
            #expect(breaker.allowsAttempt(now: Self.at(Double(failure))))
        }
        #expect(breaker.consecutiveFailures == 4)
        #expect(breaker.failingSince == Self.at(1))
        let opening = breaker.recordFailure(now: Self.at(5))
        #expect(opening == .opened(until: Self.at(65)))
        #expect(breaker.state == .open(until: Self.at(65)))
        #expect(breaker.stateName == .open)
        #expect(breaker.openedUntil == Self.at(65))
        #expect(breaker.failingSince == Self.at(1))
    }

    @Test("a success resets the streak before the threshold")
    func successResetsStreak() {
        var breaker = CircuitBreaker()
        for _ in 0..<4 { breaker.recordFailure(now: Self.start) }
        let transition = breaker.recordSuccess()
        #expect(transition == nil, "already closed: no transition")
        #expect(breaker.consecutiveFailures == 0)
        #expect(breaker.failingSince == nil)
        for _ in 0..<4 { breaker.recordFailure(now: Self.start) }
        #expect(breaker.state == .closed)
    }

    @Test("blocks every attempt while open")
    func blocksWhileOpen() {
        var breaker = Self.opened()
        for second in [0.0, 1, 30, 59, 59.999] {
            #expect(!breaker.allowsAttempt(now: Self.at(second)))
            let began = breaker.beginAttempt(now: Self.at(second))
            #expect(!began)
        }
        #expect(breaker.stateName == .open)
        let lateFailure = breaker.recordFailure(now: Self.at(10))
        #expect(lateFailure == nil, "a late failure does not extend the cool-down")
        #expect(breaker.openedUntil == Self.at(60))
        #expect(breaker.consecutiveFailures == 6)
    }

    @Test("after the cool-down, half-open lets exactly one trial through")
    func halfOpenSingleTrial() {
        var breaker = Self.opened()
        #expect(breaker.allowsAttempt(now: Self.at(60)))
        #expect(breaker.stateName == .open, "asking does not change state")
        let trial = breaker.beginAttempt(now: Self.at(60))
        #expect(trial)
        #expect(breaker.state == .halfOpen(trialStartedAt: Self.at(60)))
        #expect(breaker.trialStartedAt == Self.at(60))
        #expect(!breaker.allowsAttempt(now: Self.at(61)))
        let second = breaker.beginAttempt(now: Self.at(61))
        let later = breaker.beginAttempt(now: Self.at(200))
        #expect(!second && !later)
    }

    @Test("a trial with no outcome times out and another may start")
    func trialTimeout() {
        var breaker = Self.opened()
        let trial = breaker.beginAttempt(now: Self.at(60))
        let beforeTimeout = breaker.beginAttempt(now: Self.at(359))
        let atTimeout = breaker.beginAttempt(now: Self.at(360))
        let afterRestart = breaker.beginAttempt(now: Self.at(361))
        #expect(trial && !beforeTimeout && atTimeout && !afterRestart)
        #expect(breaker.trialStartedAt == Self.at(360))
    }

    @Test("a successful trial closes the circuit and resets every counter")
    func closesOnSuccess() {
        var breaker = Self.opened()
        let trial = breaker.beginAttempt(now: Self.at(60))
        #expect(trial)
        let transition = breaker.recordSuccess()
        #expect(transition == .closed)
        #expect(breaker.state == .closed)
        #expect(breaker.consecutiveFailures == 0)
        #expect(breaker.failingSince == nil)
        #expect(breaker.reopenCount == 0)
        #expect(breaker.allowsAttempt(now: Self.at(61)))
        #expect(!breaker.shouldDisable(now: Self.at(30 * 86_400)))
    }

    @Test("failed trials re-open with a doubling cool-down, capped at an hour")
    func reopensWithLongerCoolDown() throws {
        var breaker = Self.opened()
        var now = try #require(breaker.openedUntil)
        var coolDowns: [TimeInterval] = []
        for _ in 0..<9 {
            let trial = breaker.beginAttempt(now: now)
            #expect(trial)
            let transition = breaker.recordFailure(now: now)
            let until = try #require(breaker.openedUntil)
            #expect(transition == .opened(until: until))
            coolDowns.append(until.timeIntervalSince(now))
            #expect(!breaker.allowsAttempt(now: until.addingTimeInterval(-1)))
            now = until
        }
        #expect(coolDowns == [120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600])
        #expect(breaker.reopenCount == 9)
        #expect(breaker.consecutiveFailures == 14)
        #expect(breaker.failingSince == Self.start)

        // A success after all that starts over from the first cool-down.
        let trial = breaker.beginAttempt(now: now)
        #expect(trial)
        breaker.recordSuccess()
        for _ in 0..<5 { breaker.recordFailure(now: now) }
        #expect(breaker.openedUntil == now.addingTimeInterval(60))
    }

    @Test("cool-down growth cannot overflow")
    func coolDownBounds() {
        let breaker = CircuitBreaker()
        #expect(breaker.coolDown(reopenCount: 0) == .seconds(60))
        #expect(breaker.coolDown(reopenCount: 1) == .seconds(120))
        #expect(breaker.coolDown(reopenCount: 1_000_000) == .seconds(3600))
        #expect(breaker.coolDown(reopenCount: -4) == .seconds(60))
    }

    @Test("asks to disable once failing continuously for 5 days")
    func shouldDisable() {
        var breaker = CircuitBreaker()
        #expect(!breaker.shouldDisable(now: Self.at(10 * 86_400)), "never failed")
        breaker.recordFailure(now: Self.start)
        #expect(!breaker.shouldDisable(now: Self.at(5 * 86_400 - 1)))
        #expect(breaker.shouldDisable(now: Self.at(5 * 86_400)))
        #expect(breaker.shouldDisable(now: Self.at(6 * 86_400)))

        // One success anywhere in the streak starts the clock again.
        breaker.recordSuccess()
        breaker.recordFailure(now: Self.at(4 * 86_400))
        #expect(!breaker.shouldDisable(now: Self.at(6 * 86_400)))
        #expect(breaker.shouldDisable(now: Self.at(9 * 86_400)))

        var shortFuse = CircuitBreaker(configuration: .init(disableAfter: .seconds(3600)))
        shortFuse.recordFailure(now: Self.start)
        #expect(!shortFuse.shouldDisable(now: Self.at(3599)))
        #expect(shortFuse.shouldDisable(now: Self.at(3600)))
    }

    @Test("a custom threshold and cool-down apply")
    func customConfiguration() {
        var breaker = CircuitBreaker(configuration: .init(failureThreshold: 2, coolDown: .seconds(10)))
        breaker.recordFailure(now: Self.start)
        let transition = breaker.recordFailure(now: Self.start)
        #expect(transition == .opened(until: Self.at(10)))
    }

    @Test(
        "rebuilding from stored fields gives back the same breaker",
        arguments: ["new", "failing", "reopened", "half-open"])
    func roundTrip(scenario: String) throws {
        var breaker = CircuitBreaker()
        switch scenario {
        case "failing":
            for second in 0..<3 { breaker.recordFailure(now: Self.at(Double(second))) }
        case "reopened":
            breaker = Self.opened()
            _ = breaker.beginAttempt(now: Self.at(60))
            breaker.recordFailure(now: Self.at(61))
        case "half-open":
            breaker = Self.opened()
            _ = breaker.beginAttempt(now: Self.at(60))
        default:
            break
        }
        // Through the text a column would hold.
        let stateName = try #require(CircuitBreaker.StateName(rawValue: breaker.stateName.rawValue))
        let rebuilt = try CircuitBreaker(
            stateName: stateName, consecutiveFailures: breaker.consecutiveFailures,
            openedUntil: breaker.openedUntil, trialStartedAt: breaker.trialStartedAt,
            failingSince: breaker.failingSince, reopenCount: breaker.reopenCount)
        #expect(rebuilt == breaker)
        #expect(CircuitBreaker.StateName.allCases.map(\.rawValue) == ["closed", "open", "half_open"])
    }

    @Test("contradictory stored fields are refused")
    func inconsistentFields() {
        #expect(throws: CircuitBreakerStateError.self) {
            try CircuitBreaker(
                stateName: .open, consecutiveFailures: 5, openedUntil: nil, trialStartedAt: nil,
                failingSince: Self.start, reopenCount: 0)
        }
        #expect(throws: CircuitBreakerStateError.self) {
            try CircuitBreaker(
                stateName: .halfOpen, consecutiveFailures: 5, openedUntil: nil, trialStartedAt: nil,
                failingSince: Self.start, reopenCount: 0)
        }
        #expect(throws: CircuitBreakerStateError.self) {
            try CircuitBreaker(
                stateName: .closed, consecutiveFailures: -1, openedUntil: nil, trialStartedAt: nil,
                failingSince: nil, reopenCount: 0)
        }
        do {
            _ = try CircuitBreaker(
                stateName: .closed, consecutiveFailures: 0, openedUntil: nil, trialStartedAt: nil, failingSince: nil,
                reopenCount: -2)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == "invalid_circuit_breaker_state")
            #expect(error.httpStatus == 500)
        }
    }
}
