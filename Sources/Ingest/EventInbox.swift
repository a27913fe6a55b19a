import ControlPlane
import Cryptography
import Events
import Foundation
import Postgres

/// Writes batches of ingest submissions into a tenant's inbox, one
/// transaction per batch: idempotency keys, events, usage, outbox.
///
/// A batch is planned in order of arrival. A submission whose idempotency key
/// was seen before gets the first answer (or 409 if its body differs); one
/// whose event id is already stored with other content is refused whole
/// (409) so that nothing of it is half-written; everything else is inserted.
/// Inserts are sorted by key so that two concurrent batches cannot deadlock.
struct EventInbox: Sendable {
    let databases: TenantDatabases
    let usage: UsageMeter

    /// A concurrent transaction stored an event between our check and our
    /// insert; the batch is re-planned from scratch.
    struct ConcurrentInsert: Error {}

    /// Stores a batch. One submission's failure never fails the others: if the
    /// batch as a whole fails for a reason other than a lost connection, each
    /// submission is retried on its own.
    func write(_ submissions: [IngestSubmission], tenant: Slug, slot: Int) async -> [Result<IngestResponse, any Error>] {
        do {
            return try await withRetries { try await attempt(submissions, tenant: tenant, slot: slot) }.map { .success($0) }
        } catch let error as PostgresError where error.isConnectionLoss || submissions.count == 1 {
            return submissions.map { _ in .failure(error) }
        } catch {
            if submissions.count == 1 { return [.failure(error)] }
            var results: [Result<IngestResponse, any Error>] = []
            for submission in submissions {
                do {
                    let single = try await withRetries { try await attempt([submission], tenant: tenant, slot: slot) }
                    results.append(.success(single[0]))
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        }
    }

    /// Serialization failures, deadlocks and races are retried a few times.
    private func withRetries(_ body: () async throws -> [IngestResponse]) async throws -> [IngestResponse] {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await body()
            } catch let error as PostgresError
                where attempt < 4 && error.isSerializationFailure
            {
                continue
            } catch is ConcurrentInsert where attempt < 4 {
                continue
            }
        }
    }

    /// Five round trips whatever the batch size: begin; claim keys and look
    /// up known event ids; insert events with their usage count and outbox
    /// messages; store the answers for the keys; commit. All of them run in
    /// one go on the session's thread: this is the hottest transaction there is.
    private func attempt(_ submissions: [IngestSubmission], tenant: Slug, slot: Int) async throws -> [IngestResponse] {
        let (responses, inserted, queued) = try await write(submissions, tenant: tenant, slot: slot)
        // The workflow engine starts and wakes runs from new events; the delivery worker sends the outbox.
        if inserted { databases.notifyAfterCommit("countersign_engine", payload: tenant.tenantSchemaName, for: tenant) }
        if queued { databases.notifyAfterCommit("countersign_outbox", payload: tenant.tenantSchemaName, for: tenant) }
        return responses
    }

