import Foundation
import Platform

/// A per-endpoint circuit breaker for outbound webhook deliveries: a pure state
/// machine, with time passed in, that the dispatcher keeps in PostgreSQL.
///
/// - **closed**: deliveries flow. Each failure extends the streak; after
///   ``Configuration/failureThreshold`` consecutive failures the circuit opens.
/// - **open(until:)**: no deliveries until the cool-down ends. The cool-down
///   starts at ``Configuration/coolDown`` and doubles with each re-open
///   (a failed trial) up to ``Configuration/maximumCoolDown``.
/// - **halfOpen**: the cool-down has passed and one trial delivery is in
///   flight. Its success closes the circuit and resets every counter; its
///   failure re-opens it with a longer cool-down. No second trial starts while
///   one is outstanding, unless ``Configuration/trialTimeout`` passes without
///   an outcome (the process delivering it died), so a breaker persisted in
///   this state can never be stuck.
///
/// Independently of the state, ``failingSince`` remembers when the current
/// streak of failures began, and ``shouldDisable(now:)`` says when it has
/// lasted ``Configuration/disableAfter`` (5 days by default, as Svix does); the
/// caller then disables the endpoint and writes an audit entry.
///
/// The stored fields are plain values (``stateName``, ``consecutiveFailures``,
/// ``openedUntil``, ``trialStartedAt``, ``failingSince``, ``reopenCount``) for
/// columns, and ``init(stateName:consecutiveFailures:openedUntil:trialStartedAt:failingSince:reopenCount:configuration:)``
/// rebuilds the breaker from them.
public struct CircuitBreaker: Sendable, Equatable {
    public struct Configuration: Sendable, Equatable {
        /// Consecutive failures that open a closed circuit. Default 5.
        public var failureThreshold: Int
        /// The first cool-down after opening. Default 60 seconds.
        public var coolDown: Duration
        /// The longest cool-down, however often the circuit re-opens. Default 1 hour.
        public var maximumCoolDown: Duration
        /// How long a half-open trial may go without an outcome before another
        /// trial is allowed. Longer than any delivery's HTTP timeout. Default 5 minutes.
        public var trialTimeout: Duration
        /// How long an endpoint may fail without a single success before
        /// ``shouldDisable(now:)`` says to disable it. Default 5 days.
        public var disableAfter: Duration

        public init(
            failureThreshold: Int = 5, coolDown: Duration = .seconds(60), maximumCoolDown: Duration = .seconds(3600),
            trialTimeout: Duration = .seconds(300), disableAfter: Duration = .seconds(5 * 86_400)
        ) {
            self.failureThreshold = failureThreshold
            self.coolDown = coolDown
            self.maximumCoolDown = maximumCoolDown
            self.trialTimeout = trialTimeout
            self.disableAfter = disableAfter
        }
    }

    public enum State: Sendable, Equatable {
        case closed
        case open(until: Date)
        case halfOpen(trialStartedAt: Date)
    }

    /// The state's name as stored in a text column.
    public enum StateName: String, Sendable, CaseIterable {
        case closed
        case open
        case halfOpen = "half_open"
    }

    /// A change of state worth logging or counting; returned by the events
    /// that cause it.
    public enum Transition: Sendable, Equatable {
        /// The circuit opened, or re-opened after a failed trial, until the given time.
        case opened(until: Date)
        /// A cool-down ended and this attempt is the trial.
        case halfOpened
        /// A success closed the circuit.
        case closed
    }

    public private(set) var state: State
    /// Failures since the last success, across re-opens.
    public private(set) var consecutiveFailures: Int
    /// When the current streak of failures began; nil after a success.
    public private(set) var failingSince: Date?
    /// Failed trials since the circuit last closed; sets the cool-down's length.
    public private(set) var reopenCount: Int
    public var configuration: Configuration

    /// A closed breaker with no history.
    public init(configuration: Configuration = Configuration()) {
        self.state = .closed
        self.consecutiveFailures = 0
        self.failingSince = nil
        self.reopenCount = 0
        self.configuration = configuration
    }

    /// Rebuilds a breaker from its stored fields.
    ///
    /// - Throws: `invalid_circuit_breaker_state` (500) when the fields
    ///   contradict each other: `open` without `openedUntil`, `half_open`
    ///   without `trialStartedAt`, or a negative count.
    public init(
        stateName: StateName, consecutiveFailures: Int, openedUntil: Date?, trialStartedAt: Date?,
        failingSince: Date?, reopenCount: Int, configuration: Configuration = Configuration()
    ) throws(CircuitBreakerStateError) {
        guard consecutiveFailures >= 0, reopenCount >= 0 else {
            throw CircuitBreakerStateError("stored circuit breaker counts cannot be negative")
        }
        switch stateName {
        case .closed:
            state = .closed
        case .open:
            guard let openedUntil else {
                throw CircuitBreakerStateError("a stored open circuit breaker has no opened-until time")
            }
            state = .open(until: openedUntil)
        case .halfOpen:
            guard let trialStartedAt else {
                throw CircuitBreakerStateError("a stored half-open circuit breaker has no trial start time")
            }
            state = .halfOpen(trialStartedAt: trialStartedAt)
        }
        self.consecutiveFailures = consecutiveFailures
        self.failingSince = failingSince
        self.reopenCount = reopenCount
        self.configuration = configuration
    }

