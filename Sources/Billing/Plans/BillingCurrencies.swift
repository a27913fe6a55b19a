import Finance

/// The ISO 4217 currencies a price can be set in.
///
/// `Finance.Currency` accepts any three capital letters, which is right for
/// amounts arriving in events; a plan is typed by a person, and `EUT` there
/// is a mistake that would only show on the first statement. Funds, metals
/// and testing codes (XAU, XDR, XTS, XXX) are left out: nothing is billed in them.
public enum BillingCurrencies {
    public static let codes: Set<String> = [
        "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD",
        "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CLP", "CNY",
        "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP",
        "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR",
        "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT",
        "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR",
        "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK",
        "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
        "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY",
        "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG",
        "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
    ]

    /// The currency for `code` if it is one a price can be set in.
    ///
    /// - Throws: `unknown_currency` with `field` otherwise.
    public static func currency(_ code: String, field: String = "currency") throws(BillingError) -> Currency {
        guard codes.contains(code), let currency = try? Currency(code) else {
            throw BillingError(
                .unknownCurrency, "'\(code.prefix(10))' is not an ISO 4217 currency code in use, such as EUR",
                field: field)
        }
        return currency
    }
}
