import ControlPlane
import Events
import Foundation
import Platform
import Postgres

/// Something that could not be applied, kept with the reason.
public struct DeadLetter: Sendable {
    public enum Kind: String, Sendable {
        /// An event the catalog refused.
        case event
        /// An outbound message that ran out of tries.
        case delivery
    }

    public let id: Int64
    public let kind: Kind
    public let reasonCode: String
    public let reason: String
    public let eventID: String?
    public let outboxSeq: Int64?
    public let ingress: String?
    public let ingressDetail: String
    public let requestID: String?
    public let traceparent: String?
    public let payload: [UInt8]
    public let createdAt: Date
    public let replayedAt: Date?
    public let replayCount: Int
    /// The path the payload came in by, which a replay takes again.
    public let origin: Origin
    /// The payload's `Content-Type` as sent, when it was recorded.
    public let contentType: String?

    /// How a refused payload reached ingest.
    public enum Origin: Sendable, Equatable {
        /// Canonical events (`POST /v1/events`, a webhook source without a mapping), and every delivery.
        case canonical
        /// A partner's payload for a webhook source with a deployed mapping.
        case mapping(source: String)
        /// An X12 interchange (`POST /v1/edi`).
        case x12

        public enum Kind: String, Sendable, Hashable {
            case canonical, mapping, x12
        }

        public var kind: Kind {
            switch self {
            case .canonical: .canonical
            case .mapping: .mapping
            case .x12: .x12
            }
        }

        /// The stored form: `dead_letters.origin` and `origin_source`.
        public var columns: (origin: String, source: String?) {
            switch self {
            case .mapping(let source): (kind.rawValue, source)
            default: (kind.rawValue, nil)
            }
        }

        init(origin: String, source: String?) {
            switch Kind(rawValue: origin) {
            case .mapping?: self = .mapping(source: source ?? "")
            case .x12?: self = .x12
            default: self = .canonical
            }
        }
    }
}

/// A dead letter that cannot be replayed.
public struct DeadLetterError: CodedError, Equatable {
    public let code: String
    public let message: String
    public let httpStatus: Int

    static func notFound(_ id: Int64) -> DeadLetterError {
        DeadLetterError(code: "dead_letter_not_found", message: "there is no dead letter \(id)", httpStatus: 404)
    }

    static func pathUnavailable(_ kind: DeadLetter.Origin.Kind) -> DeadLetterError {
        DeadLetterError(
            code: "replay_unavailable",
            message: "this server cannot replay \(kind.rawValue) payloads: the middleware that reads them is not running",
            httpStatus: 409)
    }
}

/// Listing and replaying a tenant's dead letters.
///
/// Replaying a refused payload takes the path it first came in by (see
/// ``DeadLetter/Origin``): canonical ingest again (the catalog may have gained
/// its type or version since), the source's mapping as deployed now (the
/// mapping or a reference table may have been fixed since), or the X12
/// reader. Replaying a delivery puts its outbox message back in the queue
/// with the same `webhook-id`. Each replay is audited in the tenant's log,
/// in the transaction that records it.
public struct DeadLetters: Sendable {
    let databases: TenantDatabases
    let ingest: IngestService

    public init(ingest: IngestService) {
        self.ingest = ingest
        self.databases = ingest.databases
    }

