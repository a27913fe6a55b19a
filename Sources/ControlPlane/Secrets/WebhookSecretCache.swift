import Cryptography
import Foundation
import Postgres
import Synchronization

/// What webhook ingest needs to know about a tenant and source: whether the
/// tenant may ingest, and the secrets a signature may be made with.
public struct WebhookVerificationKeys: Sendable {
    public let tenantID: UUID
    public let status: TenantStatus
    /// Opened secrets, current first, each with the end of its rotation overlap.
    let secrets: [(secret: WebhookSecret, validUntil: Date?)]

    /// The keys acceptable at `now`: an expired overlap ends on time even
    /// while this entry is cached.
    public func keys(at now: Date) -> [SymmetricKey] {
        secrets.filter { $0.validUntil.map { now < $0 } ?? true }.map(\.secret.key)
    }
}

/// Caches tenant status and opened webhook secrets for a few seconds, so that
/// a burst of signed webhooks costs no control-plane query per request.
///
/// A new or revoked secret and a suspension take effect within `timeToLive`;
/// the end of a rotation overlap takes effect exactly (see
/// ``WebhookVerificationKeys/keys(at:)``).
public final class WebhookSecretCache: Sendable {
    private struct Key: Hashable {
        let tenant: Slug
        let source: String
    }

    private struct Entry {
        let value: WebhookVerificationKeys?
        let expires: ContinuousClock.Instant
    }

    private let store: WebhookSecretStore
    private let timeToLive: Duration
    private let maximumEntries: Int
    private let entries = Mutex<[Key: Entry]>([:])

    public init(store: WebhookSecretStore, timeToLive: Duration = .seconds(5), maximumEntries: Int = 10_000) {
        self.store = store
        self.timeToLive = timeToLive
        self.maximumEntries = maximumEntries
    }

    /// The tenant's status and keys for `source`; nil for a tenant that does not exist.
    public func keys(tenant: Slug, source: String) async throws -> WebhookVerificationKeys? {
        let key = Key(tenant: tenant, source: source)
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[key] }), entry.expires > now { return entry.value }
        let value = try await load(tenant: tenant, source: source)
        entries.withLock { entries in
            if entries.count >= maximumEntries { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(value: value, expires: now.advanced(by: timeToLive))
        }
        return value
    }

    /// Forgets what is cached for `tenant`, after a change made in this process.
    public func invalidate(tenant: Slug) {
        entries.withLock { entries in entries = entries.filter { $0.key.tenant != tenant } }
    }

    private func load(tenant: Slug, source: String) async throws -> WebhookVerificationKeys? {
        let tenants = try await store.pool.query("SELECT id, status FROM control.tenants WHERE slug = \(tenant.value)")
        guard let row = tenants.first else { return nil }
        let tenantID = try row.decode("id", as: UUID.self)
        let status = TenantStatus(rawValue: try row.decode("status", as: String.self)) ?? .deleted
        let secrets = try await store.acceptableVersions(tenantID: tenantID, source: source)
        return WebhookVerificationKeys(tenantID: tenantID, status: status, secrets: secrets)
    }
}
