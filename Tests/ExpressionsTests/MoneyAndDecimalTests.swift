import Expressions
import Finance
import Foundation
import Testing

/// Numbers, integers and money side by side: what type-checks when a
/// template is published, and what the comparisons give when run data
/// arrives the way the engine stores it (decimal text, money objects).
@Suite("Money and decimals")
struct MoneyAndDecimalTests {
    /// The fixture's declared shape, plus `run`: data nobody declared, as a
    /// workflow's events and step results are.
    static func types() throws -> TypeEnvironment {
        var types = try Fixture.types()
        types = TypeEnvironment(roots: types.roots.merging(["run": .any]) { old, _ in old })
        return types
    }

    static let runData: Value.JSON = [
        "variance_pct": "2.50", "qty": "3", "count": 3, "code": "0042", "limit": "5000", "date": "2024-01-31",
        "total": ["amount": "5000.00", "currency": "USD"], "eur": ["amount": "10.00", "currency": "EUR"],
        "not_money": ["amount": "1.001", "currency": "USD"],
    ]

    static func environment() throws -> Environment {
        try Environment(runData: ["run": runData])
    }

    @Test(
        "comparisons and arithmetic of numbers, integers and money type-check",
        arguments: [
            ("1 < 2.5", ValueType.bool),
            ("2 == 2.00", .bool),
            ("3 * 1.5 >= 4", .bool),
            ("money(\"5000.00\", \"USD\")", .money),
            ("money(5000, \"USD\") + money(\"0.01\", \"USD\")", .money),
            ("money(\"1\", \"JPY\")", .money),
            ("invoice.total > money(\"5000.00\", \"USD\")", .bool),
            ("invoice.total.amount > 2.5", .bool),
            ("invoice.total.currency == \"USD\"", .bool),
            ("money(event.data.total, event.data.currency)", .money),
            ("money(\"10\", \"USD\") / money(\"4\", \"USD\")", .decimal),
            // A ratio of dollars has no currency: it may scale euros.
            ("money(\"10\", \"USD\") / money(\"4\", \"USD\") * money(\"1\", \"EUR\")", .money),
            ("max(money(\"1\", \"USD\"), invoice.total, 0)", .money),
            ("pct(money(\"1\", \"USD\"), money(\"4\", \"USD\")) > 2.5", .bool),
            ("run.variance_pct > 2.5", .bool),
            ("run.total > money(\"5000.00\", \"USD\")", .bool),
            ("run.total.amount", .any),
            ("run.qty + 1", .decimal),
            ("run.qty * money(\"1\", \"USD\")", .money),
            ("money(\"1\", \"USD\") / run.qty", .any),
            ("run.a ?? 1", .any),
            ("max(run.a, 2)", .decimal),
            ("max(run.a, 0)", .any),
            ("abs(run.a)", .any),
            ("len(run.lines) > 0 and contains(run.tags, \"eu\")", .bool),
        ])
    func wellTyped(source: String, type: ValueType) throws {
        #expect(try TemplateExpression.parse(source).check(against: Self.types()) == type)
    }

    @Test(
        "currencies written in the source must agree, and money literals must be money",
        arguments: [
            ("money(\"1\", \"USD\") + money(\"1\", \"EUR\")", 21, "cannot combine USD and EUR amounts"),
            ("money(\"1\", \"USD\") - money(\"1\", \"EUR\")", 21, "cannot combine USD and EUR amounts"),
            ("money(\"1\", \"USD\") > money(\"1\", \"EUR\")", 21, "cannot combine USD and EUR amounts"),
            ("money(\"1\", \"USD\") == money(\"1\", \"EUR\")", 22, "cannot combine USD and EUR amounts"),
            ("money(\"1\", \"USD\") / money(\"1\", \"EUR\")", 21, "cannot combine USD and EUR amounts"),
            ("run.total > money(\"1\", \"USD\") + money(\"1\", \"GBP\")", 33, "cannot combine USD and GBP amounts"),
            ("max(money(\"1\", \"USD\"), -money(\"2\", \"EUR\"))", 24, "cannot combine USD and EUR amounts"),
            ("pct(money(\"1\", \"USD\"), money(\"4\", \"EUR\"))", 24, "cannot combine USD and EUR amounts"),
            ("coalesce(run.a, money(\"1\", \"USD\"), money(\"1\", \"EUR\"))", 36, "cannot combine USD and EUR amounts"),
            ("abs(money(\"1\", \"USD\")) ?? money(\"1\", \"EUR\")", 27, "cannot combine USD and EUR amounts"),
            ("money(\"1\", \"usd\")", 12, "'usd' is not an ISO 4217 currency code"),
            ("money(\"1.234\", \"USD\")", 7, "USD amounts have at most 2 decimals and must fit in 64 bits"),
            ("money(\"1.5\", \"JPY\")", 7, "JPY amounts have at most 0 decimals and must fit in 64 bits"),
            ("money(\"12,50\", \"USD\")", 7, "expected an amount such as \"5000.00\""),
            ("money(true, \"USD\")", 7, "expected a number or a decimal string such as \"5000.00\", found true or false"),
            ("money(1, 840)", 10, "expected a currency code such as \"USD\", found a number"),
            ("money(\"1\", \"USD\") > 1", 21, "expected money, found a number"),
            ("invoice.total > 2.5", 17, "expected money, found a number"),
            ("2.5 < invoice.total", 7, "expected a number, found money"),
            ("run.a > \"x\"", 9, "expected a number, money or a date, found a string"),
            ("\"x\" < run.a", 1, "expected a number, money or a date, found a string"),
            ("run.a + \"x\"", 9, "expected a number or money, found a string"),
            ("run.a == tags", 10, "== compares numbers, money, strings, true or false, and dates; found a list"),
        ])
    func refused(source: String, column: Int, detail: String) throws {
        let error = expressionError { _ = try TemplateExpression.parse(source).check(against: Self.types()) }
        #expect(error?.kind == .type)
        #expect(error?.position?.column == column)
        #expect(error?.detail == detail)
    }

