import Foundation
import Platform
import Synchronization

/// Asks an external model first and answers with the built-in model when the external one is slow,
/// down or wrong, reporting which one answered.
///
/// The external call runs in its own task raced against a timer on an injected clock; whichever
/// finishes first wins, and the loser is cancelled. The race does not wait for the external call to
/// honour cancellation, so a hung HTTP client cannot hold the recommendation past the timeout.
/// An answer is used only if it decodes and validates under ``ExternalModelResponse/decode(_:)``.
public struct FallbackRecommender<C: Clock>: Recommender where C.Duration == Duration {
    /// Sends the request to the endpoint and returns the response body.
    public typealias ExternalCall = @Sendable (ExternalModelRequest) async throws -> Data

    public let builtIn: BuiltInRecommender
    public let timeout: Duration
    private let external: ExternalCall
    private let clock: C

    public init(builtIn: BuiltInRecommender, timeout: Duration, clock: C, external: @escaping ExternalCall) {
        self.builtIn = builtIn
        self.timeout = timeout
        self.clock = clock
        self.external = external
    }

    public func recommend(for exception: OpenException) async throws(TriageError) -> AnsweredRecommendation {
        guard exception.tenant == builtIn.model.tenant else {
            throw TriageError(
                .crossTenantCase, "exception \(exception.id.prefix(64)) belongs to another tenant", field: "tenant")
        }
        let request = ExternalModelRequest(exception, knownRootCauses: builtIn.model.knownRootCauses)
        let reason: FallbackReason
        switch await race(request) {
        case .answered(let body):
            do {
                let response = try ExternalModelResponse.decode(body)
                return AnsweredRecommendation(recommendation: response.recommendation, source: .external)
            } catch {
                reason = .invalidAnswer(code: error.code)
            }
        case .failed(let code): reason = .externalError(code: code)
        case .timedOut: reason = .timeout
        }
        let answer = try await builtIn.recommend(for: exception)
        return AnsweredRecommendation(recommendation: answer.recommendation, source: .builtIn(fallbackReason: reason))
    }

    private func race(_ request: ExternalModelRequest) async -> RaceOutcome {
        let race = Race()
        // The deadline is fixed before the call starts, so time that passes while tasks spin up counts.
        let deadline = clock.now.advanced(by: timeout)
        let clock = self.clock
        let external = self.external
        let call = Task {
            do {
                race.finish(.answered(try await external(request)))
            } catch {
                race.finish(.failed((error as? any CodedError)?.code ?? "external_unavailable"))
            }
        }
        let timer = Task {
            // A cancelled timer means the call already won; it must not report a timeout.
            do {
                try await clock.sleep(until: deadline, tolerance: nil)
                race.finish(.timedOut)
            } catch {}
        }
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { race.wait($0) }
        } onCancel: {
            race.finish(.failed("cancelled"))
        }
        call.cancel()
        timer.cancel()
        return outcome
    }
}

extension FallbackRecommender where C == ContinuousClock {
    public init(builtIn: BuiltInRecommender, timeout: Duration, external: @escaping ExternalCall) {
        self.init(builtIn: builtIn, timeout: timeout, clock: ContinuousClock(), external: external)
    }
}

enum RaceOutcome: Sendable {
    case answered(Data)
    case failed(String)
    case timedOut
}

/// The first outcome wins; a waiter installed after the finish is resumed at once.
final class Race: Sendable {
    private struct State {
        var waiter: CheckedContinuation<RaceOutcome, Never>?
        var outcome: RaceOutcome?
    }

    private let state = Mutex(State())

    func finish(_ outcome: RaceOutcome) {
        let waiter = state.withLock { state -> CheckedContinuation<RaceOutcome, Never>? in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: outcome)
    }

    func wait(_ continuation: CheckedContinuation<RaceOutcome, Never>) {
        let ready = state.withLock { state -> RaceOutcome? in
            if let outcome = state.outcome { return outcome }
            state.waiter = continuation
            return nil
        }
        if let ready { continuation.resume(returning: ready) }
    }
}
