import Finance
import Foundation
import Testing

@Suite("Money")
struct MoneyTests {
    private let usd: Currency
    private let jpy: Currency
    private let kwd: Currency

    init() throws {
        usd = try Currency("USD")
        jpy = try Currency("JPY")
        kwd = try Currency("KWD")
    }

    @Test func parsingIsExactAndRefusesWhatIsNotWritten() throws {
        #expect(try Money.parse("249.00", currency: usd).minorUnits == 24_900)
        #expect(try Money.parse("-3.5", currency: usd).minorUnits == -350)
        #expect(try Money.parse("12", currency: jpy).minorUnits == 12)
        #expect(try Money.parse("1.234", currency: kwd).minorUnits == 1_234)
        for bad in ["", "1.234", "1e3", "+1", " 1", "1,000.00", ".5", "5.", "--1", "1.2.3"] {
            #expect(throws: MoneyError.self, "\(bad)") { try Money.parse(bad, currency: usd) }
        }
        #expect(throws: MoneyError.self) { try Money.parse("1.5", currency: jpy) }
        #expect(throws: MoneyError.self) { try Currency("usd") }
    }

    @Test func textAlwaysHasTheCurrencysDecimals() throws {
        #expect(Money(minorUnits: 900, currency: usd).description == "USD 9.00")
        #expect(Money(minorUnits: -5, currency: usd).amountText == "-0.05")
        #expect(Money(minorUnits: 7, currency: jpy).amountText == "7")
        #expect(Money(minorUnits: 1_005, currency: kwd).amountText == "1.005")
    }

    @Test func roundingRulesAreExplicit() throws {
        let half = try #require(DecimalText.parse("0.125"))
        #expect(try Money.rounding(half, currency: usd, rule: .halfEven).minorUnits == 12)
        #expect(try Money.rounding(half, currency: usd, rule: .halfUp).minorUnits == 13)
        #expect(try Money.rounding(half, currency: usd, rule: .down).minorUnits == 12)
        #expect(try Money.rounding(try #require(DecimalText.parse("0.121")), currency: usd, rule: .up).minorUnits == 13)
        // 1000 × 0.1240 = 124.00 exactly; 20 × 4.5 = 90.00.
        let price = try Money.parse("0.12", currency: usd)
        #expect(try price.times(Decimal(1000)).minorUnits == 12_000)
    }

    @Test func arithmeticChecksCurrencyAndOverflow() throws {
        let a = try Money.parse("10.00", currency: usd)
        #expect(try a.plus(a).minorUnits == 2_000)
        #expect(try a.minus(try Money.parse("10.01", currency: usd)).minorUnits == -1)
        #expect(throws: MoneyError.self) { try a.plus(Money(minorUnits: 1, currency: jpy)) }
        #expect(throws: MoneyError.self) { try Money(minorUnits: .max, currency: usd).plus(Money(minorUnits: 1, currency: usd)) }
        #expect(throws: MoneyError.self) { try Money(minorUnits: .min, currency: usd).negated() }
    }

    @Test(arguments: [
        ("100.00", ["1", "1", "1"]),
        ("0.01", ["1", "1", "1"]),
        ("35.00", ["124", "90"]),
        ("1000.00", ["0.3333", "0.3333", "0.3334"]),
        ("-10.00", ["1", "2"]),
        ("7.77", ["0", "5", "0", "3"]),
    ])
    func allocationSumsExactly(amount: String, weights: [String]) throws {
        let total = try Money.parse(amount, currency: usd)
        let parts = try total.allocate(weights.map { try #require(DecimalText.parse($0)) })
        #expect(parts.count == weights.count)
        #expect(parts.reduce(0) { $0 + $1.minorUnits } == total.minorUnits)
        for (part, weight) in zip(parts, weights) where weight == "0" { #expect(part.isZero) }
    }

    @Test func allocationGivesLeftoversToTheLargestRemainders() throws {
        let parts = try Money.parse("100.00", currency: usd).allocate([1, 1, 1])
        #expect(parts.map(\.minorUnits) == [3_334, 3_333, 3_333])
        #expect(throws: MoneyError.self) { try Money.parse("1.00", currency: self.usd).allocate([]) }
        #expect(throws: MoneyError.self) { try Money.parse("1.00", currency: self.usd).allocate([0, 0]) }
    }
}
