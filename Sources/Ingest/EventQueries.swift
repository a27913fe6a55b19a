import ControlPlane
import Events
import Foundation
import Postgres

/// A stored event with its lineage.
public struct StoredEvent: Sendable {
    public let seq: Int64
    public let id: String
    public let type: String
    public let schemaVersion: Int
    public let source: String
    public let occurredAt: Date
    public let receivedAt: Date
    public let ingress: String
    public let ingressDetail: String
    public let causedBy: String?
    public let traceparent: String?
    public let requestID: String?
    /// The canonical event document as stored (JSON text).
    public let document: String
}

/// A page of a listing, oldest first, with the cursor for the next page.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    /// Pass as `after` to continue; nil when this was the last page.
    public let nextCursor: Int64?
}

/// Read access to a tenant's inbox, on the tenant's own connections.
public struct EventQueries: Sendable {
    public let databases: TenantDatabases

    public init(databases: TenantDatabases) { self.databases = databases }

    public struct Filter: Sendable {
        public var type: String?
        public var after: Int64 = 0
        public var limit: Int = 100
        public var receivedFrom: Date?
        public var receivedUntil: Date?

        public init(type: String? = nil, after: Int64 = 0, limit: Int = 100) {
            self.type = type
            self.after = after
            self.limit = limit
        }
    }

    public func events(tenant: Slug, filter: Filter) async throws -> Page<StoredEvent> {
        let limit = min(max(filter.limit, 1), 500)
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT seq, event_id, type, schema_version, source, occurred_at, received_at, ingress, ingress_detail,
                       caused_by, traceparent, request_id, document::text AS document
                FROM events
                WHERE seq > \(filter.after)
                  AND (\(filter.type)::text IS NULL OR type = \(filter.type))
                  AND (\(filter.receivedFrom)::timestamptz IS NULL OR received_at >= \(filter.receivedFrom))
                  AND (\(filter.receivedUntil)::timestamptz IS NULL OR received_at < \(filter.receivedUntil))
                ORDER BY seq
                LIMIT \(limit + 1)
                """)
        }
        let events = try rows.prefix(limit).map(Self.decode)
        return Page(items: events, nextCursor: rows.count > limit ? events.last?.seq : nil)
    }

    /// The event with the sender's `id`, or nil.
    public func event(tenant: Slug, id: String) async throws -> StoredEvent? {
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT seq, event_id, type, schema_version, source, occurred_at, received_at, ingress, ingress_detail,
                       caused_by, traceparent, request_id, document::text AS document
                FROM events WHERE event_id = \(id)
                """)
        }
        return try rows.first.map(Self.decode)
    }

    static func decode(_ row: PostgresRow) throws -> StoredEvent {
        StoredEvent(
            seq: try row.decode("seq", as: Int64.self), id: try row.decode("event_id", as: String.self),
            type: try row.decode("type", as: String.self), schemaVersion: try row.decode("schema_version", as: Int.self),
            source: try row.decode("source", as: String.self), occurredAt: try row.decode("occurred_at", as: Date.self),
            receivedAt: try row.decode("received_at", as: Date.self), ingress: try row.decode("ingress", as: String.self),
            ingressDetail: try row.decode("ingress_detail", as: String.self),
            causedBy: try row.decode("caused_by", as: String?.self),
            traceparent: try row.decode("traceparent", as: String?.self),
            requestID: try row.decode("request_id", as: String?.self), document: try row.decode("document", as: String.self))
    }
}
