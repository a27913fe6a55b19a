import Events

/// Per-tenant reference tables a mapping enriches from (supplier ids, warehouse
/// codes, employee e-mails), answered synchronously.
///
/// Synchronous on purpose: mapping runs inside the ingest path, so the database
/// layer prefetches the tables a document declares in `lookups`
/// (`MappingDocument.lookupTables`) and answers from memory; a plan never waits.
public protocol ReferenceLookup {
    /// The row stored under `key` in `table`, or nil when there is none.
    func lookup(table: String, key: String) -> JSONValue?
}

/// Reference tables held in memory: what tests, dry runs and a prefetching store use.
public struct InMemoryReferenceLookup: ReferenceLookup, Sendable {
    public var tables: [String: [String: JSONValue]]

    public init(_ tables: [String: [String: JSONValue]] = [:]) {
        self.tables = tables
    }

    /// Tables from a JSON object of objects: `{"suppliers": {"1187": {"id": "SUP-007"}}}`.
    public init(json: JSONValue) throws(MappingError) {
        guard case .object(let byTable) = json else {
            throw MappingError(.typeMismatch, "reference tables must be a JSON object of tables", sourcePath: "$")
        }
        var tables: [String: [String: JSONValue]] = [:]
        for (name, rows) in byTable {
            guard case .object(let rows) = rows else {
                throw MappingError(
                    .typeMismatch, "reference table \"\(name)\" must be an object of key → row",
                    sourcePath: SourcePath(anchor: .root, segments: [.key(name)]).text)
            }
            tables[name] = rows
        }
        self.tables = tables
    }

    public func lookup(table: String, key: String) -> JSONValue? {
        tables[table]?[key]
    }
}
