import Expressions
import Finance
import Foundation
import Testing

@Suite("Data")
struct DataTests {
    @Test func runDataIsConvertedToTheDeclaredShape() throws {
        let environment = try Fixture.environment()
        #expect(environment["params"] == .object(["auto_approve_limit": .money(try Fixture.money("100.00"))]))
        #expect(environment["vendor"] == .null)
        #expect(environment["undeclared"] == nil)
        guard case .object(let invoice)? = environment["invoice"] else {
            Issue.record("invoice is not an object")
            return
        }
        #expect(invoice["discount"] == .null)
        #expect(invoice["issued"] == .date(try #require(CalendarDate(year: 2024, month: 1, day: 31))))
        #expect(invoice["due"] == .date(try #require(CalendarDate(year: 2024, month: 3, day: 1))))
        // Undeclared fields of declared objects are dropped too.
        #expect(environment["match"].map { "\($0)" }?.contains("not declared") == false)
    }

    static let conversionCases: [(Value.JSON, ValueType, String)] = [
        (.number("12.50"), .decimal, "12.5"),
        (.string("0.1240"), .decimal, "0.124"),
        (.number("1e3"), .decimal, "1000"),
        (.number("1.5E-2"), .decimal, "0.015"),
        (.number("-2.5e+1"), .decimal, "-25"),
        (.number("1e-999"), .decimal, "0"),
        (.number("0e999"), .decimal, "0"),
        (["amount": "249.00", "currency": "USD"], .money, "USD 249.00"),
        (["amount": .number("-3.5"), "currency": "USD"], .money, "USD -3.50"),
        (["amount": "12", "currency": "JPY"], .money, "JPY 12"),
        ("text", .string, "\"text\""),
        (true, .bool, "true"),
        ("2024-02-29", .date, "date(\"2024-02-29\")"),
        ("2024-02-29T23:59:60.123+14:00", .date, "date(\"2024-02-29\")"),
        (nil, .optional(.decimal), "null"),
        (.number("1"), .optional(.decimal), "1"),
        ([1, 2], .list(.decimal), "[1, 2]"),
        (["a": 1, "b": "x"], .object(["a": .decimal, "c": .optional(.string)]), "{\"a\": 1, \"c\": null}"),
    ]

    @Test("conversions", arguments: conversionCases)
    func conversions(json: Value.JSON, type: ValueType, expected: String) throws {
        #expect(try Value(json: json, as: type).description == expected)
    }

    static let misfitCases: [(Value.JSON, ValueType, String, String)] = [
        (.string("12,50"), .decimal, "$", "expected a number of at most 30 digits, less than 10^32, such as 12.50"),
        (.number("1e33"), .decimal, "$", "expected a number of at most 30 digits, less than 10^32, such as 12.50"),
        (.number("1e1000"), .decimal, "$", "expected a number of at most 30 digits, less than 10^32, such as 12.50"),
        (.number("1e"), .decimal, "$", "expected a number of at most 30 digits, less than 10^32, such as 12.50"),
        (
            .number(String(repeating: "1", count: 40)), .decimal, "$",
            "expected a number of at most 30 digits, less than 10^32, such as 12.50"
        ),
        (true, .decimal, "$", "expected a number, found true or false"),
        (nil, .decimal, "$", "expected a number, found null"),
        (
            ["amount": "1.234", "currency": "USD"], .money, "$.amount",
            "USD amounts have at most 2 decimals and must fit in 64 bits"
        ),
        (
            ["amount": "1.00", "currency": "usd"], .money, "$.currency",
            "a currency is a three-letter ISO 4217 code such as USD"
        ),
        (["amount": "1.00"], .money, "$", "expected money as {\"amount\": \"249.00\", \"currency\": \"USD\"}"),
        (
            ["amount": "1.00", "currency": "USD", "x": 1], .money, "$",
            "expected money as {\"amount\": \"249.00\", \"currency\": \"USD\"}"
        ),
        (
            ["amount": true, "currency": "USD"], .money, "$",
            "expected money as {\"amount\": \"249.00\", \"currency\": \"USD\"}"
        ),
        ("249.00", .money, "$", "expected money, found a string"),
        ("2024-02-30", .date, "$", "expected an RFC 3339 date such as 2024-01-31"),
        ([1, true], .list(.decimal), "$[1]", "expected a number, found true or false"),
        (["a": ["b": 1]], .object(["a": .object(["b": .string])]), "$.a.b", "expected a string, found a number"),
        (["a": 1], .object(["a": .decimal, "b": .money]), "$.b", "expected money, found nothing"),
        (["a key": 1], .object(["a key": .string]), "$[\"a key\"]", "expected a string, found a number"),
    ]

    @Test("data that does not fit names the path", arguments: misfitCases)
    func misfits(json: Value.JSON, type: ValueType, path: String, detail: String) {
        let error = expressionError { _ = try Value(json: json, as: type) }
        #expect(error?.kind == .data)
        #expect(error?.code == "expression_data")
        #expect(error?.field == path)
        #expect(error?.detail == detail)
        #expect(error?.message == "\(path): \(detail)")
    }

