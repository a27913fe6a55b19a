import Finance

/// Statements as CSV for spreadsheets: RFC 4180, with a guard against formula injection.
///
/// One header row, one row per line, a `subtotal` row after each tenant and
/// a `total` row at the end, so the file reconciles on its own. Rows end in
/// CRLF; a field containing a comma, a double quote, CR or LF is quoted, with
/// quotes doubled. Tenant names and descriptions are typed by people and a
/// spreadsheet runs any cell that starts with `=`, `+`, `-` or `@` as a
/// formula (and some treat a leading tab or CR the same way), so such a cell
/// is prefixed with a single quote (OWASP's advice) — unless it is a plain
/// number such as `-6.00`, which spreadsheets read as a number anyway and
/// a credit note is full of.
extension Statement {
    public static let csvHeader = [
        "statement", "kind", "corrects", "month", "seller", "buyer", "currency", "tenant_id", "tenant_name", "row",
        "plan", "meter", "description", "from", "to", "billable_days", "days_in_month", "quantity", "included",
        "billable_quantity", "amount",
    ]

    public var csvText: String {
        var rows = [Self.csvHeader]
        let head = [
            number, kind.rawValue, corrects ?? "", month.description, seller.description, buyer.description,
            currency.code,
        ]
        for section in tenants {
            let tenant = [section.tenantID, section.tenantName]
            for line in section.lines {
                rows.append(
                    head + tenant + [
                        line.kind.rawValue, line.planCode, line.meter?.rawValue ?? "", line.description,
                        line.firstDay.description, line.lastDay.description, String(line.proration.billableDays),
                        String(line.proration.daysInMonth), line.usage.map { String($0.quantity) } ?? "",
                        line.usage.map { String($0.included) } ?? "",
                        line.usage.map { String($0.billableQuantity) } ?? "", line.amount.amountText,
                    ])
            }
            rows.append(head + tenant + ["subtotal"] + Array(repeating: "", count: 10) + [section.subtotal.amountText])
        }
        rows.append(head + ["", "", "total"] + Array(repeating: "", count: 10) + [total.amountText])
        return rows.map { row in row.map(CSVField.escape).joined(separator: ",") + "\r\n" }.joined()
    }
}

/// One CSV cell, made safe to open in a spreadsheet and quoted per RFC 4180.
public enum CSVField {
    public static func escape(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), !isPlainNumber(text) {
            text = "'" + text
        }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// An optional minus, digits, and optionally a point and digits: `-6.00`, `12`.
    static func isPlainNumber(_ text: String) -> Bool {
        DecimalText.parse(text) != nil
    }
}
