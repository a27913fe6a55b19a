import Foundation
import Events

/// Reads a reference-table upload: a header row, then one entry per row.
///
/// The key column (named, else the first) becomes the entry's key; every
/// other column a string member of its value, with a dotted header nesting
/// (`uom_factors.BOX` → `{"uom_factors": {"BOX": "12"}}`), which is how an
/// item's unit-of-measure factors fit in a flat file. Empty cells are left
/// out. Everything is checked before anything is stored, and every error
/// names the row (the header is row 1) and column, so a spreadsheet user can
/// find it.
public struct ReferenceCSV: Sendable {
    public var parser: CSVParser

    public init(parser: CSVParser = CSVParser()) {
        self.parser = parser
    }

    public func entries(_ text: String, keyColumn: String?) throws(MiddlewareError) -> [(key: String, value: JSONValue)] {
        let rows: [[String]]
        do {
            rows = try parser.parse(text)
        } catch {
            throw Self.invalid(error.description, row: error.row, column: error.column)
        }
        guard let header = rows.first, !(header.count == 1 && header[0].isEmpty) else {
            throw Self.invalid("the upload is empty; the first row names the columns", row: 1, column: nil)
        }
        var seen: Set<String> = []
        for (index, name) in header.enumerated() {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty)
            else {
                throw Self.invalid("the column name is empty", row: 1, column: index + 1)
            }
            guard seen.insert(trimmed).inserted else {
                throw Self.invalid("the column \(trimmed) is named twice", row: 1, column: index + 1)
            }
        }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
        let keyIndex: Int
        if let keyColumn {
            guard let index = names.firstIndex(of: keyColumn) else {
                throw Self.invalid("there is no key column \(keyColumn) in the header", row: 1, column: nil)
            }
            keyIndex = index
        } else {
            keyIndex = 0
        }
        var entries: [(key: String, value: JSONValue)] = []
        var keys: [String: Int] = [:]
        for (offset, row) in rows.dropFirst().enumerated() {
            let number = offset + 2
            if row.count == 1 && row[0].isEmpty { continue }
            guard row.count == names.count else {
                throw Self.invalid(
                    "the row has \(row.count) fields, the header \(names.count)", row: number, column: nil)
            }
            let key = row[keyIndex].trimmingCharacters(in: .whitespaces)
            guard (1...200).contains(key.count) else {
                throw Self.invalid(
                    "the key (\(names[keyIndex])) is empty or longer than 200 characters", row: number,
                    column: keyIndex + 1)
            }
            if let first = keys[key] {
                throw Self.invalid("the key \(key) is also on row \(first)", row: number, column: keyIndex + 1)
            }
            keys[key] = number
            var value: [String: JSONValue] = [:]
            for (index, cell) in row.enumerated() where index != keyIndex && !cell.isEmpty {
                let path = names[index].split(separator: ".").map(String.init)
                guard Self.insert(.string(cell), at: path[...], into: &value) else {
                    throw Self.invalid(
                        "the column \(names[index]) clashes with another column's nesting", row: number,
                        column: index + 1)
                }
            }
            entries.append((key, .object(value)))
        }
        return entries
    }

    private static func insert(_ cell: JSONValue, at path: ArraySlice<String>, into object: inout [String: JSONValue])
        -> Bool
    {
        guard let first = path.first else { return false }
        if path.count == 1 {
            guard object[first] == nil else { return false }
            object[first] = cell
            return true
        }
        var inner: [String: JSONValue]
        switch object[first] {
        case nil: inner = [:]
        case .object(let members): inner = members
        default: return false
        }
        guard insert(cell, at: path.dropFirst(), into: &inner) else { return false }
        object[first] = .object(inner)
        return true
    }

    static func invalid(_ message: String, row: Int, column: Int?) -> MiddlewareError {
        MiddlewareError(
            code: "invalid_csv", message: "row \(row)" + (column.map { ", column \($0)" } ?? "") + ": \(message)",
            httpStatus: 422, field: "row \(row)" + (column.map { ", column \($0)" } ?? ""))
    }
}
