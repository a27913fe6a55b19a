import ControlPlane
import Foundation
import HTTP
import Postgres
import Telemetry

/// `GET /v1/audit`: the caller's own organisation's audit log, newest first,
/// a page at a time.
///
/// Which log is decided by the principal alone, never by request input: the
/// provider reads the control log; a partner the control-log entries about
/// itself, its tenants and their keys; a tenant its own schema's log, read
/// through the platform's pool with the schema named after the principal's
/// tenant. Entries hold no secrets (``ControlPlane/AuditEntry`` forbids them),
/// so they are returned as stored.
public struct AuditRoutes: Sendable {
    /// Page sizes; every limit is configuration.
    public struct Configuration: Sendable {
        /// Entries per page when `limit` is absent. Default 50.
        public var defaultLimit: Int = 50
        /// The largest `limit` accepted. Default 200.
        public var maximumLimit: Int = 200
        public init() {}
    }

    let pool: PostgresPool
    let authorization: Authorization
    let configuration: Configuration

    public init(pool: PostgresPool, logger: Logger, configuration: Configuration = Configuration()) {
        self.pool = pool
        self.authorization = Authorization(logger: logger)
        self.configuration = configuration
    }

    struct EntryBody: Encodable {
        let record: AuditRecord

        enum CodingKeys: String, CodingKey {
            case id, actor, action, subject, details
            case occurredAt = "occurred_at"
            case sourceIP = "source_ip"
            case requestID = "request_id"
            case traceID = "trace_id"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(record.id, forKey: .id)
            try container.encode(record.occurredAt, forKey: .occurredAt)
            try container.encode(record.entry.actor, forKey: .actor)
            try container.encode(record.entry.action, forKey: .action)
            try container.encode(record.entry.subject, forKey: .subject)
            try container.encode(record.entry.details, forKey: .details)
            try container.encode(record.entry.sourceIP, forKey: .sourceIP)
            try container.encode(record.entry.requestID, forKey: .requestID)
            try container.encode(record.entry.traceID, forKey: .traceID)
        }
    }

    struct Page: Encodable {
        let data: [EntryBody]
        let nextCursor: String?

        enum CodingKeys: String, CodingKey {
            case data
            case nextCursor = "next_cursor"
        }

        /// `next_cursor` is null on the last page rather than absent.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(data, forKey: .data)
            try container.encode(nextCursor, forKey: .nextCursor)
        }
    }

    public func register(on routes: inout some RouteRegistrar) throws {
        try routes.get("/audit") { request in
            let principal = try request.principal()
            try authorization.require(
                .readAudit(of: principal.organization), by: principal, for: request, notFound: HTTPError.notFound())
            let limit = try limit(request)
            let cursor = try request.queryValue("cursor").map { try AuditCursor(token: $0) }
            let (log, visibility): (AuditLog, AuditLog.Visibility)
            switch principal.organization {
            case .provider:
                (log, visibility) = (try AuditLog.control(), .everything)
            case .partner(let partner):
                (log, visibility) = (try AuditLog.control(), .partner(partner))
            case .tenant(let tenant, _):
                (log, visibility) = (AuditLog(schema: try SQLIdentifier(tenant.tenantSchemaName)), .everything)
            }
            let page = try await log.page(on: pool, visibility: visibility, cursor: cursor, limit: limit)
            return try .json(Page(data: page.records.map(EntryBody.init), nextCursor: page.next?.token))
        }
    }

    private func limit(_ request: HTTPRequest) throws -> Int {
        guard let text = request.queryValue("limit") else { return configuration.defaultLimit }
        guard text.count <= 4, let value = Int(text), (1...configuration.maximumLimit).contains(value) else {
            throw HTTPError(
                .unprocessableContent, code: "invalid_limit",
                message: "limit must be an integer from 1 to \(configuration.maximumLimit).", field: "limit")
        }
        return value
    }
}
