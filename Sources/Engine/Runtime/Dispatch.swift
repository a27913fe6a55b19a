import Events
import Foundation
import Postgres

/// Dispatching new events: triggers start runs, correlated events wake runs
/// waiting for documents. Part of a pass's transaction (see ``WorkflowEngine``).
extension WorkflowEngine {
    /// A run started by a dispatch, logged once its pass has committed.
    struct CreatedRun: Sendable {
        let id: UUID
        let template: String
        let event: Int64
        let traceparent: String?
    }

    /// Dispatches up to `eventsPerDispatch` events from `engine_inbox`
    /// (tenant migration 0011), oldest first; a concurrent dispatch skips
    /// these and takes the next ones. A constant number of statements however
    /// many events there are: the claim, the deployments, the documents, one
    /// insert of every run started and one update of every run woken.
    ///
    /// The claim reads the events through `= ANY(ARRAY(...))`, not a join:
    /// the planner sizes a join by the LIMIT (2,000 rows) and by the inbox's
    /// stale page count, and then hashed a sequential scan of all of
    /// `events` in every pass, while a pass usually claims a few dozen rows.
    /// An array of unknown length is costed as a handful of index probes.
    func dispatch(on tx: PostgresConnection, at time: Date, effects: TransitionEffects) async throws
        -> (read: Int, created: [CreatedRun])
    {
        let events = try await tx.query(
            """
            WITH claimed AS (
                DELETE FROM engine_inbox WHERE event_seq IN (
                    SELECT event_seq FROM engine_inbox ORDER BY event_seq
                    LIMIT \(configuration.eventsPerDispatch) FOR UPDATE SKIP LOCKED)
                RETURNING event_seq
            )
            SELECT e.seq, e.type, e.traceparent FROM events e
            WHERE e.seq = ANY(ARRAY(SELECT event_seq FROM claimed)) ORDER BY e.seq
            """)
        // A pass that finds nothing new reads neither deployments nor documents.
        guard events.first != nil else { return (0, []) }
        let deployments = try await activeDeployments(on: tx, known: templates.knownIDs())
        // Only events some deployment reacts to are read whole.
        let relevant = Array(
            Set(deployments.flatMap { [$0.template.trigger] + $0.template.correlation.documents.values.map(\.event) }))
        var seqs: [String] = []
        var traceparents: [Int64: String] = [:]
        for row in events {
            let seq = try row.decode("seq", as: Int64.self)
            seqs.append(String(seq))
            if let traceparent = try row.decode("traceparent", as: String?.self) { traceparents[seq] = traceparent }
        }
        var starts = RunStarts()
        var wakes = Set<Wake>()
        for row in try await tx.query(
            """
            SELECT seq, type, document::text AS document FROM events
            WHERE seq = ANY(\(seqs)::bigint[]) AND type = ANY(\(relevant)::text[])
            ORDER BY seq
            """)
        {
            let seq = try row.decode("seq", as: Int64.self)
            let type = try row.decode("type", as: String.self)
            let document = try JSONParser(maxBytes: 16 << 20, maxDepth: 64).parse(row.decode("document", as: String.self))
            for deployment in deployments {
                let template = deployment.template
                if template.trigger == type, let key = Self.keyText(document.value(at: template.correlation.key)) {
                    starts.append(deployment, key: key, event: seq)
                }
                for (_, correlated) in template.correlation.documents where correlated.event == type {
                    guard let key = Self.keyText(document.value(at: correlated.key)) else { continue }
                    wakes.insert(Wake(template: template.slug, key: key))
                }
            }
        }
        var created: [CreatedRun] = []
        if !starts.events.isEmpty {
            // A run per trigger event and deployment, once: a dispatch repeated after a rollback starts none twice.
            for run in try await tx.query(
                """
                INSERT INTO runs (deployment_id, template_slug, template_version, correlation_key, trigger_event_seq,
                                  current_step, next_attempt_at)
                SELECT d, s, v, k, e, nullif(f, ''), \(time)
                FROM unnest(\(starts.deployments)::uuid[], \(starts.slugs)::text[], \(starts.versions)::text[],
                            \(starts.keys)::text[], \(starts.events)::bigint[], \(starts.firstSteps)::text[])
                     AS t(d, s, v, k, e, f)
                ON CONFLICT (deployment_id, trigger_event_seq) DO NOTHING
                RETURNING id, template_slug, trigger_event_seq
                """)
            {
                let seq = try run.decode("trigger_event_seq", as: Int64.self)
                created.append(
                    CreatedRun(
                        id: try run.decode("id", as: UUID.self), template: try run.decode("template_slug", as: String.self),
                        event: seq, traceparent: traceparents[seq]))
            }
        }
        if !wakes.isEmpty {
            let ordered = wakes.sorted { ($0.template, $0.key) < ($1.template, $1.key) }
            try await tx.query(
                """
                UPDATE runs r SET status = 'runnable', waiting_for = NULL, next_attempt_at = \(time), updated_at = now()
                FROM unnest(\(ordered.map(\.template))::text[], \(ordered.map(\.key))::text[]) AS w(template, key)
                WHERE r.status = 'waiting' AND r.waiting_for = 'documents'
                  AND r.template_slug = w.template AND r.correlation_key = w.key
                """)
        }
        effects.count("engine.runs_started", created.count)
        return (events.count, created)
    }

    /// Runs to start, as the columns of one `unnest`.
    private struct RunStarts {
        var deployments: [String] = []
        var slugs: [String] = []
        var versions: [String] = []
        var keys: [String] = []
        var events: [String] = []
        /// Empty for a template without steps (NULL in `runs`).
        var firstSteps: [String] = []

        mutating func append(_ deployment: Deployment, key: String, event: Int64) {
            deployments.append(deployment.id.uuidString.lowercased())
            slugs.append(deployment.template.slug)
            versions.append(deployment.template.version)
            keys.append(key)
            events.append(String(event))
            firstSteps.append(deployment.template.firstStep ?? "")
        }
    }

    /// Runs of `template` waiting for documents with correlation key `key` are woken.
    private struct Wake: Hashable {
        let template: String
        let key: String
    }

    /// A correlation key as text: strings as they are, numbers by their text.
    static func keyText(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: text.isEmpty ? nil : text
        case .number(let text)?: text
        default: nil
        }
    }

    /// The active deployments; the template documents of those in `known` (already parsed) are not read again.
    func activeDeployments(on tx: PostgresConnection, known: [UUID]) async throws -> [Deployment] {
        let rows = try await tx.query(
            """
            SELECT id, CASE WHEN id = ANY(\(known.map { $0.uuidString.lowercased() })::uuid[]) THEN '' ELSE document::text END AS document,
                   parameters::text AS parameters, deployed_by, deployed_at
            FROM deployments WHERE active ORDER BY template_slug
            """)
        var deployments: [Deployment] = []
        for row in rows { deployments.append(try templates.deployment(from: row)) }
        return deployments
    }
}
