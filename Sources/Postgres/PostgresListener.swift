import CLibPQ
import Foundation
import Platform
import Synchronization
import Telemetry

/// A notification delivered by `NOTIFY channel, 'payload'` / `pg_notify`.
public struct PostgresNotification: Sendable, Equatable {
    public let channel: String
    public let payload: String
    public let senderPID: Int32
}

/// LISTEN on a dedicated session that survives reconnects.
///
/// The session lives on its own thread, waiting in `poll(2)` for the server.
/// When the session breaks (server restart, terminated backend) the listener
/// reconnects with backoff, issues `LISTEN` again for every channel, and emits
/// ``Event/reconnected``. Notifications sent while it was disconnected are lost
/// (PostgreSQL does not queue them for absent listeners), so consumers treat
/// `reconnected` as "re-scan whatever the notifications were about".
public final class PostgresListener: Sendable {
    public enum Event: Sendable, Equatable {
        case notification(PostgresNotification)
        /// The session was re-established and every channel is listened to again.
        case reconnected
    }

    public struct Configuration: Sendable {
        /// First delay before reconnecting; doubles up to `maximumReconnectDelay`.
        public var initialReconnectDelay: Duration = .milliseconds(50)
        public var maximumReconnectDelay: Duration = .seconds(5)
        /// How often the thread wakes to notice `stop()` and new channels.
        public var pollInterval: Duration = .milliseconds(100)
        public init() {}
    }

    private struct Shared {
        var channels: [SQLIdentifier] = []
        var pending: [SQLIdentifier] = []
        var stopped = false
        var backendPID: Int32 = 0
    }

    /// Notifications and reconnects, in order. Finishes after ``stop()``.
    public let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let shared = Mutex(Shared())
    private let thread: DedicatedThread

    /// Starts listening on `channels` (validated identifiers) right away.
    public init(
        _ connectionConfiguration: PostgresConfiguration, channels: [String],
        configuration: Configuration = Configuration(), logger: Logger = .disabled
    ) throws {
        let identifiers = try channels.map(SQLIdentifier.init)
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(10_000))
        shared.withLock { $0.channels = identifiers }
        thread = DedicatedThread(name: "postgres-listen")
        thread.submit { [self] in
            runLoop(connectionConfiguration, configuration: configuration, logger: logger)
        }
    }

    /// Adds a channel; takes effect within one poll interval.
    public func listen(_ channel: String) throws {
        let identifier = try SQLIdentifier(channel)
        shared.withLock {
            $0.channels.append(identifier)
            $0.pending.append(identifier)
        }
    }

    /// The server process id of the current session (0 while disconnected); for tests and logs.
    public var backendPID: Int32 { shared.withLock { $0.backendPID } }

    /// Ends the session and finishes ``events``.
    public func stop() {
        shared.withLock { $0.stopped = true }
        thread.stop()
    }

    private var isStopped: Bool { shared.withLock { $0.stopped } }

    private func runLoop(_ connectionConfiguration: PostgresConfiguration, configuration: Configuration, logger: Logger) {
        defer { continuation.finish() }
        var handle: LibPQHandle?
        var delay = configuration.initialReconnectDelay
        var hasConnectedBefore = false
        let pollMillis = Int32(configuration.pollInterval.components.seconds * 1000
            + configuration.pollInterval.components.attoseconds / 1_000_000_000_000_000)
        while !isStopped {
            guard let current = handle, let connection = current.connection else {
                do {
                    let (opened, pid) = try PostgresConnection.open(connectionConfiguration)
                    let channels = shared.withLock { state -> [SQLIdentifier] in
                        state.pending.removeAll()
                        return state.channels
                    }
                    for channel in channels {
                        _ = try PostgresConnection.execute("LISTEN \(identifier: channel)", on: opened)
                    }
                    handle = opened
                    shared.withLock { $0.backendPID = pid }
                    delay = configuration.initialReconnectDelay
                    if hasConnectedBefore {
                        logger.notice("listener reconnected", metadata: ["channels": String(channels.count)])
                        continuation.yield(.reconnected)
                    }
                    hasConnectedBefore = true
                } catch {
                    logger.warning("listener cannot connect; retrying", metadata: ["error": "\(error)"])
                    sleepUnlessStopped(delay)
                    delay = min(delay * 2, configuration.maximumReconnectDelay)
                }
                continue
            }
            do {
                let pending = shared.withLock { state -> [SQLIdentifier] in
                    defer { state.pending.removeAll() }
                    return state.pending
                }
                for channel in pending { _ = try PostgresConnection.execute("LISTEN \(identifier: channel)", on: current) }
            } catch {
                dropConnection(&handle)
                continue
            }
            var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, pollMillis)
            if ready < 0 && errno == EINTR { continue }
            if ready != 0 {
                guard PQconsumeInput(connection) == 1, PQstatus(connection) == CONNECTION_OK else {
                    logger.notice("listener lost its database session")
                    dropConnection(&handle)
                    continue
                }
            }
            while let notify = PQnotifies(connection) {
                let event = PostgresNotification(
                    channel: String(cString: notify.pointee.relname),
                    payload: notify.pointee.extra.map { String(cString: $0) } ?? "",
                    senderPID: notify.pointee.be_pid)
                PQfreemem(notify)
                continuation.yield(.notification(event))
            }
        }
        handle?.finish()
    }

    private func dropConnection(_ handle: inout LibPQHandle?) {
        handle?.finish()
        handle = nil
        shared.withLock { $0.backendPID = 0 }
    }

    private func sleepUnlessStopped(_ duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while !isStopped, ContinuousClock.now < deadline {
            usleep(10_000)
        }
    }
}

extension PostgresConnection {
    /// Sends a notification with a bound payload (`pg_notify`), so payloads need no quoting.
    public func notify(_ channel: String, payload: String) async throws {
        try await query("SELECT pg_notify(\(channel), \(payload))")
    }
}
