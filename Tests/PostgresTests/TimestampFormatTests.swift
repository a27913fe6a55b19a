import Foundation
import Testing

@testable import Postgres

@Suite("Timestamps bound as text")
struct TimestampFormatTests {
    @Test(arguments: [
        (0.0, "1970-01-01 00:00:00.000000+00"),
        (1_795_734_372.123456, "2026-11-26 23:06:12.123456+00"),
        (1_795_734_372.000001, "2026-11-26 23:06:12.000001+00"),
        (-1.5, "1969-12-31 23:59:58.500000+00"),
        (951_782_400.0, "2000-02-29 00:00:00.000000+00"),
        (253_402_300_799.5, "9999-12-31 23:59:59.500000+00"),
    ])
    func formatsUTCWithMicroseconds(seconds: Double, expected: String) {
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test func formatAndParseRoundTripToTheMicrosecond() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1_000 {
            let micros = Int64.random(in: -2_000_000_000_000_000...4_000_000_000_000_000, using: &generator)
            let date = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
            let text = PostgresTimestamp.format(date)
            let parsed = try #require(PostgresTimestamp.parse(text), "\(text)")
            #expect(abs(parsed.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_001, "\(text)")
        }
    }
}
