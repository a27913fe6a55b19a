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
///
/// Wakes for a tenant are coalesced: at most `passesPerTenant` passes run for
/// one tenant at a time, and wakes that arrive meanwhile are remembered as
/// one more pass when a running one ends. A busy ingest notifies hundreds of
/// times a second; each notification starting a pass of its own would spend
/// the database on passes that find nothing the previous one did not.
public struct TenantLoop: Sendable {
    let channel: String
    /// One pass over a tenant's work; true when it stopped with work left (a
    /// bounded pass), which makes another pass follow at once rather than at
    /// the next notification or sweep.
    let work: @Sendable (Slug) async throws -> Bool
    let control: PostgresPool
    let sweepInterval: Duration
    let concurrency: Int
    let passesPerTenant: Int
    let logger: Logger
    private let passes = TenantPasses()

    public init(
        channel: String, control: PostgresPool, sweepInterval: Duration = .seconds(1), concurrency: Int = 8,
        passesPerTenant: Int = 2, logger: Logger = .disabled, work: @escaping @Sendable (Slug) async throws -> Bool
    ) {
        self.channel = channel
        self.work = work
        self.control = control
        self.sweepInterval = sweepInterval
        self.concurrency = max(1, concurrency)
        self.passesPerTenant = max(1, passesPerTenant)
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
                guard passes.begin(tenant, limit: passesPerTenant) else { return }
                if running >= concurrency {
                    await group.next()
                    running -= 1
                }
                running += 1
                group.addTask {
                    repeat {
                        if await deliver(tenant) { passes.remember(tenant) }
                    } while passes.end(tenant)
                }
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

    /// Returns whether work is left.
    private func deliver(_ tenant: Slug) async -> Bool {
        do {
            return try await work(tenant)
        } catch is CancellationError {
            // Shutting down: not a failure.
        } catch {
            logger.warning(
                "tenant work failed", metadata: ["tenant": tenant.value, "error": String(describing: error)])
        }
        return false
    }
}

/// Passes running per tenant, and whether a wake came in while they ran.
final class TenantPasses: Sendable {
    private let state = Mutex<[Slug: (running: Int, pending: Bool)]>([:])

    /// True when a pass may start now; otherwise the wake is kept for a running pass.
    func begin(_ tenant: Slug, limit: Int) -> Bool {
        state.withLock { state in
            var entry = state[tenant] ?? (0, false)
            defer { state[tenant] = entry }
            guard entry.running < limit else {
                entry.pending = true
                return false
            }
            entry.running += 1
            return true
        }
    }

    /// A pass that ended with work left: it runs once more, as for a wake.
    func remember(_ tenant: Slug) {
        state.withLock { state in
            guard var entry = state[tenant] else { return }
            entry.pending = true
            state[tenant] = entry
        }
    }

    /// Called when a pass ends: true when it should run once more for wakes that came meanwhile.
    func end(_ tenant: Slug) -> Bool {
        state.withLock { state in
            guard var entry = state[tenant] else { return false }
            if entry.pending {
                entry.pending = false
                state[tenant] = entry
                return true
            }
            entry.running -= 1
            state[tenant] = entry.running > 0 ? entry : nil
            return false
        }
    }
}
