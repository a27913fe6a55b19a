import Cryptography
import Foundation
import Postgres

/// Webhook signing secrets in `control.webhook_secrets`, sealed under the
/// master key. Creating a secret for a source that already has one rotates:
/// the previous secret stays valid for `overlap`, so senders can switch over.
public struct WebhookSecretStore: Sendable {
    public let pool: PostgresPool
    public let keyRing: KeyRing

    public init(pool: PostgresPool, keyRing: KeyRing) {
        self.pool = pool
        self.keyRing = keyRing
    }

    /// Generates and stores a secret; the returned value is the only time it is shown.
    public func create(tenant: Slug, source: String, overlap: Duration = .seconds(86_400), actor: String) async throws
        -> WebhookSecret
    {
        guard WebhookSecret.isValidSource(source) else {
            throw ControlPlaneError.invalid(
                "invalid_webhook_source", "source must match ^[a-z][a-z0-9_-]{0,62}$", field: "source")
        }
        let secret = try WebhookSecret.generate()
        let overlapSeconds = Int(overlap.components.seconds)
        try await pool.withTransaction { tx in
            let rows = try await tx.query(
                "SELECT id FROM control.tenants WHERE slug = \(tenant.value) AND status IN ('active', 'suspended')")
            guard let tenantID = try rows.first?.decode("id", as: UUID.self) else {
                throw ControlPlaneError.tenantNotFound(tenant.value)
            }
            let sealed = try secret.seal(with: keyRing, tenantID: tenantID, source: source)
            let rotated = try await tx.execute(
                """
                UPDATE control.webhook_secrets
                SET valid_until = least(coalesce(valid_until, 'infinity'), now() + \(overlapSeconds) * interval '1 second')
                WHERE tenant_id = \(tenantID) AND source = \(source) AND revoked_at IS NULL
                  AND (valid_until IS NULL OR valid_until > now())
                """)
            try await tx.query(
                """
                INSERT INTO control.webhook_secrets (tenant_id, source, secret_sealed)
                VALUES (\(tenantID), \(source), \(ByteA(sealed)))
                """)
            try await AuditLog.control().append(
                AuditEntry(
                    actor: actor, action: rotated > 0 ? "webhook_secret.rotated" : "webhook_secret.created",
                    subject: "tenant:\(tenant)", details: ["source": source, "overlap_seconds": String(overlapSeconds)]),
                on: tx)
        }
        return secret
    }

    /// The secrets a signature may be made with right now (current first), opened.
    public func acceptable(tenantID: UUID, source: String) async throws -> [WebhookSecret] {
        try await acceptableVersions(tenantID: tenantID, source: source).map(\.secret)
    }

    /// The same, each with the end of its rotation overlap (nil for the current one).
    func acceptableVersions(tenantID: UUID, source: String) async throws -> [(secret: WebhookSecret, validUntil: Date?)] {
        let rows = try await pool.query(
            """
            SELECT secret_sealed, valid_until FROM control.webhook_secrets
            WHERE tenant_id = \(tenantID) AND source = \(source) AND revoked_at IS NULL
              AND (valid_until IS NULL OR valid_until > now())
            ORDER BY valid_until IS NOT NULL, created_at DESC
            """)
        return try rows.map { row in
            (
                secret: try WebhookSecret.open(
                    sealed: try row.decode("secret_sealed", as: ByteA.self).bytes, keyRing: keyRing, tenantID: tenantID,
                    source: source),
                validUntil: try row.decode("valid_until", as: Date?.self)
            )
        }
    }
}
