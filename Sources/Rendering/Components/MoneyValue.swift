/// An amount ready for `partials/money_cell.html` or `{{ amount.text }}`.
public struct MoneyValue: Sendable, Equatable, ViewRepresentable {
    public let minorUnits: Int64
    public let currency: String
    /// `USD 1,234.50`
    public let text: String

    /// - Throws: `format_invalid_currency` for a code that is not three upper-case letters.
    public init(minorUnits: Int64, currency: String) throws(FormatError) {
        self.minorUnits = minorUnits
        self.currency = currency
        text = try MoneyText.format(minorUnits: minorUnits, currency: currency)
    }

    public var viewValue: ViewValue {
        [
            "text": .string(text),
            "amount": .string((try? MoneyText.amount(minorUnits: minorUnits, currency: currency)) ?? text),
            "currency": .string(currency), "negative": .bool(minorUnits < 0),
        ]
    }
}
