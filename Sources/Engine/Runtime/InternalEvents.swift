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
    /// Returns whether the event was new.
    @discardableResult
    static func raise(
        type: String, id: String, data: [String: JSONValue], run: UUID, causedBy: String, traceparent: String?,
        at time: Date, on tx: PostgresConnection
    ) async throws -> Bool {
        var data = data
        data["run_id"] = .string(run.uuidString.lowercased())
        let document = JSONValue.object([
            "type": .string(type), "id": .string(id), "occurred_at": .string(time.formatted(.iso8601)),
            "source": .string("countersign"), "caused_by": .string(causedBy), "data": .object(data),
        ]).serialized()
        let contentHash = try SHA256.hash(data: document.utf8).hexString
        let rows = try await tx.query(
            """
            WITH stored AS (
                INSERT INTO events (event_id, type, schema_version, source, occurred_at, ingress, ingress_detail,
                                    caused_by, traceparent, content_hash, document)
                VALUES (\(id), \(type), 1, 'countersign', \(time), 'internal', \(run.uuidString.lowercased()),
                        \(causedBy), \(traceparent), \(contentHash), \(document)::jsonb)
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
        return try rows.first?.decode("stored", as: Int.self) == 1
    }
}
