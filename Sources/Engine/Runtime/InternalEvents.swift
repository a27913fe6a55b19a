import Cryptography
import Events
import Foundation
import Postgres

/// Events the engine itself raises (an `emit` step, a task reminder): stored
/// in the inbox as `internal`, caused by the run's trigger and in its trace,
/// and queued to the endpoints subscribed to their type — all on the caller's
/// transaction. The event id is derived from what raised it, so raising it
/// again (a retried transaction) stores and queues nothing more.
enum InternalEvents {
    /// One event to raise, with its stored document already written.
    struct Pending {
        let id: String
        let type: String
        let run: UUID
        let causedBy: String
        let traceparent: String?
        let time: Date
        let document: String
        let contentHash: String

        init(
            type: String, id: String, data: [String: JSONValue], run: UUID, causedBy: String, traceparent: String?,
            at time: Date
        ) throws {
            var data = data
            data["run_id"] = .string(run.uuidString.lowercased())
            self.id = id
            self.type = type
            self.run = run
            self.causedBy = causedBy
            self.traceparent = traceparent
            self.time = time
            document = JSONValue.object([
                "type": .string(type), "id": .string(id), "occurred_at": .string(time.formatted(.iso8601)),
                "source": .string("countersign"), "caused_by": .string(causedBy), "data": .object(data),
            ]).serialized()
            contentHash = try SHA256.hash(data: document.utf8).hexString
        }
    }

    /// Returns whether the event was new.
    @discardableResult
    static func raise(
        type: String, id: String, data: [String: JSONValue], run: UUID, causedBy: String, traceparent: String?,
        at time: Date, on tx: PostgresConnection
    ) async throws -> Bool {
        let event = try Pending(
            type: type, id: id, data: data, run: run, causedBy: causedBy, traceparent: traceparent, at: time)
        return try await raise([event], on: tx) == 1
    }

    /// Stores and queues `events` in one statement (a pass's emitted events); returns how many were new.
    @discardableResult
    static func raise(_ events: [Pending], on tx: PostgresConnection) async throws -> Int {
        guard !events.isEmpty else { return 0 }
        // Text arrays, '' for a missing traceparent; times as microseconds since the epoch.
        let rows = try await tx.query(
            """
            WITH stored AS (
                INSERT INTO events (event_id, type, schema_version, source, occurred_at, ingress, ingress_detail,
                                    caused_by, traceparent, content_hash, document)
                SELECT i, t, 1, 'countersign', timestamptz 'epoch' + o::bigint * interval '1 microsecond', 'internal', r,
                       c, nullif(p, ''), h, d::jsonb
                FROM unnest(\(events.map(\.id))::text[], \(events.map(\.type))::text[],
                            \(events.map { String(Int64(($0.time.timeIntervalSince1970 * 1_000_000).rounded())) })::text[],
                            \(events.map { $0.run.uuidString.lowercased() })::text[], \(events.map(\.causedBy))::text[],
                            \(events.map { $0.traceparent ?? "" })::text[], \(events.map(\.contentHash))::text[],
                            \(events.map(\.document))::text[])
                     WITH ORDINALITY AS e(i, t, o, r, c, p, h, d, n)
                ORDER BY n
                ON CONFLICT (event_id) DO NOTHING
                RETURNING seq, type, document
            ), queued AS (
                INSERT INTO outbox (message_id, endpoint_id, event_type, event_seq, payload, next_attempt_at)
                SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), ep.id, s.type, s.seq, s.document::text, now()
                FROM stored s
                JOIN endpoints ep ON ep.enabled AND (cardinality(ep.event_types) = 0 OR s.type = ANY(ep.event_types))
            )
            SELECT count(*)::int AS stored FROM stored
            """)
        return try rows.first?.decode("stored", as: Int.self) ?? 0
    }
}