    @Test func moneyHasOnlyAnAmountAndACurrency() throws {
        let error = expressionError { _ = try TemplateExpression.parse("invoice.total.cents").check(against: Self.types()) }
        #expect(error?.kind == .unknownName)
        #expect(error?.detail == "'invoice.total' has no field 'cents'; its fields are amount, currency")
    }

    @Test(
        "run data compares as the numbers and money it stands for",
        arguments: [
            ("run.variance_pct > 2.5", false),
            ("run.variance_pct >= 2.5", true),
            ("run.variance_pct == 2.5", true),
            ("2.49 < run.variance_pct", true),
            ("run.qty == run.count", true),
            ("run.qty + 1 == 4", true),
            ("run.qty * 2 == 6.0", true),
            ("run.variance_pct < run.qty", true),
            ("run.total > money(\"4999.99\", \"USD\")", true),
            ("run.total == money(5000, \"USD\")", true),
            ("run.total <= money(\"5000\", \"USD\")", true),
            ("run.total - money(\"0.01\", \"USD\") < run.total", true),
            ("run.total > 0", true),
            ("run.total.amount >= run.limit", true),
            ("run.total.amount > run.limit", false),
            ("run.total.currency == \"USD\"", true),
            ("money(run.limit, \"USD\") == run.total", true),
            ("run.date < date(\"2024-02-01\")", true),
            ("run.date == date(\"2024-01-31T23:00:00-05:00\")", true),
            ("run.code == \"0042\"", true),
            ("run.code == \"42\"", false),
            ("max(run.variance_pct, 3) == 3", true),
            ("round(run.variance_pct, 0) == 2", true),
            ("pct(run.qty, 12) == 25", true),
            ("pct(run.total, money(\"20000\", \"USD\")) == 25", true),
            ("run.not_money.amount == \"1.001\"", true),
        ])
    func runData(source: String, expected: Bool) throws {
        let expression = try TemplateExpression.parse(source)
        _ = try expression.check(against: Self.types())
        #expect(try expression.evaluateCondition(in: Self.environment()) == expected)
    }

    @Test(
        "what only the data can tell fails when the expression runs",
        arguments: [
            ("run.total > run.eur", "cannot combine USD and EUR amounts"),
            ("run.total + run.eur > 0", "cannot combine USD and EUR amounts"),
            ("run.total > 5000", "expected money, found a number"),
            ("money(\"1\", run.code) > 0", "expected an ISO 4217 currency code such as USD"),
            ("money(run.variance_pct, \"JPY\") > 0", "JPY amounts have at most 0 decimals and must fit in 64 bits"),
            ("run.code > run.date", "expected a number, money or a date, found a string"),
        ])
    func runTimeFailures(source: String, detail: String) throws {
        let expression = try TemplateExpression.parse(source)
        _ = try expression.check(against: Self.types())
        let environment = try Self.environment()
        let error = expressionError { _ = try expression.evaluate(in: environment) }
        #expect(error?.kind == .evaluation)
        #expect(error?.detail == detail)
    }

    @Test func moneyObjectsInRunDataAreMoneyOnlyWhenTheyAreExactlyMoney() throws {
        let environment = try Self.environment()
        let run = try #require(environment["run"])
        guard case .object(let fields) = run else {
            Issue.record("run data is an object")
            return
        }
        #expect(fields["total"] == .money(try Fixture.money("5000.00")))
        #expect(fields["eur"] == .money(try Fixture.money("10.00", "EUR")))
        // Three decimals are not US dollars: the object stays an object.
        if case .object = fields["not_money"] {} else { Issue.record("expected an object, got \(String(describing: fields["not_money"]))") }
        #expect(fields["variance_pct"] == .string("2.50"))
        // The declared-shape conversion is unchanged: money objects stay objects there.
        #expect(try Environment(json: ["run": Self.runData])["run"].map { value -> Bool in
            if case .object(let fields) = value, case .object = fields["total"] { return true }
            return false
        } == true)
    }
}
