import Events
import Postgres

/// A run's correlated documents by name: the latest event of each type with
/// the run's key, or every one of them (oldest first) for `many`.
///
/// Read when a step runs and again when a task is decided, so a rule that
/// looks at documents (who received the goods) sees the ones that arrived
/// while the task was open.
///
/// Found through `event_correlation_keys` (migration 0009), in one statement
/// for all of a template's documents (and for many runs' keys at once). A path no template has used before in
/// this tenant is registered first, indexing the events already stored.
enum CorrelatedDocuments {
    static func load(for template: WorkflowTemplate, key: String, on tx: PostgresConnection) async throws
        -> [String: JSONValue]
    {
        try await load(for: template, keys: [key], on: tx)[key] ?? [:]
    }

    /// The documents of several runs of one template, by correlation key, in one statement: what a pass
    /// reads for the runs it takes up.
    static func load(for template: WorkflowTemplate, keys: [String], on tx: PostgresConnection) async throws
        -> [String: [String: JSONValue]]
    {
        let wanted = Set(template.correlation.documents.values.map { Path(event: $0.event, key: $0.key) })
        guard !wanted.isEmpty, !keys.isEmpty else { return [:] }
        var found = try await lookup(wanted, keys: keys, on: tx)
        if !wanted.subtracting(found.registered).isEmpty {
            try await register(wanted.subtracting(found.registered), on: tx)
            found = try await lookup(wanted, keys: keys, on: tx)
        }
        var byKey: [String: [String: JSONValue]] = [:]
        for key in keys {
            var documents: [String: JSONValue] = [:]
            for (name, correlated) in template.correlation.documents {
                let parsed = found.documents[Found.Slot(path: Path(event: correlated.event, key: correlated.key), key: key)] ?? []
                if correlated.many {
                    documents[name] = .array(parsed)
                } else if let latest = parsed.last {
                    documents[name] = latest
                }
            }
            byKey[key] = documents
        }
        return byKey
    }

    /// An event type and the dotted path of its correlation key.
    struct Path: Hashable {
        let event: String
        let key: String
    }

    /// What a lookup found: the paths registered so far, and each path's documents per key, oldest first.
    private struct Found {
        struct Slot: Hashable {
            let path: Path
            let key: String
        }

        var registered: Set<Path> = []
        var documents: [Slot: [JSONValue]] = [:]
    }

    /// A path missing from `registered` is not registered yet (one with no documents is registered all the same).
    ///
    /// Each (path, key) is looked up by both columns of the index, and each event by its sequence number,
    /// behind an `OFFSET 0` fence, so that no join order or index condition is left to the planner's estimates:
    /// with one join over all three tables, a generic plan made while they were small took 17 ms a call by
    /// 20,000 runs instead of under one (a pass's planner settings are explained in EnginePass.swift).
    private static func lookup(_ paths: Set<Path>, keys: [String], on tx: PostgresConnection) async throws -> Found {
        let rows = try await tx.query(
            """
            SELECT p.event_type, p.path, f.key, f.document
            FROM correlation_paths p
            LEFT JOIN LATERAL (
                SELECT u.key, k.event_seq, (SELECT e.document::text FROM events e WHERE e.seq = k.event_seq) AS document
                FROM unnest(\(Array(Set(keys)))::text[]) AS u(key)
                CROSS JOIN LATERAL (
                    SELECT k.event_seq FROM event_correlation_keys k WHERE k.path_id = p.id AND k.key = u.key OFFSET 0
                ) k
            ) f ON true
            WHERE (p.event_type, p.path) IN (
                SELECT * FROM unnest(\(paths.map(\.event))::text[], \(paths.map(\.key))::text[]))
            ORDER BY p.id, f.event_seq
            """)
        var found = Found()
        // A loop, not `map` with a throwing closure: swift-frontend 6.3.1 crashes on the latter in release builds.
        for row in rows {
            let path = Path(event: try row.decode("event_type", as: String.self), key: try row.decode("path", as: String.self))
            found.registered.insert(path)
            guard let key = try row.decode("key", as: String?.self), let text = try row.decode("document", as: String?.self)
            else { continue }
            found.documents[Found.Slot(path: path, key: key), default: []].append(
                try JSONParser(maxBytes: 16 << 20, maxDepth: 64).parse(text))
        }
        return found
    }

    /// Registers `paths` for the insert trigger and indexes the events stored before.
    ///
    /// The table lock keeps events out until this commits: one stored between
    /// the backfill's snapshot and the commit would otherwise be indexed by
    /// neither the backfill nor the trigger (which cannot see the path yet).
    /// It is taken once per path and tenant, ever; the mode conflicts with
    /// itself, so two registrations queue rather than deadlock.
    private static func register(_ paths: Set<Path>, on tx: PostgresConnection) async throws {
        try await tx.query("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE")
        try await tx.query(
            """
            WITH registered AS (
                INSERT INTO correlation_paths (event_type, path)
                SELECT * FROM unnest(\(paths.map(\.event))::text[], \(paths.map(\.key))::text[])
                ON CONFLICT (event_type, path) DO NOTHING
                RETURNING id, event_type, path
            )
            INSERT INTO event_correlation_keys (path_id, key, event_seq)
            SELECT p.id, e.document #>> string_to_array(p.path, '.'), e.seq
            FROM registered p JOIN events e ON e.type = p.event_type
            WHERE e.document #>> string_to_array(p.path, '.') IS NOT NULL
            """)
    }
}