    /// The transaction of ``attempt``; also tells whether it stored events and queued outbox messages.
    private func write(_ submissions: [IngestSubmission], tenant: Slug, slot: Int) async throws
        -> (responses: [IngestResponse], inserted: Bool, queued: Bool)
    {
        try await databases.withBlockingTransaction(for: tenant) { tx in
            var outcomes = [IngestResponse?](repeating: nil, count: submissions.count)

            // Idempotency keys: the first submission with a key claims it; repeats
            // inside this batch follow it; keys claimed earlier answer from storage.
            var claimant: [String: Int] = [:]
            var followers: [(index: Int, of: Int)] = []
            for (index, submission) in submissions.enumerated() {
                guard let key = submission.idempotencyKey else { continue }
                if let first = claimant[key] {
                    followers.append((index, first))
                } else {
                    claimant[key] = index
                }
            }
            let followingIndices = Set(followers.map(\.index))
            // Claim the keys and read what is stored under this batch's event ids, in one statement.
            let keys = claimant.keys.sorted()
            let hashes = keys.map { submissions[claimant[$0] ?? 0].requestHash }
            let candidateIDs = Array(Set(submissions.flatMap { $0.events.map(\.id) }))
            let found = try tx.query(
                """
                WITH claimed AS (
                    INSERT INTO ingest_requests (key, request_hash, status, response)
                    SELECT k, h, 0, '' FROM unnest(\(keys)::text[], \(hashes)::text[]) AS u(k, h)
                    ON CONFLICT (key) DO NOTHING
                    RETURNING key
                )
                SELECT 'key' AS kind, key AS name, NULL::text AS hash FROM claimed
                UNION ALL
                SELECT 'event', event_id, content_hash FROM events WHERE event_id = ANY(\(candidateIDs)::text[])
                """)
            var claimed: Set<String> = []
            var known: [String: String] = [:]
            for row in found {
                let name = try row.decode("name", as: String.self)
                if try row.decode("kind", as: String.self) == "key" {
                    claimed.insert(name)
                } else {
                    known[name] = try row.decode("hash", as: String?.self)
                }
            }
            let earlier = keys.filter { !claimed.contains($0) }
            if !earlier.isEmpty {
                let stored = try tx.query(
                    "SELECT key, request_hash, status, response FROM ingest_requests WHERE key = ANY(\(earlier)::text[])")
                for row in stored {
                    let key = try row.decode("key", as: String.self)
                    guard let index = claimant[key] else { continue }
                    outcomes[index] = try Self.repeatAnswer(
                        to: submissions[index], storedHash: row.decode("request_hash", as: String.self),
                        status: row.decode("status", as: Int.self), body: row.decode("response", as: String.self))
                }
            }

            var plans: [Int: [(PreparedEvent, isNew: Bool)]] = [:]
            var inserts: [(event: PreparedEvent, context: IngestContext)] = []
            for (index, submission) in submissions.enumerated() where outcomes[index] == nil {
                if followingIndices.contains(index) { continue }
                var plan: [(PreparedEvent, isNew: Bool)] = []
                var conflicts: [String] = []
                var seenHere: [String: String] = [:]
                for event in submission.events {
                    if let hash = known[event.id] ?? seenHere[event.id] {
                        if hash == event.contentHash { plan.append((event, false)) } else { conflicts.append(event.id) }
                    } else {
                        seenHere[event.id] = event.contentHash
                        plan.append((event, true))
                    }
                }
                if !conflicts.isEmpty {
                    outcomes[index] = IngestResponses.conflict(ids: conflicts, submission: submission)
                    continue
                }
                for (event, isNew) in plan where isNew {
                    known[event.id] = event.contentHash
                    inserts.append((event, submission.context))
                }
                plans[index] = plan
            }

            var receivedAt: [String: Date] = [:]
            var queued = 0
            if !inserts.isEmpty {
                inserts.sort { $0.event.id < $1.event.id }
                let rows = try tx.query(
                    """
                    WITH inserted AS (
                        INSERT INTO events (event_id, type, schema_version, source, occurred_at, ingress, ingress_detail,
                                            caused_by, traceparent, request_id, content_hash, document)
                        SELECT id, type, version::integer, source, occurred::timestamptz, ingress, detail,
                               NULLIF(caused_by, ''), NULLIF(traceparent, ''), NULLIF(request_id, ''), hash, document::jsonb
                        FROM unnest(\(inserts.map(\.event.id))::text[], \(inserts.map(\.event.type))::text[],
                                    \(inserts.map { String($0.event.schemaVersion) })::text[],
                                    \(inserts.map(\.event.source))::text[], \(inserts.map(\.event.occurredAtText))::text[],
                                    \(inserts.map(\.context.ingress.rawValue))::text[], \(inserts.map(\.context.detail))::text[],
                                    \(inserts.map { $0.event.causedBy ?? "" })::text[],
                                    \(inserts.map { $0.event.traceparent ?? "" })::text[],
                                    \(inserts.map { $0.context.requestID ?? "" })::text[],
                                    \(inserts.map(\.event.contentHash))::text[], \(inserts.map(\.event.document))::text[])
                             AS u(id, type, version, source, occurred, ingress, detail, caused_by, traceparent, request_id,
                                  hash, document)
                        ON CONFLICT (event_id) DO NOTHING
                        RETURNING seq, event_id, type, document, received_at
                    ), counted AS (
                        INSERT INTO usage_counters (day, metric, shard, quantity)
                        SELECT (now() AT TIME ZONE 'UTC')::date, 'events.accepted', \(slot)::smallint, count(*)
                        FROM inserted HAVING count(*) > 0 AND \(usage.isEnabled)
                        ON CONFLICT (day, metric, shard) DO UPDATE SET quantity = usage_counters.quantity + EXCLUDED.quantity
                    ), queued AS (
                        INSERT INTO outbox (message_id, endpoint_id, event_type, event_seq, payload, next_attempt_at)
                        SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), ep.id, i.type, i.seq,
                               i.document::text, now()
                        FROM inserted i
                        JOIN endpoints ep ON ep.enabled
                            AND (cardinality(ep.event_types) = 0 OR i.type = ANY(ep.event_types))
                        ORDER BY i.seq, ep.id
                        RETURNING 1
                    )
                    SELECT event_id, received_at, (SELECT count(*) FROM queued) AS queued
                    FROM inserted
                    """)
                guard rows.count == inserts.count else { throw ConcurrentInsert() }
                for row in rows {
                    receivedAt[try row.decode("event_id", as: String.self)] = try row.decode("received_at", as: Date.self)
                    queued = try row.decode("queued", as: Int.self)
                }
            }

            for (index, plan) in plans {
                outcomes[index] = IngestResponses.stored(plan: plan, receivedAt: receivedAt, shape: submissions[index].shape)
            }
            try Self.storeRawPayloads(
                plans.keys.sorted().compactMap { index in
                    submissions[index].rawPayload.map { (submissions[index], $0) }
                }, on: tx)
            for (index, first) in followers {
                guard let answer = outcomes[first] else { continue }
                outcomes[index] =
                    submissions[index].requestHash == submissions[first].requestHash
                    ? answer : IngestResponses.keyReused(submission: submissions[index])
            }

            let final = claimant.filter { claimed.contains($0.key) }.sorted { $0.key < $1.key }
            if !final.isEmpty {
                let answers = final.map { outcomes[$0.value] ?? IngestResponses.internalError }
                try tx.query(
                    """
                    UPDATE ingest_requests r SET status = u.status::integer, response = u.response
                    FROM unnest(\(final.map(\.key))::text[], \(answers.map { String($0.status) })::text[],
                                \(answers.map(\.body))::text[]) AS u(key, status, response)
                    WHERE r.key = u.key
                    """)
            }
            return (outcomes.map { $0 ?? IngestResponses.internalError }, !inserts.isEmpty, queued > 0)
        }
    }

