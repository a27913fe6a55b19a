import Synchronization

/// Admission control for handlers: at most `maxConcurrent` run at once, at
/// most `queueCapacity` complete requests wait, and the rest are refused so
/// the event loop can answer 503 instead of queueing without bound.
///
/// A task that finishes a handler takes the next queued job itself, so a
/// burst costs no extra task creations and the queue drains in arrival order.
final class HandlerPool: Sendable {
    struct Job: Sendable {
        let connection: Connection
        let request: HTTPRequest
    }

    enum Admission {
        /// Start a task for the job now.
        case run
        /// A running task will pick the job up.
        case queued
        /// Pool and queue are full: answer 503.
        case rejected
    }

    private struct State {
        var running = 0
        var queue: [Job] = []
        var head = 0
        var queuedCount: Int { queue.count - head }
    }

    private let maxConcurrent: Int
    private let queueCapacity: Int
    private let state = Mutex(State())

    init(maxConcurrent: Int, queueCapacity: Int) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.queueCapacity = max(0, queueCapacity)
    }

    func admit(_ job: Job) -> Admission {
        state.withLock { state in
            if state.running < maxConcurrent {
                state.running += 1
                return .run
            }
            if state.queuedCount < queueCapacity {
                state.queue.append(job)
                return .queued
            }
            return .rejected
        }
    }

    /// The next queued job for a task that just finished one, or nil (and one fewer running).
    func next() -> Job? {
        state.withLock { state in
            if state.head < state.queue.count {
                let job = state.queue[state.head]
                state.head += 1
                if state.head == state.queue.count {
                    state.queue.removeAll(keepingCapacity: true)
                    state.head = 0
                } else if state.head > 64 && state.head * 2 > state.queue.count {
                    state.queue.removeFirst(state.head)
                    state.head = 0
                }
                return job
            }
            state.running -= 1
            return nil
        }
    }

    /// Handlers running now and requests waiting; for tests and metrics.
    var load: (running: Int, queued: Int) { state.withLock { ($0.running, $0.queuedCount) } }
}
