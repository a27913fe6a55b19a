import Foundation
import Rendering
import Testing

@Suite("Formatting")
struct FormattingTests {
    @Test(arguments: [
        (Int64(123_450), "USD", "USD 1,234.50"), (0, "USD", "USD 0.00"), (5, "EUR", "EUR 0.05"),
        (-99, "EUR", "EUR -0.99"),
        (1_234_567_890, "GBP", "GBP 12,345,678.90"), (12_000, "JPY", "JPY 12,000"),
        (-1_000_000, "JPY", "JPY -1,000,000"),
        (1_250, "KWD", "KWD 1.250"), (100, "XYZ", "XYZ 1.00"), (999, "USD", "USD 9.99"),
        (100_000, "USD", "USD 1,000.00"),
        (Int64.min, "USD", "USD -92,233,720,368,547,758.08"),
    ])
    func moneyUsesCodeSeparatorsAndTheCurrencysExponent(minor: Int64, currency: String, expected: String) throws {
        #expect(try MoneyText.format(minorUnits: minor, currency: currency) == expected)
    }

    @Test func amountOmitsTheCode() throws {
        #expect(try MoneyText.amount(minorUnits: -123_456, currency: "USD") == "-1,234.56")
    }

    @Test(arguments: ["usd", "US", "USDX", "", "U$D"])
    func invalidCurrencyCodesAreRefused(code: String) {
        let error = #expect(throws: FormatError.self) { try MoneyText.format(minorUnits: 1, currency: code) }
        #expect(error?.code == "format_invalid_currency")
    }

    @Test func datesAndTimesInTheGivenZone() throws {
        // 2025-03-14T08:05:30Z
        let instant = Date(timeIntervalSince1970: 1_741_939_530)
        let berlin = try DateText(timeZoneIdentifier: "Europe/Berlin")
        #expect(berlin.date(instant) == "2025-03-14")
        #expect(berlin.dateTime(instant) == "2025-03-14 09:05 +01:00")
        let auckland = try DateText(timeZoneIdentifier: "Pacific/Auckland")
        #expect(auckland.dateTime(instant) == "2025-03-14 21:05 +13:00")
        let newYork = try DateText(timeZoneIdentifier: "America/New_York")
        #expect(newYork.dateTime(instant) == "2025-03-14 04:05 -04:00")
        let kolkata = try DateText(timeZoneIdentifier: "Asia/Kolkata")
        #expect(kolkata.dateTime(instant) == "2025-03-14 13:35 +05:30")
    }

    @Test func dateCrossesMidnightByZone() throws {
        let instant = Date(timeIntervalSince1970: 1_735_689_000)  // 2024-12-31T23:50:00Z
        #expect(try DateText(timeZoneIdentifier: "UTC").date(instant) == "2024-12-31")
        #expect(try DateText(timeZoneIdentifier: "Asia/Tokyo").date(instant) == "2025-01-01")
    }

    @Test func timeElementCarriesTheUTCInstant() throws {
        let instant = Date(timeIntervalSince1970: 1_741_939_530)
        let html = try DateText(timeZoneIdentifier: "Europe/Berlin").timeElement(instant)
        #expect(html.markup == #"<time datetime="2025-03-14T08:05:30Z">2025-03-14 09:05 +01:00</time>"#)
    }

    @Test func unknownZoneIsRefused() {
        let error = #expect(throws: FormatError.self) { try DateText(timeZoneIdentifier: "Mars/Olympus_Mons") }
        #expect(error?.code == "format_invalid_time_zone")
    }
}
