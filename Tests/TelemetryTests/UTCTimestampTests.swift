import Foundation
import Telemetry
import Testing

@Suite("UTC timestamps and trace headers")
struct UTCTimestampTests {
    private static let foundation = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    /// Byte for byte what Foundation's formatter writes, which log lines and stored answers used before.
    @Test(arguments: [
        0, 0.0005, 0.000_999_9, 1.9996, 1.9994, 59.999, 86_399.999_999, 951_782_400, 1_795_000_000.123_456,
        1_795_000_000.999_5, 1_795_000_000.999_49, 4_107_542_399.999, 7_258_118_399.999,
        // Outside 1970–2199 the text comes from Foundation itself.
        -0.0004, -1.5, 7_258_118_400, 253_402_300_799.999, -62_135_596_800,
    ])
    func matchesFoundation(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(UTCTimestamp.milliseconds(date) == date.formatted(Self.foundation))
    }

    /// Times read from PostgreSQL (whole microseconds) and arbitrary doubles, across the fast range.
    @Test func matchesFoundationAcrossTheRange() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        var mismatches: [Double] = []
        for index in 0..<20_000 {
            let seconds: Double
            if index.isMultiple(of: 2) {
                seconds = Double(next() % 7_258_118_400_000_000) / 1e6
            } else {
                seconds = Double(next()) / Double(1 << 53) * 7_258_118_400
            }
            let date = Date(timeIntervalSince1970: seconds)
            if UTCTimestamp.milliseconds(date) != date.formatted(Self.foundation) { mismatches.append(seconds) }
        }
        #expect(mismatches.isEmpty)
    }

    @Test func traceparentNamesTraceSpanAndFlags() {
        let trace = TraceContext(
            traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7", flags: 0xA1)
        #expect(trace.traceparent == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-a1")
        #expect(TraceContext(traceID: trace.traceID, spanID: trace.spanID).traceparent.hasSuffix("-01"))
    }

    @Test func levelsAreOrderedFromTraceToCritical() {
        let levels = LogLevel.allCases
        for (index, level) in levels.enumerated() {
            #expect(levels[..<index].allSatisfy { $0 < level })
            #expect(levels[index...].allSatisfy { !($0 < level) })
        }
        #expect(LogLevel.trace < .debug && LogLevel.warning < .error && !(LogLevel.critical < .info))
    }
}
