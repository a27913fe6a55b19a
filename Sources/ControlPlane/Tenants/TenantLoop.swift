import Foundation
import Postgres
import Synchronization
import Telemetry

/// Runs one kind of background work (delivery, workflow runs) for every
/// active tenant until cancelled.
///
/// Writers notify `channel` with the tenant's schema as payload when they
/// leave work behind (ingest queuing outbox messages, say), which wakes the
/// loop for that tenant at once; a sweep over all active tenants every
/// `sweepInterval` picks up work whose time has come (retries, timers) and
/// anything a missed notification left behind.
public struct TenantLoop: Sendable {
    let channel: String
    let work: @Sendable (Slug) async throws -> Void
    let control: PostgresPool
    let sweepInterval: Duration
    let concurrency: Int
    let logger: Logger

    public init(
        channel: String, control: PostgresPool, sweepInterval: Duration = .seconds(1), concurrency: Int = 8,
        logger: Logger = .disabled, work: @escaping @Sendable (Slug) async throws -> Void
    ) {
        self.channel = channel
        self.work = work
        self.control = control
        self.sweepInterval = sweepInterval
        self.concurrency = max(1, concurrency)
        self.logger = logger
    }

    /// Delivers until the calling task is cancelled.
    public func run() async {
        let wake = AsyncStream<Slug?>.makeStream(bufferingPolicy: .bufferingNewest(1_000))
        let listener = try? PostgresListener(control.connectionConfiguration, channels: [channel], logger: logger)
        let forwarding = Task {
            guard let listener else { return }
            for await event in listener.events {
                switch event {
                case .notification(let notification):
                    let slug = notification.payload.hasPrefix("t_") ? String(notification.payload.dropFirst(2)) : ""
                    wake.continuation.yield(try? Slug(slug))
                case .reconnected:
                    wake.continuation.yield(nil)
                }
            }
        }
        let ticking = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: sweepInterval)
                wake.continuation.yield(nil)
            }
        }
        defer {
            forwarding.cancel()
            ticking.cancel()
            listener?.stop()
        }
        // Tenants are delivered to concurrently (one slow endpoint must not hold
        // up every other tenant), at most `concurrency` at a time.
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            func start(_ tenant: Slug) async {
                if running >= concurrency {
                    await group.next()
                    running -= 1
                }
                running += 1
                group.addTask { await deliver(tenant) }
            }
            for tenant in await activeTenants() { await start(tenant) }
            for await target in wake.stream {
                if Task.isCancelled { break }
                let targets = if let target { [target] } else { await activeTenants() }
                for tenant in targets { await start(tenant) }
            }
            group.cancelAll()
        }
    }

    private func activeTenants() async -> [Slug] {
        do {
            let rows = try await control.query("SELECT slug FROM control.tenants WHERE status = 'active' ORDER BY slug")
            return rows.compactMap { try? Slug(try $0.decode("slug", as: String.self)) }
        } catch {
            logger.warning("listing active tenants failed", metadata: ["error": String(describing: error)])
            return []
        }
    }

    private func deliver(_ tenant: Slug) async {
        do {
            try await work(tenant)
        } catch is CancellationError {
            // Shutting down: not a failure.
        } catch {
            logger.warning(
                "tenant work failed", metadata: ["tenant": tenant.value, "error": String(describing: error)])
        }
    }
}
