/// A data table with caption, column headers and row headers (`partials/data_table.html`).
public struct DataTable: Sendable, Equatable, ViewRepresentable {
    public struct Column: Sendable, Equatable {
        public let label: String
        /// Right-aligned, tabular figures.
        public let isNumeric: Bool

        public init(_ label: String, isNumeric: Bool = false) {
            self.label = label
            self.isNumeric = isNumeric
        }
    }

    public enum Cell: Sendable, Equatable {
        case text(String)
        /// The cell that names its row (`<th scope="row">`), usually the first.
        case rowHeader(String)
        case number(String)
        case money(MoneyValue)
        case link(text: String, href: String)
        case badge(StatusBadge)
    }

    public let id: String
    public let caption: String
    public let columns: [Column]
    public let rows: [[Cell]]
    public let emptyMessage: String

    /// - Throws: `component_invalid` when a row's width differs from the columns', `component_unsafe_link` for a bad href.
    public init(
        id: String, caption: String, columns: [Column], rows: [[Cell]], emptyMessage: String = "Nothing to show."
    )
        throws(ComponentError)
    {
        for (index, row) in rows.enumerated() {
            guard row.count == columns.count else {
                throw ComponentError(
                    .invalidComponent, field: "rows",
                    "row \(index + 1) of table \(id) has \(row.count) cells for \(columns.count) columns")
            }
            for cell in row {
                if case .link(_, let href) = cell { _ = try LinkTarget.validate(href) }
            }
        }
        self.id = id
        self.caption = caption
        self.columns = columns
        self.rows = rows
        self.emptyMessage = emptyMessage
    }

    public var viewValue: ViewValue {
        [
            "id": .string(id), "caption": .string(caption), "empty_message": .string(emptyMessage),
            "column_count": .int(columns.count),
            "columns": .list(columns.map { ["label": .string($0.label), "numeric": .bool($0.isNumeric)] }),
            "rows": .list(rows.map { row in ["cells": .list(row.map(Self.cellValue))] }),
        ]
    }

    /// Every cell carries every key the cell partial reads, so no lookup falls through to an outer scope.
    private static func cellValue(_ cell: Cell) -> ViewValue {
        var fields: [String: ViewValue] = [
            "header": false, "numeric": false, "text": "", "money": .null, "link": .null, "badge": .null,
        ]
        switch cell {
        case .text(let text): fields["text"] = .string(text)
        case .rowHeader(let text):
            fields["header"] = true
            fields["text"] = .string(text)
        case .number(let text):
            fields["numeric"] = true
            fields["text"] = .string(text)
        case .money(let money):
            fields["numeric"] = true
            fields["money"] = money.viewValue
        case .link(let text, let href): fields["link"] = ["text": .string(text), "href": .string(href)]
        case .badge(let badge): fields["badge"] = badge.viewValue
        }
        return .object(fields)
    }
}
