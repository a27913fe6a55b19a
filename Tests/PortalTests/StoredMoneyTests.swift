import Testing

@testable import Portal

/// Statement totals are stored as the currency's amount text; pages show them like every other amount.
@Suite("Portal: stored amounts shown by currency")
struct StoredMoneyTests {
    @Test(arguments: [
        ("1234.50", "USD", "USD 1,234.50"),
        ("-1234567.89", "EUR", "EUR -1,234,567.89"),
        ("12000", "JPY", "JPY 12,000"),
        ("1.234", "KWD", "KWD 1.234"),
        ("0.00", "USD", "USD 0.00"),
        // Not the currency's form: shown as stored rather than guessed at.
        ("1.5", "USD", "USD 1.5"),
        ("12.00", "JPY", "JPY 12.00"),
        ("abc", "USD", "USD abc"),
        ("1.00", "usd", "usd 1.00"),
    ])
    func amounts(_ amount: String, _ currency: String, _ expected: String) {
        #expect(BillingPage.money(amount: amount, currency: currency) == expected)
    }
}