    @Test func requiredRootsMustBePresent() throws {
        let types = TypeEnvironment(roots: ["a": .decimal, "b": .optional(.decimal)])
        let error = expressionError { _ = try Environment(json: ["b": 1], conformingTo: types) }
        #expect(error?.message == "a: expected a number, found nothing")
        #expect(try Environment(json: ["a": 1], conformingTo: types)["b"] == .null)
    }

    @Test func schemalessConversion() throws {
        let environment = try Environment(json: ["n": "12", "x": .number("1.50"), "l": [true, nil], "o": ["k": "v"]])
        #expect(environment["n"] == .string("12"))
        #expect(environment["x"] == .decimal(try Fixture.decimal("1.5")))
        #expect(environment["l"] == .list([.bool(true), .null]))
        #expect(environment["o"] == .object(["k": .string("v")]))
        #expect(throws: ExpressionError.self) { try Environment(json: ["bad": .number("NaN")]) }
    }

    @Test func computedValuesRoundTripThroughJSON() throws {
        let values: [(Value, ValueType)] = [
            (.decimal(try Fixture.decimal("-12.5")), .decimal),
            (.money(try Fixture.money("1.005", "KWD")), .money),
            (.string("x"), .string),
            (.bool(false), .bool),
            (.date(try #require(CalendarDate(year: 1, month: 1, day: 1))), .date),
            (.null, .optional(.money)),
            (.list([.decimal(1)]), .list(.decimal)),
            (.object(["m": .money(try Fixture.money("2.00"))]), .object(["m": .money])),
        ]
        for (value, type) in values {
            #expect(try Value(json: value.json, as: type) == value, "\(value)")
        }
        #expect(Value.money(try Fixture.money("2.50")).json == ["amount": "2.50", "currency": "USD"])
    }

    @Test func calendarDates() throws {
        #expect(CalendarDate(year: 1970, month: 1, day: 1)?.daysSinceEpoch == 0)
        #expect(CalendarDate(year: 2000, month: 3, day: 1)?.daysSinceEpoch == 11_017)
        #expect(CalendarDate(year: 1969, month: 12, day: 31)?.daysSinceEpoch == -1)
        #expect(CalendarDate(year: 1, month: 1, day: 1)?.daysSinceEpoch == -719_162)
        #expect(CalendarDate(year: 2024, month: 2, day: 29) != nil)
        #expect(CalendarDate(year: 2023, month: 2, day: 29) == nil)
        #expect(CalendarDate(year: 1900, month: 2, day: 29) == nil)
        #expect(CalendarDate(year: 2000, month: 2, day: 29) != nil)
        #expect(CalendarDate(year: 2024, month: 4, day: 31) == nil)
        #expect(CalendarDate(year: 0, month: 1, day: 1) == nil)
        #expect(CalendarDate(year: 2024, month: 13, day: 1) == nil)
        // Consecutive days across a century of month ends are one apart.
        var previous = try #require(CalendarDate(year: 1999, month: 12, day: 31)).daysSinceEpoch
        var gaps: [String] = []
        for year in 2000...2100 {
            for month in 1...12 {
                for day in 1...31 {
                    guard let date = CalendarDate(year: year, month: month, day: day) else { continue }
                    if date.daysSinceEpoch != previous + 1 { gaps.append(date.description) }
                    previous = date.daysSinceEpoch
                }
            }
        }
        #expect(gaps.isEmpty)
        // 2000-01-01 through 2100-12-31: 101 years, 25 of them leap (2100 is not).
        #expect(previous - 10_956 == 101 * 365 + 25)
        #expect(
            try #require(CalendarDate(year: 2024, month: 1, day: 2)) < #require(
                CalendarDate(year: 2024, month: 2, day: 1)))
        #expect(CalendarDate(year: 7, month: 3, day: 9)?.description == "0007-03-09")
    }

    @Test(
        "RFC 3339 text",
        arguments: [
            ("2024-01-31", "2024-01-31"),
            ("2024-01-31T10:00:00Z", "2024-01-31"),
            ("2024-01-31t10:00:00z", "2024-01-31"),
            ("2024-01-31T23:30:00-05:00", "2024-01-31"),
            ("2024-01-31T00:00:00.000001+14:00", "2024-01-31"),
            ("2016-12-31T23:59:60Z", "2016-12-31"),
        ])
    func rfc3339(text: String, date: String) {
        #expect(CalendarDate(rfc3339: text)?.description == date)
    }

    @Test(
        arguments: [
            "", "2024-1-31", "2024-01-32", "2024-02-30", "20240131", "2024-01-31T", "2024-01-31T10:00Z",
            "2024-01-31T24:00:00Z", "2024-01-31T10:60:00Z", "2024-01-31T10:00:61Z", "2024-01-31T10:00:00",
            "2024-01-31T10:00:00.Z", "2024-01-31T10:00:00+5:00", "2024-01-31T10:00:00+24:00", "2024-01-31 10:00:00Z",
            "2024-01-31T10:00:00Zjunk", "０２４-01-31", "-024-01-31",
            "2024-01-31T10:00:00+05:00" + String(repeating: "0", count: 30),
        ])
    func notRFC3339(text: String) {
        #expect(CalendarDate(rfc3339: text) == nil)
    }
}
