import ControlPlane
import Foundation
import Postgres

/// A stored raw payload: what a translated event came from.
public struct StoredRawPayload: Sendable {
    public let id: Int64
    public let receivedAt: Date
    public let sha256: String
    public let contentType: String
    public let body: [UInt8]
    public let translation: String
    public let ingress: String
    public let ingressDetail: String
    public let requestID: String?
    public let eventIDs: [String]
}

/// Reads the lineage `raw_payloads` keeps: which payload an event was translated from.
public struct RawPayloads: Sendable {
    let databases: TenantDatabases

    public init(databases: TenantDatabases) {
        self.databases = databases
    }

    /// Every stored payload that produced `eventID`, oldest first (a resend adds one).
    public func payloads(tenant: Slug, producing eventID: String) async throws -> [StoredRawPayload] {
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT id, received_at, sha256, content_type, body, translation, ingress, ingress_detail, request_id,
                       event_ids
                FROM raw_payloads WHERE event_ids @> ARRAY[\(eventID)]::text[] ORDER BY id LIMIT 50
                """)
        }
        return try rows.map { row in
            StoredRawPayload(
                id: try row.decode("id", as: Int64.self), receivedAt: try row.decode("received_at", as: Date.self),
                sha256: try row.decode("sha256", as: String.self),
                contentType: try row.decode("content_type", as: String.self),
                body: try row.decode("body", as: ByteA.self).bytes,
                translation: try row.decode("translation", as: String.self),
                ingress: try row.decode("ingress", as: String.self),
                ingressDetail: try row.decode("ingress_detail", as: String.self),
                requestID: try row.decode("request_id", as: String?.self),
                eventIDs: try row.decode("event_ids", as: [String].self))
        }
    }
}
