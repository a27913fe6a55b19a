import Events
import Postgres

/// A run's correlated documents by name: the latest event of each type with
/// the run's key, or every one of them (oldest first) for `many`.
///
/// Read when a step runs and again when a task is decided, so a rule that
/// looks at documents (who received the goods) sees the ones that arrived
/// while the task was open.
enum CorrelatedDocuments {
    static func load(for template: WorkflowTemplate, key: String, on tx: PostgresConnection) async throws
        -> [String: JSONValue]
    {
        var documents: [String: JSONValue] = [:]
        for (name, correlated) in template.correlation.documents {
            let path = correlated.key.split(separator: ".").map(String.init)
            let rows = try await tx.query(
                """
                SELECT document::text AS document FROM events
                WHERE type = \(correlated.event) AND document #>> \(path)::text[] = \(key)
                ORDER BY seq
                """)
            // A loop, not `map` with a throwing closure: swift-frontend 6.3.1 crashes on the latter in release builds.
            var parsed: [JSONValue] = []
            for row in rows {
                parsed.append(
                    try JSONParser(maxBytes: 16 << 20, maxDepth: 64).parse(row.decode("document", as: String.self)))
            }
            if correlated.many {
                documents[name] = .array(parsed)
            } else if let latest = parsed.last {
                documents[name] = latest
            }
        }
        return documents
    }
}
