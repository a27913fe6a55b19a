import Finance
import Foundation
import Testing

@testable import Triage

@Suite("Codes, bands, generator and calibration")
struct SupportTests {
    @Test("SplitMix64 reproduces the reference sequence for seed 0")
    func splitMix() {
        var random = SplitMix64(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
        var bounded = SplitMix64(seed: 9)
        for _ in 0..<1_000 {
            #expect((0..<7).contains(bounded.below(7)))
            let unit = bounded.unit()
            #expect(unit >= 0 && unit < 1)
        }
    }

    @Test("tenants and codes must be slugs; labels parse from their codes only")
    func codes() throws {
        #expect(throws: TriageError.self) { try TenantID("Acme Corp") }
        #expect(throws: TriageError.self) { try TenantID("") }
        #expect(try TenantID("acme-eu_2").slug == "acme-eu_2")
        #expect(throws: TriageError.self) { try RootCause("price-up") }
        #expect(throws: TriageError.self) { try Resolution("Request Credit") }
        #expect(try RootCause("supplier_price_increase") == .supplierPriceIncrease)
        #expect(try ExceptionLabel.parse("late_asn") == .lateASN)
        let error = try #require(throws: TriageError.self) { try ExceptionLabel.parse("late") }
        #expect(error.code == "invalid_code")
        #expect(Resolution.holdForSecondReceipt.sentence == "hold the invoice until the rest is received")
        #expect(Set(ExceptionLabel.allCases.map(\.rawValue)).count == ExceptionLabel.allCases.count)
    }

    @Test(
        "amount bands are orders of magnitude of major units, by magnitude",
        arguments: [
            (9_999, AmountBand.under100), (10_000, .under1k), (99_999, .under1k), (100_000, .under10k),
            (-5_000_000, .under100k), (10_000_000, .atLeast100k),
        ] as [(Int64, AmountBand)])
    func bands(minorUnits: Int64, band: AmountBand) {
        #expect(AmountBand(TriageFixtures.usd(minorUnits)) == band)
    }

    @Test("weekdays are UTC, Monday first")
    func weekdays() {
        #expect(Weekday(TriageFixtures.now) == .monday)
        #expect(Weekday(Date(timeIntervalSince1970: 0)) == .thursday)
        #expect(Weekday(Date(timeIntervalSince1970: -1)) == .wednesday)
    }

    @Test("fixed-point text rounds half away from zero and keeps its decimals")
    func fixedPoint() {
        #expect(FixedPoint.text(0.8765, places: 3) == "0.877")
        #expect(FixedPoint.text(1, places: 3) == "1.000")
        #expect(FixedPoint.text(-0.25, places: 1) == "-0.3")
        #expect(FixedPoint.text(-0.0001, places: 2) == "0.00")
        #expect(FixedPoint.text(.nan, places: 2) == "0.00")
        #expect(Timestamp.text(TriageFixtures.now) == "2026-03-02T09:00:00Z")
        #expect(Timestamp.parse("2026-03-02T09:00:00Z") == TriageFixtures.now)
        #expect(Timestamp.parse("2026-03-02T25:00:00Z") == nil)
    }

    @Test("calibration is monotone and follows the observed hit rate")
    func calibration() {
        var random = SplitMix64(seed: 5)
        // Raw probabilities that overstate: the true hit rate is raw squared.
        let observations = (0..<5_000).map { _ -> (raw: Double, correct: Bool) in
            let raw = 0.3 + 0.7 * random.unit()
            return (raw, random.unit() < raw * raw)
        }
        let calibration = ConfidenceCalibration(observations: observations)
        let grid = stride(from: 0.3, through: 1.0, by: 0.05).map { calibration.confidence(forRaw: $0) }
        #expect(zip(grid, grid.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(abs(calibration.confidence(forRaw: 0.9) - 0.81) < 0.08)
        #expect(abs(calibration.confidence(forRaw: 0.5) - 0.25) < 0.08)
        #expect(ConfidenceCalibration(observations: Array(observations.prefix(10))).confidence(forRaw: 0.7) == 0.7)
    }
}
