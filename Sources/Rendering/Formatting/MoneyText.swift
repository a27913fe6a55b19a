/// Money as one unambiguous, locale-independent text: `USD 1,234.50`, `JPY -12,000`.
///
/// The ISO code always comes first (a `$` could be any of twenty currencies),
/// thousands are separated by commas and the fraction has exactly the
/// currency's number of minor-unit digits. Amounts are integer minor units,
/// as everywhere in Countersign; no floating point is involved.
public enum MoneyText {
    /// Currencies whose minor unit is not 1/100 (ISO 4217); every other code has two decimals.
    /// The same table as `Finance.Currency`, repeated because Rendering depends on Platform only.
    static let exponents: [String: Int] = [
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
        "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
        "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    ]

    /// Digits after the decimal point for `currency`.
    ///
    /// - Throws: `format_invalid_currency` unless `currency` is three upper-case letters.
    public static func exponent(of currency: String) throws(FormatError) -> Int {
        guard currency.utf8.count == 3,
            currency.utf8.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) })
        else {
            throw FormatError(.invalidCurrency, "a currency is a three-letter ISO 4217 code such as USD")
        }
        return exponents[currency] ?? 2
    }

    /// `USD 1,234.50` for 123450 minor units of USD.
    public static func format(minorUnits: Int64, currency: String) throws(FormatError) -> String {
        "\(currency) \(try amount(minorUnits: minorUnits, currency: currency))"
    }

    /// The number alone, `-1,234.50`, for table cells whose column names the currency.
    public static func amount(minorUnits: Int64, currency: String) throws(FormatError) -> String {
        let exponent = try exponent(of: currency)
        // `magnitude` keeps Int64.min representable.
        let digits = Array(String(minorUnits.magnitude))
        let padded = Array(repeating: Character("0"), count: max(0, exponent + 1 - digits.count)) + digits
        let whole = padded[..<(padded.count - exponent)]
        let fraction = padded[(padded.count - exponent)...]
        var text = minorUnits < 0 ? "-" : ""
        for (offset, digit) in whole.enumerated() {
            if offset > 0, (whole.count - offset) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        if exponent > 0 { text += "." + String(fraction) }
        return text
    }
}