    /// Lineage of translated submissions, in one statement: each raw payload
    /// with the ids of the events it produced (new or already stored).
    private static func storeRawPayloads(_ items: [(IngestSubmission, RawPayload)], on tx: PostgresSession) throws {
        guard !items.isEmpty else { return }
        let eventIDs = items.map { JSONValue.array($0.0.events.map { .string($0.id) }).serialized() }
        try tx.query(
            """
            INSERT INTO raw_payloads (sha256, content_type, body, translation, ingress, ingress_detail, request_id,
                                      idempotency_key, event_ids)
            SELECT h, ct, decode(b, 'hex'), tr, ig, d, NULLIF(r, ''), NULLIF(k, ''),
                   ARRAY(SELECT jsonb_array_elements_text(e::jsonb))
            FROM unnest(\(items.map(\.1.sha256))::text[], \(items.map(\.1.contentType))::text[],
                        \(items.map { Hex.encode($0.1.body) })::text[], \(items.map(\.1.translation))::text[],
                        \(items.map(\.0.context.ingress.rawValue))::text[], \(items.map(\.0.context.detail))::text[],
                        \(items.map { $0.0.context.requestID ?? "" })::text[],
                        \(items.map { $0.0.idempotencyKey ?? "" })::text[], \(eventIDs)::text[])
                 AS u(h, ct, b, tr, ig, d, r, k, e)
            """)
    }

    /// A repeat of a request whose key is already stored.
    static func repeatAnswer(to submission: IngestSubmission, storedHash: String, status: Int, body: String)
        -> IngestResponse
    {
        guard storedHash == submission.requestHash else { return IngestResponses.keyReused(submission: submission) }
        return IngestResponse(status: status, body: body)
    }
}