    // MARK: - Stored fields

    public var stateName: StateName {
        switch state {
        case .closed: .closed
        case .open: .open
        case .halfOpen: .halfOpen
        }
    }

    /// When an open circuit's cool-down ends; nil unless open.
    public var openedUntil: Date? {
        if case .open(let until) = state { until } else { nil }
    }

    /// When the outstanding half-open trial began; nil unless half-open.
    public var trialStartedAt: Date? {
        if case .halfOpen(let started) = state { started } else { nil }
    }

    // MARK: - Queries

    /// Whether an attempt would be let through at `now`. Does not change state:
    /// call ``beginAttempt(now:)`` to actually make one.
    public func allowsAttempt(now: Date) -> Bool {
        switch state {
        case .closed: true
        case .open(let until): now >= until
        case .halfOpen(let started): now >= started.addingTimeInterval(configuration.trialTimeout.timeInterval)
        }
    }

    /// Whether the endpoint has been failing, without a success, for at least
    /// ``Configuration/disableAfter``.
    public func shouldDisable(now: Date) -> Bool {
        guard let failingSince else { return false }
        return now.timeIntervalSince(failingSince) >= configuration.disableAfter.timeInterval
    }

    /// The cool-down after the `reopenCount`-th re-open: `coolDown × 2^reopenCount`,
    /// at most `maximumCoolDown`.
    public func coolDown(reopenCount: Int) -> Duration {
        let base = configuration.coolDown.timeInterval
        let cap = configuration.maximumCoolDown.timeInterval
        // 2^62 already exceeds any cap; the bound keeps the power finite.
        let grown = base * Double(sign: .plus, exponent: Swift.min(Swift.max(reopenCount, 0), 62), significand: 1)
        let seconds = Swift.max(Swift.min(grown, cap), 0)
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    // MARK: - Events

    /// Asks to make a delivery attempt at `now`; true means go ahead.
    ///
    /// When an open circuit's cool-down has passed this moves it to half-open
    /// and the attempt is the trial; further calls return false until the
    /// trial's outcome is recorded or it times out.
    public mutating func beginAttempt(now: Date) -> Bool {
        guard allowsAttempt(now: now) else { return false }
        switch state {
        case .closed:
            break
        case .open, .halfOpen:
            state = .halfOpen(trialStartedAt: now)
        }
        return true
    }

    /// Records a successful delivery: the circuit closes and every counter resets.
    @discardableResult
    public mutating func recordSuccess() -> Transition? {
        let wasClosed = state == .closed
        state = .closed
        consecutiveFailures = 0
        failingSince = nil
        reopenCount = 0
        return wasClosed ? nil : .closed
    }

    /// Records a failed delivery at `now`.
    ///
    /// Closed: the streak grows, and opens the circuit at the threshold.
    /// Half-open: the trial failed, so the circuit re-opens with a doubled
    /// cool-down. Open: an attempt that began before the circuit opened has
    /// failed late; it counts, but does not extend the cool-down.
    @discardableResult
    public mutating func recordFailure(now: Date) -> Transition? {
        consecutiveFailures += 1
        if failingSince == nil { failingSince = now }
        switch state {
        case .closed:
            guard consecutiveFailures >= configuration.failureThreshold else { return nil }
            return open(now: now)
        case .halfOpen:
            reopenCount += 1
            return open(now: now)
        case .open:
            return nil
        }
    }

    private mutating func open(now: Date) -> Transition {
        let until = now.addingTimeInterval(coolDown(reopenCount: reopenCount).timeInterval)
        state = .open(until: until)
        return .opened(until: until)
    }
}

/// Stored circuit breaker fields that contradict each other: the row was
/// written by something other than ``CircuitBreaker`` or is corrupt.
public struct CircuitBreakerStateError: Error, CodedError, Equatable, CustomDebugStringConvertible {
    public let message: String
    public let site: ThrowSite

    public init(_ message: String, file: String = #fileID, line: UInt = #line) {
        self.message = message
        self.site = ThrowSite(file: file, line: line)
    }

    public var code: String { "invalid_circuit_breaker_state" }
    /// A server fault: the stored data is inconsistent, not the request.
    public var httpStatus: Int { 500 }
    public var debugDescription: String { "\(code): \(message) [at \(site)]" }

    public static func == (lhs: CircuitBreakerStateError, rhs: CircuitBreakerStateError) -> Bool {
        lhs.message == rhs.message
    }
}
