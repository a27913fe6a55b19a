import Foundation

/// An OS thread that runs submitted jobs one after another, for work that
/// blocks (libpq calls, `poll`) and must stay off Swift's cooperative pool.
///
/// Async callers use ``run(_:)``: they suspend on a continuation while the job
/// runs here, so a blocked database call never starves the executor that
/// serves every other task.
public final class DedicatedThread: @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var isStopping = false

    public init(name: String) {
        let thread = Thread { [self] in self.loop() }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Runs `body` on this thread and returns its result to the awaiting task.
    public func run<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, Error>) in
            let accepted = submit {
                continuation.resume(with: Swift.Result { try body() })
            }
            if !accepted { continuation.resume(throwing: DedicatedThreadStopped()) }
        }
    }

    /// Runs one blocking job (a password hash, say) on a thread of its own, which then ends.
    public static func once<Result: Sendable>(name: String, _ body: @escaping @Sendable () throws -> Result)
        async throws -> Result
    {
        let thread = DedicatedThread(name: name)
        defer { thread.stop() }
        return try await thread.run(body)
    }

    /// Queues a job; returns false when the thread is stopping and the job was not queued.
    @discardableResult
    public func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        guard !isStopping else {
            condition.unlock()
            return false
        }
        let wasIdle = jobs.isEmpty
        jobs.append(job)
        condition.unlock()
        // Signalled after unlocking, so the woken thread does not at once block
        // on the lock still held here (a second sleep and wake per job); and
        // only when the queue was empty, since otherwise the thread is awake or
        // already signalled. The thread tests the queue under the lock, so no
        // wake-up is lost.
        if wasIdle { condition.signal() }
        return true
    }

    /// Lets queued jobs finish, then ends the thread. Jobs submitted afterwards are refused.
    public func stop() {
        condition.lock()
        isStopping = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !isStopping { condition.wait() }
            if jobs.isEmpty && isStopping {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job() }
        }
    }
}

/// Thrown when a job is submitted to a ``DedicatedThread`` that has been stopped.
public struct DedicatedThreadStopped: Error, CustomStringConvertible {
    public var description: String { "the dedicated thread has stopped" }
}
