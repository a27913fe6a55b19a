import ControlPlane
import Events
import Mapping
import Postgres
import Synchronization

/// The reference tables a mapping needs, as an in-memory lookup, reloaded
/// only when a table's version has moved.
///
/// Mapping is synchronous and runs on the ingest path, so tables are
/// prefetched whole. Per request this costs one small query (the versions of
/// the tables the mapping declares); a table is read again only after a
/// change anywhere (its version is bumped in the changing transaction), so a
/// CSV upload takes effect for the very next webhook in every process.
public final class ReferenceCache: Sendable {
    private struct Key: Hashable {
        let tenant: Slug
        let table: String
    }

    private struct Cached {
        let version: Int64
        let rows: [String: JSONValue]
    }

    let databases: TenantDatabases
    /// Largest table cached; a bigger one is an error rather than an unbounded load on the ingest path.
    public let maximumRowsPerTable: Int
    private let tables = Mutex<[Key: Cached]>([:])

    public init(databases: TenantDatabases, maximumRowsPerTable: Int = 200_000) {
        self.databases = databases
        self.maximumRowsPerTable = maximumRowsPerTable
    }

    /// The current contents of `names` for `tenant`; absent tables are empty.
    public func lookups(tenant: Slug, tables names: [String]) async throws -> InMemoryReferenceLookup {
        let names = Array(Set(names.filter(ReferenceTables.isValidTable))).sorted()
        guard !names.isEmpty else { return InMemoryReferenceLookup() }
        return try await databases.withConnection(for: tenant) { connection in
            let rows = try await connection.query(
                "SELECT table_name, version FROM reference_tables WHERE table_name = ANY(\(names)::text[])")
            var versions: [String: Int64] = [:]
            for row in rows { versions[try row.decode("table_name", as: String.self)] = try row.decode("version", as: Int64.self) }
            var result: [String: [String: JSONValue]] = [:]
            for name in names {
                let key = Key(tenant: tenant, table: name)
                let version = versions[name] ?? 0
                if let cached = tables.withLock({ $0[key] }), cached.version == version {
                    result[name] = cached.rows
                    continue
                }
                let loaded = try await load(name, on: connection)
                tables.withLock { tables in
                    if tables.count >= 10_000 { tables.removeAll(keepingCapacity: true) }
                    tables[key] = loaded
                }
                result[name] = loaded.rows
            }
            return InMemoryReferenceLookup(result)
        }
    }

    /// Reads a table and its version in one statement, so the two agree.
    private func load(_ table: String, on connection: PostgresConnection) async throws -> Cached {
        let rows = try await connection.query(
            """
            SELECT e.key, e.value::text AS value, coalesce(t.version, 0) AS version
            FROM (SELECT 1) AS one
            LEFT JOIN reference_tables t ON t.table_name = \(table)
            LEFT JOIN reference_entries e ON e.table_name = \(table)
            LIMIT \(maximumRowsPerTable + 1)
            """)
        guard rows.count <= maximumRowsPerTable else {
            throw MiddlewareError(
                code: "reference_table_too_large",
                message: "reference table \(table) has more than \(maximumRowsPerTable) rows, more than a mapping may load",
                httpStatus: 500)
        }
        var entries: [String: JSONValue] = [:]
        var version: Int64 = 0
        let parser = JSONParser(maxBytes: 1 << 20, maxDepth: 32)
        for row in rows {
            version = try row.decode("version", as: Int64.self)
            guard let key = try row.decode("key", as: String?.self), let value = try row.decode("value", as: String?.self)
            else { continue }
            entries[key] = try parser.parse(value)
        }
        return Cached(version: version, rows: entries)
    }
}
