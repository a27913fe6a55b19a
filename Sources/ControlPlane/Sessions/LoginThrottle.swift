import Foundation
import Synchronization

/// Slows password guessing: after `maximumFailures` failed sign-ins within
/// `window`, further attempts for that account — or from that address — are
/// refused until the oldest failure ages out.
///
/// Per process and in memory: several portal processes each allow their own
/// quota, which multiplies the guessing rate by the process count but never
/// lets an attacker past scrypt's cost per guess. A success clears the
/// account's failures, not the address's, so one valid account does not
/// launder an address that is guessing at others.
public final class LoginThrottle: Sendable {
    public struct Limits: Sendable {
        public var failuresPerAccount: Int
        public var failuresPerAddress: Int
        public var window: TimeInterval

        public init(failuresPerAccount: Int = 5, failuresPerAddress: Int = 20, window: TimeInterval = 900) {
            self.failuresPerAccount = failuresPerAccount
            self.failuresPerAddress = failuresPerAddress
            self.window = window
        }
    }

    private struct State {
        var accounts: [String: [Date]] = [:]
        var addresses: [String: [Date]] = [:]
    }

    public let limits: Limits
    private let state = Mutex(State())

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Seconds until `account` from `address` may try again; nil when it may now.
    public func retryAfter(account: String, address: String, now: Date) -> TimeInterval? {
        state.withLock { state in
            let cutoff = now.addingTimeInterval(-limits.window)
            let byAccount = Self.recent(state.accounts[account] ?? [], after: cutoff)
            let byAddress = Self.recent(state.addresses[address] ?? [], after: cutoff)
            var wait: TimeInterval?
            if byAccount.count >= limits.failuresPerAccount, let oldest = byAccount.first {
                wait = oldest.addingTimeInterval(limits.window).timeIntervalSince(now)
            }
            if byAddress.count >= limits.failuresPerAddress, let oldest = byAddress.first {
                wait = max(wait ?? 0, oldest.addingTimeInterval(limits.window).timeIntervalSince(now))
            }
            return wait.map { max(1, $0.rounded(.up)) }
        }
    }

    public func recordFailure(account: String, address: String, now: Date) {
        state.withLock { state in
            let cutoff = now.addingTimeInterval(-limits.window)
            state.accounts[account] = Self.recent(state.accounts[account] ?? [], after: cutoff) + [now]
            state.addresses[address] = Self.recent(state.addresses[address] ?? [], after: cutoff) + [now]
            // Bounded memory: forget keys whose failures have all aged out.
            if state.accounts.count + state.addresses.count > 100_000 {
                state.accounts = state.accounts.filter { $0.value.last.map { $0 > cutoff } ?? false }
                state.addresses = state.addresses.filter { $0.value.last.map { $0 > cutoff } ?? false }
            }
        }
    }

    public func recordSuccess(account: String) {
        _ = state.withLock { $0.accounts.removeValue(forKey: account) }
    }

    private static func recent(_ times: [Date], after cutoff: Date) -> [Date] {
        times.drop { $0 <= cutoff }.map { $0 }
    }
}
