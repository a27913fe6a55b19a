import ControlPlane
import Events
import Foundation
import Postgres

/// One row of a reference table.
public struct ReferenceEntry: Sendable, Equatable {
    public let table: String
    public let key: String
    /// Always a JSON object.
    public let value: JSONValue
    public let updatedAt: Date
    public let updatedBy: String
}

/// A tenant's reference tables (suppliers, items with unit-of-measure
/// factors, warehouses, cost centres, EDI partners): what mappings look up.
///
/// Every change bumps the table's version in `reference_tables` in the same
/// transaction, which is how ``ReferenceCache`` in every process learns that
/// its copy is stale. Changes are audited in the tenant's log.
public struct ReferenceTables: Sendable {
    let databases: TenantDatabases

    public init(databases: TenantDatabases) {
        self.databases = databases
    }

    /// `^[a-z][a-z0-9_]{0,62}$`, as the `reference_entries.table_name` check.
    public static func isValidTable(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count), let first = bytes.first, (97...122).contains(first) else { return false }
        return bytes.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 95 }
    }

    static func check(table: String, key: String? = nil) throws(MiddlewareError) {
        guard isValidTable(table) else { throw MiddlewareError.invalidTable(table) }
        if let key, !(1...200).contains(key.count) || key.utf8.count > 800 { throw MiddlewareError.invalidKey() }
    }

    public func entry(tenant: Slug, table: String, key: String) async throws -> ReferenceEntry {
        try Self.check(table: table, key: key)
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT table_name, key, value::text AS value, updated_at, updated_by FROM reference_entries
                WHERE table_name = \(table) AND key = \(key)
                """)
        }
        guard let row = rows.first else { throw MiddlewareError.entryNotFound(table: table, key: key) }
        return try Self.decode(row)
    }

    /// One page of a table, ordered by key; `after` is the last key of the previous page.
    public func list(tenant: Slug, table: String, after: String?, limit: Int) async throws
        -> (entries: [ReferenceEntry], nextKey: String?)
    {
        try Self.check(table: table)
        let limit = min(max(limit, 1), 1_000)
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT table_name, key, value::text AS value, updated_at, updated_by FROM reference_entries
                WHERE table_name = \(table) AND key > \(after ?? "")
                ORDER BY key LIMIT \(limit + 1)
                """)
        }
        let entries = try rows.prefix(limit).map(Self.decode)
        return (entries, rows.count > limit ? entries.last?.key : nil)
    }

    /// Stores `value` (a JSON object) under `key`; returns whether the key is new.
    @discardableResult
    public func put(tenant: Slug, table: String, key: String, value: JSONValue, actor: String, requestID: String? = nil)
        async throws -> Bool
    {
        try Self.check(table: table, key: key)
        guard case .object = value else {
            throw MiddlewareError(
                code: "invalid_reference_value", message: "a reference entry is a JSON object", httpStatus: 422,
                field: "$")
        }
        return try await databases.withTransaction(for: tenant) { tx in
            let rows = try await tx.query(
                """
                INSERT INTO reference_entries (table_name, key, value, updated_by)
                VALUES (\(table), \(key), \(value.serialized())::jsonb, \(actor))
                ON CONFLICT (table_name, key) DO UPDATE
                    SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by
                RETURNING (xmax = 0) AS created
                """)
            try await Self.bump(table, on: tx)
            try await Self.audit(
                on: tx, tenant: tenant, actor: actor, action: "reference.put", table: table,
                details: ["key": key], requestID: requestID)
            return try rows.first?.decode("created", as: Bool.self) ?? false
        }
    }

    public func delete(tenant: Slug, table: String, key: String, actor: String, requestID: String? = nil) async throws {
        try Self.check(table: table, key: key)
        try await databases.withTransaction(for: tenant) { tx in
            let rows = try await tx.query(
                "DELETE FROM reference_entries WHERE table_name = \(table) AND key = \(key) RETURNING key")
            guard !rows.isEmpty else { throw MiddlewareError.entryNotFound(table: table, key: key) }
            try await Self.bump(table, on: tx)
            try await Self.audit(
                on: tx, tenant: tenant, actor: actor, action: "reference.deleted", table: table, details: ["key": key],
                requestID: requestID)
        }
    }

    /// Loads parsed rows in one transaction: all of them or, on any failure, none.
    /// With `replace`, keys of the table that the upload does not name are deleted.
    public func load(
        tenant: Slug, table: String, entries: [(key: String, value: JSONValue)], replace: Bool, actor: String,
        requestID: String? = nil
    ) async throws -> (upserted: Int, deleted: Int) {
        try Self.check(table: table)
        return try await databases.withTransaction(for: tenant) { tx in
            var deleted = 0
            if replace {
                let rows = try await tx.query(
                    """
                    DELETE FROM reference_entries
                    WHERE table_name = \(table) AND NOT (key = ANY(\(entries.map(\.key))::text[]))
                    RETURNING key
                    """)
                deleted = rows.count
            }
            // In slices, so one statement's parameters stay small.
            var start = 0
            while start < entries.count {
                let slice = entries[start..<min(start + 1_000, entries.count)]
                try await tx.query(
                    """
                    INSERT INTO reference_entries (table_name, key, value, updated_by)
                    SELECT \(table), k, v::jsonb, \(actor) FROM unnest(\(slice.map(\.key))::text[], \(slice.map { $0.value.serialized() })::text[]) AS u(k, v)
                    ON CONFLICT (table_name, key) DO UPDATE
                        SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by
                    """)
                start += 1_000
            }
            try await Self.bump(table, on: tx)
            try await Self.audit(
                on: tx, tenant: tenant, actor: actor, action: "reference.imported", table: table,
                details: ["rows": String(entries.count), "deleted": String(deleted), "replace": String(replace)],
                requestID: requestID)
            return (entries.count, deleted)
        }
    }

    static func bump(_ table: String, on tx: PostgresConnection) async throws {
        try await tx.query(
            """
            INSERT INTO reference_tables (table_name) VALUES (\(table))
            ON CONFLICT (table_name) DO UPDATE SET version = reference_tables.version + 1, updated_at = now()
            """)
    }

    private static func audit(
        on tx: PostgresConnection, tenant: Slug, actor: String, action: String, table: String,
        details: [String: String], requestID: String?
    ) async throws {
        try await AuditLog(schema: try SQLIdentifier(tenant.tenantSchemaName)).append(
            AuditEntry(
                actor: actor, action: action, subject: "reference_table:\(table)", details: details,
                requestID: requestID),
            on: tx)
    }

    static func decode(_ row: PostgresRow) throws -> ReferenceEntry {
        ReferenceEntry(
            table: try row.decode("table_name", as: String.self), key: try row.decode("key", as: String.self),
            value: try JSONParser().parse(try row.decode("value", as: String.self)),
            updatedAt: try row.decode("updated_at", as: Date.self),
            updatedBy: try row.decode("updated_by", as: String.self))
    }
}
