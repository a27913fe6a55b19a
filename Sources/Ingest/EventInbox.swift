import ControlPlane
import Cryptography
import Events
import Foundation
import Postgres

/// Writes batches of ingest submissions into a tenant's inbox, one
/// atomic write per batch: idempotency keys with their answers, events,
/// usage, outbox.
///
/// A batch is planned in order of arrival. A submission whose idempotency key
/// was seen before gets the first answer (or 409 if its body differs); one
/// whose event id is already stored with other content is refused whole
/// (409) so that nothing of it is half-written; everything else is inserted.
/// Inserts are sorted by key so that two concurrent batches cannot deadlock.
struct EventInbox: Sendable {
    let databases: TenantDatabases
    let usage: UsageMeter

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
            } catch let error as PostgresError where attempt < 4 && error.isLostRace {
                continue
            }
        }
    }

    /// One statement whatever the batch size, and no explicit transaction:
    /// `ingest_batch` claims the keys with their final answers and inserts
    /// the events, their usage count and outbox messages, all or none. When
    /// part of the batch turns out to be stored already, a read of what is
    /// stored under its keys and event ids comes first and the batch is
    /// planned against it (see ``store``); if a concurrent batch claimed a
    /// key or stored an event in between, the write fails on the unique
    /// index, having written nothing, and the batch is planned again. All of
    /// it runs in one go on the session's thread: this is the hottest write
    /// there is.
    private func attempt(_ submissions: [IngestSubmission], tenant: Slug, slot: Int) async throws -> [IngestResponse] {
        let usage = self.usage
        let (responses, forEngine, queued) = try await databases.withSession(for: tenant) { session in
            try Self.store(submissions, slot: slot, usage: usage, on: session)
        }
        // The workflow engine starts and wakes runs from the events a deployment reacts to; the delivery worker
        // sends the outbox.
        if forEngine { databases.notifyAfterCommit("countersign_engine", payload: tenant.tenantSchemaName, for: tenant) }
        if queued { databases.notifyAfterCommit("countersign_outbox", payload: tenant.tenantSchemaName, for: tenant) }
        return responses
    }

    /// The reads and the write of ``attempt``; also tells whether it queued events for the engine (tenant
    /// migration 0014) and messages in the outbox.
    ///
    /// Nearly every batch is new requests with new events, so it is first written as if nothing of it were
    /// stored, without reading: the write itself finds out otherwise (a key claimed or an event id stored
    /// already fails `ingest_batch` on its unique index, having written nothing). Only then is
    /// what is stored read and the batch planned against it. A repeated request costs one aborted
    /// statement more; every other batch saves a statement.
    private static func store(_ submissions: [IngestSubmission], slot: Int, usage: UsageMeter, on session: PostgresSession)
        throws -> (responses: [IngestResponse], forEngine: Bool, queued: Bool)
    {
        do {
            return try store(submissions, readingFirst: false, slot: slot, usage: usage, on: session)
        } catch let error as PostgresError where error.isLostRace {
            return try store(submissions, readingFirst: true, slot: slot, usage: usage, on: session)
        }
    }

    /// Plans and writes a batch; without `readingFirst`, as if nothing of it were stored, stamped with this
    /// server's clock (with it, with the database's).
    private static func store(
        _ submissions: [IngestSubmission], readingFirst: Bool, slot: Int, usage: UsageMeter, on session: PostgresSession
    ) throws -> (responses: [IngestResponse], forEngine: Bool, queued: Bool) {
        var outcomes = [IngestResponse?](repeating: nil, count: submissions.count)

        // Idempotency keys: the first submission with a key claims it; repeats
        // inside this batch follow it; keys stored earlier answer from storage.
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
        // What is stored under this batch's keys and event ids, and the time to stamp new events with.
        var known: [String: String] = [:]
        var storedKeys: Set<String> = []
        var receivedAt = Date()
        if readingFirst {
            let keys = claimant.keys.sorted()
            let candidateIDs = Array(Set(submissions.flatMap { $0.events.map(\.id) }))
            let found = try session.query(
                """
                SELECT 'key' AS kind, key AS name, request_hash AS hash, status, response, NULL::timestamptz AS at
                FROM ingest_requests WHERE key = ANY(\(keys)::text[])
                UNION ALL
                SELECT 'event', event_id, content_hash, NULL, NULL, NULL FROM events WHERE event_id = ANY(\(candidateIDs)::text[])
                UNION ALL
                SELECT 'now', NULL, NULL, NULL, NULL, now()
                """)
            for row in found {
                switch try row.decode("kind", as: String.self) {
                case "key":
                    let key = try row.decode("name", as: String.self)
                    storedKeys.insert(key)
                    guard let index = claimant[key] else { continue }
                    outcomes[index] = repeatAnswer(
                        to: submissions[index], storedHash: try row.decode("hash", as: String.self),
                        status: try row.decode("status", as: Int.self), body: try row.decode("response", as: String.self))
                case "event":
                    known[try row.decode("name", as: String.self)] = try row.decode("hash", as: String?.self)
                default:
                    receivedAt = try row.decode("at", as: Date.self)
                }
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
        for (index, plan) in plans {
            outcomes[index] = IngestResponses.stored(plan: plan, receivedAt: receivedAt, shape: submissions[index].shape)
        }
        for (index, first) in followers {
            guard let answer = outcomes[first] else { continue }
            outcomes[index] =
                submissions[index].requestHash == submissions[first].requestHash
                ? answer : IngestResponses.keyReused(submission: submissions[index])
        }
        let responses = outcomes.map { $0 ?? IngestResponses.internalError }

        // Keys not stored before are claimed with their final answer, in key order like the events.
        let claims = claimant.filter { !storedKeys.contains($0.key) }.sorted { $0.key < $1.key }
        guard !claims.isEmpty || !inserts.isEmpty else { return (responses, false, false) }
        inserts.sort { $0.event.id < $1.event.id }
        let answers = claims.map { responses[$0.value] }
        // One call of the tenant's `ingest_batch` (Migrations/tenant/0010, 0014, 0016), whose plan is made once
        // per session.
        let write: PostgresQuery = """
            SELECT queued, for_engine FROM ingest_batch(
                \(claims.map(\.key))::text[], \(claims.map { submissions[$0.value].requestHash })::text[],
                \(answers.map { String($0.status) })::text[], \(answers.map(\.body))::text[],
                \(inserts.map(\.event.id))::text[], \(inserts.map(\.event.type))::text[],
                \(inserts.map { String($0.event.schemaVersion) })::text[], \(inserts.map(\.event.source))::text[],
                \(inserts.map(\.event.occurredAtText))::text[], \(inserts.map(\.context.ingress.rawValue))::text[],
                \(inserts.map(\.context.detail))::text[], \(inserts.map { $0.event.causedBy ?? "" })::text[],
                \(inserts.map { $0.event.traceparent ?? "" })::text[], \(inserts.map { $0.context.requestID ?? "" })::text[],
                \(inserts.map(\.event.contentHash))::text[], \(inserts.map(\.event.document))::text[],
                \(receivedAt)::timestamptz, \(slot)::smallint, \(usage.isEnabled)::boolean)
            """
        let raw = plans.keys.sorted().compactMap { index in submissions[index].rawPayload.map { (submissions[index], $0) } }
        let rows: PostgresRows
        if raw.isEmpty {
            rows = try session.query(write)
        } else {
            // The lineage of translated payloads commits with the events they produced.
            rows = try session.transaction(level: .readCommitted) { tx in
                let rows = try tx.query(write)
                try storeRawPayloads(raw, on: tx)
                return rows
            }
        }
        let queued = try rows.first?.decode("queued", as: Int.self) ?? 0
        let forEngine = try rows.first?.decode("for_engine", as: Bool.self) ?? false
        return (responses, forEngine, queued > 0)
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

extension PostgresError {
    /// A write that found a key or event id stored (`ingest_batch` inserts them with plain INSERTs, tenant
    /// migration 0016) or lost to a concurrent transaction: reading again and planning again settles it.
    fileprivate var isLostRace: Bool { isUniqueViolation || isSerializationFailure }
}
