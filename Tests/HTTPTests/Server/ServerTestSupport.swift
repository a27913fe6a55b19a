import Foundation
import HTTP
import Synchronization
import TestSupport

/// Lets a test hold handlers inside `respond` and know when they got there,
/// so that "a handler is busy" is a fact the test waits for, not a guess about time.
final class HandlerGate: Sendable {
    private struct State {
        var isOpen = false
        var waiting: [CheckedContinuation<Void, Never>] = []
        var entered = 0
        var enteredWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    /// Called by a handler: records arrival, then waits until the gate opens.
    func pass() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.entered += 1
                var ready: [CheckedContinuation<Void, Never>] = []
                state.enteredWaiters.removeAll { waiter in
                    if waiter.count <= state.entered {
                        ready.append(waiter.continuation)
                        return true
                    }
                    return false
                }
                if state.isOpen {
                    ready.append(continuation)
                } else {
                    state.waiting.append(continuation)
                }
                return ready
            }
            for continuation in resumeNow { continuation.resume() }
        }
    }

    /// Suspends until `count` handlers have arrived at the gate.
    func waitForArrivals(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.entered >= count { return true }
                state.enteredWaiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    func open() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.isOpen = true
            defer { state.waiting.removeAll() }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}

extension HTTPServer.Configuration {
    /// A small configuration for tests: two loops and the given tweaks.
    static func testing(_ adjust: (inout HTTPServer.Configuration) -> Void = { _ in }) -> HTTPServer.Configuration {
        var configuration = HTTPServer.Configuration(host: "127.0.0.1", port: 0, eventLoopCount: 2)
        adjust(&configuration)
        return configuration
    }
}

/// Runs `body` on a background thread, for blocking socket work that must not
/// occupy the cooperative pool that the server's handlers run on.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}
