import Events
import Foundation
import Mapping

/// A mapping written on the command line instead of a file: comma-separated
/// `target=column`, `target=column:transform:transform` or `target='literal'`.
///
/// `target` is a canonical field (`id`, `occurred_at`, `source`,
/// `data.po_number`); `data.lines[].sku=sku` maps a column of every row of
/// the document (see ``CSVDocuments``) into the `lines` array. The spec is
/// compiled into an ordinary ``MappingDocument``, so it gets the same checks,
/// transforms and error messages as a published mapping.
public enum ColumnSpec {
    public static func mapping(_ spec: String, eventType: String) throws -> MappingDocument {
        var fields: [String: JSONValue] = [:]
        var arrays: [String: [String: JSONValue]] = [:]
        for item in spec.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw MiddlewareError(
                    code: "invalid_column_spec", message: "'\(item)' is not target=column", httpStatus: 422,
                    field: "columns")
            }
            let target = parts[0]
            if let range = target.range(of: "[].") {
                let array = String(target[..<range.lowerBound]) + "[]"
                arrays[array, default: [:]][String(target[range.upperBound...])] = rule(parts[1], anchor: "@")
            } else {
                fields[target] = rule(parts[1], anchor: "$")
            }
        }
        for (array, members) in arrays {
            fields[array] = .object([
                "each": .string("$.\(CSVDocuments.rowsMember)"), "required": .bool(true), "fields": .object(members),
            ])
        }
        let document = JSONValue.object([
            "slug": .string("csv-columns"), "version": .string("1.0.0"), "title": .string("CSV columns"),
            "source": .string("CSV import with a column spec"),
            "outputs": .array([.object(["event_type": .string(eventType), "schema_version": .number("1"), "fields": .object(fields)])]),
        ])
        return try MappingDocument.parse(Data(document.serialized().utf8))
    }

    private static func rule(_ text: String, anchor: String) -> JSONValue {
        if text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'") {
            return .object(["const": .string(String(text.dropFirst().dropLast()))])
        }
        var pieces = text.split(separator: ":").map(String.init)
        let column = pieces.isEmpty ? text : pieces.removeFirst()
        let escaped = column.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        var rule: [String: JSONValue] = ["path": .string("\(anchor)[\"\(escaped)\"]")]
        if !pieces.isEmpty { rule["transforms"] = .array(pieces.map(JSONValue.string)) }
        return .object(rule)
    }
}
