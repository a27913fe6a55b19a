import ControlPlane
import Foundation
import Postgres
import Synchronization
import Telemetry

/// Runs ``DeliveryWorker`` for every active tenant until cancelled.
///
/// Ingest notifies `countersign_outbox` (payload: the tenant's schema) when it
/// queues messages, which wakes the loop for that tenant at once; a sweep over
/// all active tenants every `sweepInterval` picks up retries whose time has
/// come and anything a missed notification left behind.
public struct DeliveryLoop: Sendable {
    public static let channel = "countersign_outbox"

    let worker: DeliveryWorker
    let control: PostgresPool
    let sweepInterval: Duration
    let concurrency: Int
    let logger: Logger

    public init(
        worker: DeliveryWorker, control: PostgresPool, sweepInterval: Duration = .seconds(1), concurrency: Int = 8,
        logger: Logger = .disabled
    ) {
        self.worker = worker
        self.control = control
        self.sweepInterval = sweepInterval
        self.concurrency = max(1, concurrency)
        self.logger = logger
    }

    /// Delivers until the calling task is cancelled.
    public func run() async {
        let wake = AsyncStream<Slug?>.makeStream(bufferingPolicy: .bufferingNewest(1_000))
        let listener = try? PostgresListener(control.connectionConfiguration, channels: [Self.channel], logger: logger)
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
            logger.warning("listing tenants for delivery failed", metadata: ["error": String(describing: error)])
            return []
        }
    }

    private func deliver(_ tenant: Slug) async {
        do {
            _ = try await worker.deliverDue(tenant: tenant)
        } catch {
            logger.warning(
                "delivery pass failed", metadata: ["tenant": tenant.value, "error": String(describing: error)])
        }
    }
}