    public func list(tenant: Slug, kind: DeadLetter.Kind?, includeReplayed: Bool, after: Int64, limit: Int)
        async throws -> Page<DeadLetter>
    {
        let limit = min(max(limit, 1), 500)
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT id, kind, reason_code, reason, event_id, outbox_seq, ingress, ingress_detail, request_id,
                       traceparent, payload, created_at, replayed_at, replay_count, origin,
                       origin_source, content_type
                FROM dead_letters
                WHERE id > \(after) AND (\(kind?.rawValue)::text IS NULL OR kind = \(kind?.rawValue))
                  AND (\(includeReplayed) OR replayed_at IS NULL)
                ORDER BY id LIMIT \(limit + 1)
                """)
        }
        let letters = try rows.prefix(limit).map(Self.decode)
        return Page(items: letters, nextCursor: rows.count > limit ? letters.last?.id : nil)
    }

    public func letter(tenant: Slug, id: Int64) async throws -> DeadLetter {
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT id, kind, reason_code, reason, event_id, outbox_seq, ingress, ingress_detail, request_id,
                       traceparent, payload, created_at, replayed_at, replay_count, origin,
                       origin_source, content_type
                FROM dead_letters WHERE id = \(id)
                """)
        }
        guard let row = rows.first else { throw DeadLetterError.notFound(id) }
        return try Self.decode(row)
    }

    /// Replays one dead letter. For an event, the answer is ingest's answer
    /// (a still-invalid event throws its ``EventError`` and the dead letter
    /// stays open with the new reason).
    public func replay(tenant: Slug, id: Int64, actor: String, requestID: String?) async throws -> IngestResponse {
        let letter = try await letter(tenant: tenant, id: id)
        switch letter.kind {
        case .event:
            let context = IngestContext(
                ingress: .replay, detail: "dead_letter:\(id)", requestID: requestID, traceparent: letter.traceparent)
            let path: any DeadLetterReplayPath
            switch letter.origin {
            case .canonical: path = CanonicalReplay(ingest: ingest)
            case .mapping, .x12:
                guard let registered = ingest.replayPaths.path(for: letter.origin.kind) else {
                    throw DeadLetterError.pathUnavailable(letter.origin.kind)
                }
                path = registered
            }
            let answer: IngestResponse
            do {
                answer = try await path.replay(letter, tenant: tenant, context: context)
            } catch let error as any CodedError where (400..<500).contains(error.httpStatus) {
                try await markReplayed(tenant: tenant, id: id, actor: actor, requestID: requestID, outcome: error)
                throw error
            }
            try await markReplayed(tenant: tenant, id: id, actor: actor, requestID: requestID, outcome: nil)
            return answer
        case .delivery:
            guard let seq = letter.outboxSeq else { throw DeadLetterError.notFound(id) }
            try await databases.withTransaction(for: tenant) { tx in
                try await tx.query(
                    """
                    UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL
                    WHERE seq = \(seq)
                    """)
                try await Self.recordReplay(on: tx, tenant: tenant, id: id, actor: actor, requestID: requestID, outcome: nil)
            }
            let body = JSONValue.object(["dead_letter": .number(String(id)), "status": .string("requeued")])
            return IngestResponse(status: 202, body: body.serialized())
        }
    }

    private func markReplayed(tenant: Slug, id: Int64, actor: String, requestID: String?, outcome: (any CodedError)?)
        async throws
    {
        try await databases.withTransaction(for: tenant) { tx in
            try await Self.recordReplay(on: tx, tenant: tenant, id: id, actor: actor, requestID: requestID, outcome: outcome)
        }
    }

    private static func recordReplay(
        on tx: PostgresConnection, tenant: Slug, id: Int64, actor: String, requestID: String?, outcome: (any CodedError)?
    ) async throws {
        if let outcome {
            try await tx.query(
                """
                UPDATE dead_letters SET replay_count = replay_count + 1, reason_code = \(outcome.code),
                       reason = \(outcome.message)
                WHERE id = \(id)
                """)
        } else {
            try await tx.query(
                """
                UPDATE dead_letters SET replay_count = replay_count + 1, replayed_at = now(), resolution = 'replayed'
                WHERE id = \(id)
                """)
        }
        try await AuditLog(schema: try SQLIdentifier(tenant.tenantSchemaName)).append(
            AuditEntry(
                actor: actor, action: outcome == nil ? "dead_letter.replayed" : "dead_letter.replay_failed",
                subject: "dead_letter:\(id)", details: outcome.map { ["reason_code": $0.code] } ?? [:],
                requestID: requestID),
            on: tx)
    }

    static func decode(_ row: PostgresRow) throws -> DeadLetter {
        DeadLetter(
            id: try row.decode("id", as: Int64.self),
            kind: DeadLetter.Kind(rawValue: try row.decode("kind", as: String.self)) ?? .event,
            reasonCode: try row.decode("reason_code", as: String.self), reason: try row.decode("reason", as: String.self),
            eventID: try row.decode("event_id", as: String?.self), outboxSeq: try row.decode("outbox_seq", as: Int64?.self),
            ingress: try row.decode("ingress", as: String?.self),
            ingressDetail: try row.decode("ingress_detail", as: String.self),
            requestID: try row.decode("request_id", as: String?.self),
            traceparent: try row.decode("traceparent", as: String?.self),
            payload: try row.decode("payload", as: ByteA.self).bytes, createdAt: try row.decode("created_at", as: Date.self),
            replayedAt: try row.decode("replayed_at", as: Date?.self),
            replayCount: try row.decode("replay_count", as: Int.self),
            origin: DeadLetter.Origin(
                origin: try row.decode("origin", as: String.self), source: try row.decode("origin_source", as: String?.self)),
            contentType: try row.decode("content_type", as: String?.self))
    }
}
