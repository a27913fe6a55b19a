import Events
import Foundation

/// One business document read from a CSV file: its first row's cells as
/// members, and every row of its group under `_rows` (so a mapping can build
/// lines with `"each": "$._rows"`).
public struct CSVDocument: Sendable {
    /// 1-based row numbers in the file (the header is row 1).
    public let rowNumbers: [Int]
    public let payload: JSONValue
    /// The document's rows as read, for the lineage copy.
    public let cells: [[String]]
}

/// Reads a CSV file of historical documents: a header row, then one row per
/// document, or several rows per document when `groupBy` names the column
/// that tells them apart (a purchase order's lines). Grouping is by value,
/// in order of first appearance, so an unsorted export still groups right.
/// Empty cells are left out of the payload, so a mapping's `required` and
/// `default` see them as absent.
public enum CSVDocuments {
    public static let rowsMember = "_rows"

    public static func read(_ text: String, groupBy: String?, parser: CSVParser = CSVParser()) throws(MiddlewareError)
        -> (header: [String], documents: [CSVDocument])
    {
        let rows: [[String]]
        do {
            rows = try parser.parse(text)
        } catch {
            throw ReferenceCSV.invalid(error.message, row: error.row, column: error.column)
        }
        guard let header = rows.first, !(header.count == 1 && header[0].isEmpty) else {
            throw ReferenceCSV.invalid("the file is empty; the first row names the columns", row: 1, column: nil)
        }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
        if let duplicate = Dictionary(grouping: names.indices, by: { names[$0] }).first(where: { $0.value.count > 1 }) {
            throw ReferenceCSV.invalid(
                "the column \(duplicate.key) is named twice", row: 1, column: (duplicate.value.last ?? 0) + 1)
        }
        var groupIndex: Int?
        if let groupBy {
            guard let index = names.firstIndex(of: groupBy) else {
                throw ReferenceCSV.invalid("there is no column \(groupBy) to group by", row: 1, column: nil)
            }
            groupIndex = index
        }
        var order: [String] = []
        var groups: [String: [(number: Int, cells: [String])]] = [:]
        for (offset, row) in rows.dropFirst().enumerated() {
            let number = offset + 2
            if row.count == 1 && row[0].isEmpty { continue }
            guard row.count == names.count else {
                throw ReferenceCSV.invalid("the row has \(row.count) fields, the header \(names.count)", row: number, column: nil)
            }
            let key = groupIndex.map { row[$0] } ?? String(number)
            if groupIndex != nil && key.isEmpty {
                throw ReferenceCSV.invalid("the grouping column is empty", row: number, column: (groupIndex ?? 0) + 1)
            }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append((number, row))
        }
        let documents = order.compactMap { key -> CSVDocument? in
            guard let members = groups[key], let first = members.first else { return nil }
            var payload = object(names, first.cells)
            payload[rowsMember] = .array(members.map { .object(object(names, $0.cells)) })
            return CSVDocument(rowNumbers: members.map(\.number), payload: .object(payload), cells: members.map(\.cells))
        }
        return (names, documents)
    }

    private static func object(_ names: [String], _ cells: [String]) -> [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        for (name, cell) in zip(names, cells) where !cell.isEmpty { members[name] = .string(cell) }
        return members
    }

    /// RFC 4180 text for rows: fields with a comma, quote or line break are quoted.
    public static func encode(_ rows: [[String]]) -> String {
        rows.map { row in
            row.map { field in
                field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                    ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
            }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }
}
