import Cryptography
import Foundation
import Postgres

/// An audit entry as stored: its position in the chain and when it happened.
public struct AuditRecord: Sendable, Equatable {
    public let id: Int64
    public let occurredAt: Date
    public let entry: AuditEntry
}

/// Where a page of the audit log continues: an opaque token for clients.
///
/// It wraps the last id a page returned; it is opaque (base64url of a
/// versioned text) so that clients pass it back unchanged and the encoding
/// can change without breaking them.
public struct AuditCursor: Sendable, Equatable {
    /// The next page starts with entries older than this id.
    public let before: Int64

    public init(before: Int64) { self.before = before }

    /// Parses a token from ``token``.
    ///
    /// - Throws: `invalid_cursor` (422, field `cursor`) for anything that is
    ///   not a token this type made.
    public init(token: String) throws(ControlPlaneError) {
        let invalid = ControlPlaneError.invalid(
            "invalid_cursor", "the cursor is not one a previous page returned", field: "cursor")
        guard token.utf8.count <= 64, let bytes = try? Base64.decode(token, alphabet: .urlSafe) else { throw invalid }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix("audit:v1:"), let id = Int64(text.dropFirst("audit:v1:".count)), id > 0 else {
            throw invalid
        }
        before = id
    }

    public var token: String { Base64.encode(Array("audit:v1:\(before)".utf8), alphabet: .urlSafe, padding: false) }
}

extension AuditLog {
    /// Which entries of the control log a reader may see.
    public enum Visibility: Sendable, Equatable {
        /// Every entry: the provider, or a tenant reading its own tenant log.
        case everything
        /// Entries about the partner itself, its tenants, and the API keys of
        /// either — never another partner's.
        case partner(Slug)
    }

    /// A page of entries, newest first.
    ///
    /// - Parameters:
    ///   - cursor: continue after a previous page; nil starts at the newest entry.
    ///   - limit: entries per page; the caller bounds it.
    /// - Returns: the entries and the cursor of the next page, nil on the last one.
    public func page(
        on pool: PostgresPool, visibility: Visibility, cursor: AuditCursor?, limit: Int
    ) async throws -> (records: [AuditRecord], next: AuditCursor?) {
        let table = try SQLIdentifier("audit_log")
        let partner: String? = {
            if case .partner(let slug) = visibility { return slug.value }
            return nil
        }()
        // One extra row says whether another page exists.
        let rows = try await pool.query(
            """
            SELECT a.id, a.occurred_at, a.actor, a.action, a.subject, a.details, a.source_ip, a.request_id, a.trace_id
            FROM \(identifier: schema, table) a
            WHERE (\(cursor?.before)::bigint IS NULL OR a.id < \(cursor?.before))
              AND (\(partner)::text IS NULL
                   OR a.subject = 'partner:' || \(partner)
                   OR a.subject IN (SELECT 'tenant:' || t.slug FROM control.tenants t
                                    JOIN control.partners p ON p.id = t.partner_id WHERE p.slug = \(partner))
                   OR a.subject IN (SELECT 'credential:' || c.key_prefix FROM control.api_credentials c
                                    LEFT JOIN control.tenants t ON t.id = c.tenant_id
                                    JOIN control.partners p ON p.id = coalesce(c.partner_id, t.partner_id)
                                    WHERE p.slug = \(partner)))
            ORDER BY a.id DESC
            LIMIT \(limit + 1)
            """)
        let records = try rows.prefix(limit).map { row in
            AuditRecord(
                id: try row.decode("id"), occurredAt: try row.decode("occurred_at"),
                entry: AuditEntry(
                    actor: try row.decode("actor"), action: try row.decode("action"),
                    subject: try row.decode("subject"),
                    details: try row.decode("details", as: JSONDocument.self).decode([String: String].self),
                    sourceIP: try row.decode("source_ip"), requestID: try row.decode("request_id"),
                    traceID: try row.decode("trace_id")))
        }
        let next = rows.count > limit ? records.last.map { AuditCursor(before: $0.id) } : nil
        return (records, next)
    }
}
