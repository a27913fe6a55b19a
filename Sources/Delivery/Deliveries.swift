import ControlPlane
import Foundation
import Platform
import Postgres

/// One outbound message to one endpoint.
public struct DeliveryMessage: Sendable {
    public let seq: Int64
    public let messageID: String
    public let endpointID: UUID
    public let eventType: String
    public let state: String
    public let attempts: Int
    public let nextAttemptAt: Date
    public let createdAt: Date
    public let deliveredAt: Date?
    public let lastError: String?
}

/// One try at delivering a message.
public struct DeliveryAttempt: Sendable {
    public let attempt: Int
    public let startedAt: Date
    public let statusCode: Int?
    public let latencyMilliseconds: Int
    public let responseExcerpt: String
    public let error: String?
}

public struct DeliveryError: CodedError, Equatable {
    public let code: String
    public let message: String
    public let httpStatus: Int
    public let field: String?
}

/// Reading and replaying a tenant's outbound messages. A replay sends the
/// same message again, with its original `webhook-id`, so a receiver that
/// deduplicates can tell it is the same.
public struct Deliveries: Sendable {
    let databases: TenantDatabases

    public init(databases: TenantDatabases) { self.databases = databases }

    public struct Filter: Sendable {
        public var endpoint: UUID?
        public var state: String?
        public var after: Int64 = 0
        public var limit = 100

        public init(endpoint: UUID? = nil, state: String? = nil, after: Int64 = 0, limit: Int = 100) {
            self.endpoint = endpoint
            self.state = state
            self.after = after
            self.limit = limit
        }
    }

    public func list(tenant: Slug, filter: Filter) async throws -> (items: [DeliveryMessage], nextCursor: Int64?) {
        if let state = filter.state, !["pending", "delivered", "dead"].contains(state) {
            throw DeliveryError(
                code: "invalid_query", message: "state is pending, delivered or dead", httpStatus: 400, field: "state")
        }
        let limit = min(max(filter.limit, 1), 500)
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT \(fragment: Self.columns) FROM outbox
                WHERE seq > \(filter.after)
                  AND (\(filter.endpoint)::uuid IS NULL OR endpoint_id = \(filter.endpoint))
                  AND (\(filter.state)::text IS NULL OR state = \(filter.state))
                ORDER BY seq LIMIT \(limit + 1)
                """)
        }
        let items = try rows.prefix(limit).map(Self.decode)
        return (items, rows.count > limit ? items.last?.seq : nil)
    }

    public func message(tenant: Slug, seq: Int64) async throws -> (DeliveryMessage, [DeliveryAttempt]) {
        try await databases.withConnection(for: tenant) { connection in
            let rows = try await connection.query("SELECT \(fragment: Self.columns) FROM outbox WHERE seq = \(seq)")
            guard let row = rows.first else { throw Self.notFound(seq) }
            let attempts = try await connection.query(
                """
                SELECT attempt, started_at, status_code, latency_ms, response_excerpt, error
                FROM delivery_attempts WHERE outbox_seq = \(seq) ORDER BY attempt, id
                """)
            return (
                try Self.decode(row),
                try attempts.map { row in
                    DeliveryAttempt(
                        attempt: try row.decode("attempt", as: Int.self), startedAt: try row.decode("started_at", as: Date.self),
                        statusCode: try row.decode("status_code", as: Int?.self),
                        latencyMilliseconds: try row.decode("latency_ms", as: Int.self),
                        responseExcerpt: try row.decode("response_excerpt", as: String.self),
                        error: try row.decode("error", as: String?.self))
                }
            )
        }
    }

    /// Queues one message again (delivered or dead alike), with a fresh set of tries.
    public func replay(tenant: Slug, seq: Int64, actor: String, requestID: String?) async throws {
        let count = try await requeue(
            tenant: tenant, actor: actor, requestID: requestID, subject: "delivery:\(seq)", details: [:]
        ) { tx in
            try await tx.execute(
                """
                UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL
                WHERE seq = \(seq)
                """)
        }
        guard count == 1 else { throw Self.notFound(seq) }
    }

    /// Queues again every message to `endpoint` created in `[from, until)`;
    /// with `onlyFailed`, only those that were dead-lettered.
    public func replay(
        tenant: Slug, endpoint: UUID, from: Date, until: Date, onlyFailed: Bool, actor: String, requestID: String?
    ) async throws -> Int {
        guard from < until else {
            throw DeliveryError(
                code: "invalid_time_range", message: "from must be earlier than until", httpStatus: 422, field: "from")
        }
        return try await requeue(
            tenant: tenant, actor: actor, requestID: requestID, subject: "endpoint:\(endpoint.uuidString.lowercased())",
            details: [
                "from": from.formatted(.iso8601), "until": until.formatted(.iso8601), "only_failed": String(onlyFailed),
            ]
        ) { tx in
            let exists = try await tx.query("SELECT 1 FROM endpoints WHERE id = \(endpoint)")
            guard !exists.isEmpty else {
                throw EndpointError.notFound(endpoint.uuidString.lowercased())
            }
            return try await tx.execute(
                """
                UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL
                WHERE endpoint_id = \(endpoint) AND created_at >= \(from) AND created_at < \(until)
                  AND state <> 'pending' AND (NOT \(onlyFailed) OR state = 'dead')
                """)
        }
    }

    /// Runs `change` and audits it in one transaction; returns how many messages it queued.
    private func requeue(
        tenant: Slug, actor: String, requestID: String?, subject: String, details: [String: String],
        _ change: @Sendable (PostgresConnection) async throws -> Int
    ) async throws -> Int {
        let count = try await databases.withTransaction(for: tenant) { tx in
            let count = try await change(tx)
            if count > 0 {
                try await tx.query(
                    """
                    UPDATE dead_letters SET replayed_at = now(), replay_count = replay_count + 1, resolution = 'replayed'
                    WHERE kind = 'delivery' AND replayed_at IS NULL
                      AND outbox_seq IN (SELECT seq FROM outbox WHERE state = 'pending')
                    """)
                var entry = details
                entry["messages"] = String(count)
                try await AuditLog(schema: try SQLIdentifier(tenant.tenantSchemaName)).append(
                    AuditEntry(actor: actor, action: "delivery.replayed", subject: subject, details: entry, requestID: requestID),
                    on: tx)
            }
            return count
        }
        if count > 0 { databases.notifyAfterCommit("countersign_outbox", payload: tenant.tenantSchemaName, for: tenant) }
        return count
    }

    static func notFound(_ seq: Int64) -> DeliveryError {
        DeliveryError(code: "delivery_not_found", message: "there is no delivery \(seq)", httpStatus: 404, field: nil)
    }

    static let columns: StaticString = """
        seq, message_id, endpoint_id, event_type, state, attempts, next_attempt_at, created_at, delivered_at, last_error
        """

    static func decode(_ row: PostgresRow) throws -> DeliveryMessage {
        DeliveryMessage(
            seq: try row.decode("seq", as: Int64.self), messageID: try row.decode("message_id", as: String.self),
            endpointID: try row.decode("endpoint_id", as: UUID.self), eventType: try row.decode("event_type", as: String.self),
            state: try row.decode("state", as: String.self), attempts: try row.decode("attempts", as: Int.self),
            nextAttemptAt: try row.decode("next_attempt_at", as: Date.self),
            createdAt: try row.decode("created_at", as: Date.self),
            deliveredAt: try row.decode("delivered_at", as: Date?.self),
            lastError: try row.decode("last_error", as: String?.self))
    }
}
