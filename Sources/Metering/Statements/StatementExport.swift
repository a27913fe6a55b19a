import Billing

/// Several statements as one document: a JSON array, or one CSV whose single header row serves every statement.
///
/// Every CSV row names its statement, so rows of several statements read
/// back unambiguously under one header; a second header in the middle of a
/// file would be read as data by spreadsheets.
public enum StatementExport {
    public static func csv(_ statements: [Statement]) -> String {
        let header = Statement.csvHeader.joined(separator: ",") + "\r\n"
        return header
            + statements.map { statement in
                let text = statement.csvText
                return text.hasPrefix(header) ? String(text.dropFirst(header.count)) : text
            }.joined()
    }

    /// Indented statements in a JSON array.
    public static func jsonArray(_ statements: [Statement]) -> String {
        statements.isEmpty ? "[]" : "[\n" + statements.map(\.jsonText).joined(separator: ",\n") + "\n]"
    }
}
