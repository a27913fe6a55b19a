import Foundation
import Postgres

/// One webhook source of a tenant as a settings page shows it: when its
/// current secret was made and, during a rotation, until when the previous
/// one is still accepted. Never the secrets themselves.
public struct WebhookSourceSummary: Sendable, Equatable {
    public let source: String
    public let currentSince: Date
    /// The latest end of an overlap still running; nil when only the current secret is accepted.
    public let previousValidUntil: Date?
}

extension WebhookSecretStore {
    /// The tenant's webhook sources with a secret still accepted, by name.
    public func sources(tenant: Slug) async throws -> [WebhookSourceSummary] {
        let rows = try await pool.query(
            """
            SELECT s.source, max(s.created_at) FILTER (WHERE s.valid_until IS NULL) AS current_since,
                   max(s.valid_until) FILTER (WHERE s.valid_until > now()) AS previous_valid_until
            FROM control.webhook_secrets s JOIN control.tenants t ON t.id = s.tenant_id
            WHERE t.slug = \(tenant.value) AND s.revoked_at IS NULL AND (s.valid_until IS NULL OR s.valid_until > now())
            GROUP BY s.source ORDER BY s.source
            """)
        var sources: [WebhookSourceSummary] = []
        for row in rows {
            // A source whose every secret is in overlap (none current) cannot happen through
            // create(), which always adds a current one; show it with its overlap end anyway.
            let previous = try row.decode("previous_valid_until", as: Date?.self)
            sources.append(
                WebhookSourceSummary(
                    source: try row.decode("source", as: String.self),
                    currentSince: try row.decode("current_since", as: Date?.self) ?? previous ?? Date(),
                    previousValidUntil: previous))
        }
        return sources
    }
}
