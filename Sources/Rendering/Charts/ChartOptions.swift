/// One named row of values, one value per category.
public struct ChartSeries: Sendable, Equatable {
    public let name: String
    public let values: [Double]

    public init(name: String, values: [Double]) {
        self.name = name
        self.values = values
    }
}

/// How values are written in the text alternative, the data table and the axis.
public enum ChartValueFormat: Sendable {
    /// Plain numbers with thousands separators and a fixed number of decimals: `1,234.5`.
    case number(fractionDigits: Int)
    /// Values in major units of `currency`, written as `MoneyText` writes them: `USD 1,234.50`.
    case money(currency: String)
}

/// Whether a chart carries its data as a table too.
public enum ChartDataTable: Sendable {
    /// Only the SVG; its `<desc>` already lists every value.
    case none
    /// A table for screen-reader users who prefer navigating cells to hearing one long description.
    case visuallyHidden
    /// A table everyone sees, e.g. below a chart on a report page.
    case visible
}

/// Presentation settings shared by every chart.
public struct ChartOptions: Sendable {
    /// Prefix of the element ids inside the chart; unique on the page. Letters, digits, `-`, `_`.
    public var id: String
    /// Size of the SVG's coordinate system; CSS scales the chart to its container.
    public var width: Int
    public var height: Int
    public var valueFormat: ChartValueFormat
    /// A sentence placed before the listed data in the text alternative, e.g. what the chart shows at a glance.
    public var summary: String?
    /// Header of the category column in the data table, e.g. `Month`.
    public var categoryHeading: String
    public var dataTable: ChartDataTable

    public init(
        id: String, width: Int = 640, height: Int = 320, valueFormat: ChartValueFormat = .number(fractionDigits: 0),
        summary: String? = nil, categoryHeading: String = "Category", dataTable: ChartDataTable = .none
    ) {
        self.id = id
        self.width = width
        self.height = height
        self.valueFormat = valueFormat
        self.summary = summary
        self.categoryHeading = categoryHeading
        self.dataTable = dataTable
    }
}
