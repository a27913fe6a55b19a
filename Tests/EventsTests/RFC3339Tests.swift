import Foundation
import Testing

@testable import Events

@Suite("RFC 3339 dates and times")
struct RFC3339Tests {
    @Test(arguments: [
        "2026-11-05T14:02:00Z",
        "2026-11-05t14:02:00z",
        "2026-11-05T14:02:00+05:30",
        "2026-11-05T14:02:00-08:00",
        "2026-11-05T14:02:00+00:00",
        "2026-11-05T14:02:00-00:00",
        "2026-11-05T14:02:00.5Z",
        "2026-11-05T14:02:00.123456789Z",
        "2026-11-05T14:02:00.1234567891234Z",
        "2026-12-31T23:59:60Z",
        "2024-02-29T00:00:00Z",
        "2000-02-29T00:00:00Z",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59+23:59",
    ])
    func validDateTimes(text: String) {
        #expect(RFC3339.parseDateTime(text) != nil)
        #expect(RFC3339.date(from: text) != nil)
    }

    @Test(arguments: [
        "",
        "2026-11-05",
        "2026-11-05T14:02:00",
        "2026-11-05 14:02:00Z",
        "2026-11-05T14:02Z",
        "2026-11-05T14:02:00.Z",
        "2026-11-05T14:02:00,5Z",
        "2026-11-05T14:02:00+0530",
        "2026-11-05T14:02:00+05",
        "2026-11-05T14:02:00+24:00",
        "2026-11-05T14:02:00+05:60",
        "2026-11-05T14:02:00ZZ",
        "2026-11-05T14:02:00Z ",
        " 2026-11-05T14:02:00Z",
        "2026-11-05T24:00:00Z",
        "2026-11-05T23:60:00Z",
        "2026-11-05T23:59:61Z",
        "2026-13-05T14:02:00Z",
        "2026-00-05T14:02:00Z",
        "2026-11-00T14:02:00Z",
        "2026-04-31T14:02:00Z",
        "2023-02-29T14:02:00Z",
        "1900-02-29T14:02:00Z",
        "26-11-05T14:02:00Z",
        "2026-1-05T14:02:00Z",
        "2026/11/05T14:02:00Z",
        "+2026-11-05T14:02:00Z",
        "２０２６-11-05T14:02:00Z",
        "2026-11-05T14:02:00.123+",
    ])
    func invalidDateTimes(text: String) {
        #expect(RFC3339.parseDateTime(text) == nil)
        #expect(RFC3339.date(from: text) == nil)
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0.0),
        ("2026-11-05T14:02:00Z", 1_793_887_320),
        ("2026-11-05T16:02:00+02:00", 1_793_887_320),
        ("2026-11-05T06:02:00-08:00", 1_793_887_320),
        ("2000-02-29T23:59:59Z", 951_868_799),
        ("1969-12-31T23:59:59Z", -1),
        ("0001-01-01T00:00:00Z", -62_135_596_800),
        ("9999-12-31T23:59:59Z", 253_402_300_799),
        ("1970-01-01T00:00:00.5Z", 0.5),
        ("1970-01-01T00:00:00.000001Z", 0.000_001),
        // A leap second counts as the first second of the next minute.
        ("1998-12-31T23:59:60Z", 915_148_800),
    ])
    func instants(text: String, seconds: Double) throws {
        let date = try #require(RFC3339.date(from: text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_000_5)
    }

    @Test func fractionsAreKeptToTheNanosecond() throws {
        #expect(RFC3339.parseDateTime("2026-11-05T14:02:00.5Z")?.nanoseconds == 500_000_000)
        #expect(RFC3339.parseDateTime("2026-11-05T14:02:00.000000001Z")?.nanoseconds == 1)
        #expect(RFC3339.parseDateTime("2026-11-05T14:02:00.1234567899Z")?.nanoseconds == 123_456_789)
        #expect(RFC3339.parseDateTime("2026-11-05T14:02:00-01:30")?.offsetSeconds == -5400)
    }

    @Test(arguments: ["2026-11-05", "2024-02-29", "2026-12-31", "0000-01-01"])
    func validDates(text: String) {
        #expect(RFC3339.parseDate(text) != nil)
    }

    @Test(arguments: [
        "", "2026-11-5", "2026-11-05T00:00:00Z", "2026-11-05 ", "2026-02-30", "2026-02-29", "2026-06-31",
        "2026-13-01", "2026-00-10", "2026-11-00", "2026_11_05", "20261105",
    ])
    func invalidDates(text: String) {
        #expect(RFC3339.parseDate(text) == nil)
    }
}
