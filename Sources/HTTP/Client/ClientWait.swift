import CLinux
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Wakes a request's thread out of `poll(2)` when the awaiting task is cancelled.
///
/// An eventfd that stays readable once signalled, so every later wait sees it
/// too. The object owns the descriptor and closes it in `deinit`: the
/// cancellation handler and the request thread each hold a reference, so the
/// number can never be closed (and reused by another socket) while either may
/// still write to or poll it.
final class CancellationSignal: Sendable {
    /// -1 if the eventfd could not be made; cancellation is then seen only between waits.
    let fd: Int32
    private let flag = Atomic<Bool>(false)

    init() { fd = SystemCalls.eventFD() }

    deinit { if fd >= 0 { close(fd) } }

    var isCancelled: Bool { flag.load(ordering: .acquiring) }

    func cancel() {
        guard !flag.exchange(true, ordering: .acquiringAndReleasing), fd >= 0 else { return }
        var one: UInt64 = 1
        _ = write(fd, &one, MemoryLayout<UInt64>.size)
    }
}

/// The time limits of one request, measured on the monotonic clock.
///
/// Socket waits are real `poll(2)` timeouts, so this clock is not injectable;
/// tests assert only that a time-out was reported, never how long it took.
struct RequestClock: Sendable {
    let started: ContinuousClock.Instant
    let deadline: ContinuousClock.Instant
    let total: Duration

    init(started: ContinuousClock.Instant, total: Duration) {
        self.started = started
        self.total = total
        deadline = started.advanced(by: total)
    }

    var elapsed: Duration { ContinuousClock.now - started }
}

/// What a request is doing while it waits, for time-out messages.
enum WaitPhase: String, Sendable {
    case resolving = "resolving the host name"
    case connecting = "connecting"
    case handshaking = "in the TLS handshake"
    case sending = "sending the request"
    case receiving = "waiting for the response"
}

/// Waits for a descriptor under a phase time-out, the request deadline and cancellation.
struct Waiter: Sendable {
    let clock: RequestClock
    let cancellation: CancellationSignal
    let origin: String

    /// Throws ``HTTPClientError/Kind/cancelled`` if the task was cancelled.
    func checkCancelled() throws(HTTPClientError) {
        if cancellation.isCancelled { throw HTTPClientError(.cancelled, "the request to \(origin) was cancelled") }
    }

    /// Blocks until `fd` has one of `events` (POLLIN/POLLOUT), the phase limit or
    /// the deadline passes, or the task is cancelled.
    ///
    /// - Returns: the `revents` of `fd`; error and hang-up bits are returned, not
    ///   thrown, so the caller's next read or write reports them precisely.
    @discardableResult
    func wait(for fd: Int32, events: Int16, phase: WaitPhase, limit: Duration) throws(HTTPClientError) -> Int16 {
        let phaseEnd = ContinuousClock.now.advanced(by: limit)
        while true {
            try checkCancelled()
            let now = ContinuousClock.now
            let end = min(phaseEnd, clock.deadline)
            guard now < end else { throw timeout(phase: phase, limit: limit, phaseEnd: phaseEnd) }
            var descriptors = [
                pollfd(fd: fd, events: events, revents: 0),
                pollfd(fd: cancellation.fd, events: Int16(POLLIN), revents: 0),
            ]
            let status = poll(&descriptors, nfds_t(descriptors.count), Self.milliseconds(end - now))
            if status < 0 {
                if errno == EINTR { continue }
                let code = errno
                throw HTTPClientError(
                    .connectionClosed, "poll failed while \(phase.rawValue)\(HTTPClientError.reason(code))",
                    systemError: code)
            }
            if descriptors[1].revents != 0 { try checkCancelled() }
            if descriptors[0].revents != 0 { return descriptors[0].revents }
        }
    }

    func timeout(phase: WaitPhase, limit: Duration, phaseEnd: ContinuousClock.Instant) -> HTTPClientError {
        if clock.deadline <= phaseEnd {
            return HTTPClientError(
                .timeout, "the request to \(origin) passed its \(clock.total) deadline while \(phase.rawValue)")
        }
        return HTTPClientError(.timeout, "no progress for \(limit) while \(phase.rawValue) (\(origin))")
    }

    /// Rounds up, so a wait never returns just before its limit and spins.
    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }
}
