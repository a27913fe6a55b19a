/// A column of a result: its name and type.
public struct PostgresColumn: Sendable, Hashable {
    public let name: String
    public let type: PostgresType
}

/// The complete result of one statement, read into memory.
public struct PostgresRows: Sendable, RandomAccessCollection {
    public let columns: [PostgresColumn]
    /// Row-major cell text; `nil` is SQL NULL.
    let cells: [String?]
    /// Rows affected by INSERT/UPDATE/DELETE, or returned by SELECT.
    public let affectedRows: Int
    private let columnIndex: [String: Int]

    init(columns: [PostgresColumn], cells: [String?], affectedRows: Int) {
        self.columns = columns
        self.cells = cells
        self.affectedRows = affectedRows
        var index: [String: Int] = [:]
        for (position, column) in columns.enumerated() where index[column.name] == nil {
            index[column.name] = position
        }
        self.columnIndex = index
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { columns.isEmpty ? 0 : cells.count / columns.count }
    public subscript(position: Int) -> PostgresRow { PostgresRow(rows: self, row: position) }

    func position(of column: String) -> Int? { columnIndex[column] }
}

/// One row of a result. Values are read with `decode(_:as:)`, which names the
/// column in every error.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let row: Int

    public var columns: [PostgresColumn] { rows.columns }

    /// The value of the column called `name`.
    public func decode<Value: PostgresDecodable>(_ name: String, as type: Value.Type = Value.self) throws -> Value {
        guard let position = rows.position(of: name) else {
            throw PostgresError(.decoding, summary: "the result has no column named '\(name)'")
        }
        return try decode(position, as: type)
    }

    /// The value of the column at `position` (0-based).
    public func decode<Value: PostgresDecodable>(_ position: Int, as type: Value.Type = Value.self) throws -> Value {
        guard rows.columns.indices.contains(position) else {
            throw PostgresError(.decoding, summary: "the result has no column at position \(position)")
        }
        let column = rows.columns[position]
        guard let text = rows.cells[row * rows.columns.count + position] else {
            return try Value.decodeNull(column: column)
        }
        return try Value.decode(text, column: column)
    }

    /// Whether the column called `name` is SQL NULL in this row.
    public func isNull(_ name: String) -> Bool {
        guard let position = rows.position(of: name) else { return true }
        return rows.cells[row * rows.columns.count + position] == nil
    }
}
