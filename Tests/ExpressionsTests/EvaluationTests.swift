import Expressions
import Finance
import Foundation
import Testing

@Suite("Evaluation")
struct EvaluationTests {
    @Test(
        "operators, functions and paths",
        arguments: [
            // Numbers are exact decimals.
            ("1 + 2", "3"),
            ("0.1 + 0.2", "0.3"),
            ("0.1 + 0.2 == 0.3", "true"),
            ("10 / 4", "2.5"),
            ("1 / 3", "0.3333333333333333333333333333"),
            ("2 / 3", "0.6666666666666666666666666667"),
            ("2 - 5", "-3"),
            ("2 * 3.5", "7"),
            ("-(2 - 5)", "3"),
            ("1 + 2 * 3", "7"),
            ("(1 + 2) * 3", "9"),
            ("8 / 4 / 2", "1"),
            ("1 - 2 - 3", "-4"),
            ("event.data.total * 2", "199.9"),
            // Money.
            ("invoice.total + invoice.total", "USD 2469.12"),
            ("invoice.total - invoice.total", "USD 0.00"),
            ("invoice.total * 0.125", "USD 154.32"),
            ("0.5 * invoice.total", "USD 617.28"),
            ("invoice.total / 3", "USD 411.52"),
            ("invoice.total / 7", "USD 176.37"),
            ("invoice.total / line.po_price", "8.2304"),
            ("-line.price_variance", "USD 3.00"),
            ("line.price_variance * -1", "USD 3.00"),
            // Comparisons.
            ("invoice.total > params.auto_approve_limit", "true"),
            ("invoice.total < 0", "false"),
            ("line.price_variance < 0", "true"),
            ("0 > line.price_variance", "true"),
            ("invoice.total == 0", "false"),
            ("invoice.total - invoice.total == 0", "true"),
            ("invoice.total != line.po_price", "true"),
            ("invoice.issued < invoice.due ?? invoice.issued", "true"),
            ("1 <= 1", "true"),
            ("1 >= 2", "false"),
            ("2 > 1", "true"),
            ("1 < 1", "false"),
            ("1 != 1", "false"),
            ("1.0 == 1", "true"),
            ("\"a\" == \"a\"", "true"),
            ("\"a\" != \"b\"", "true"),
            ("\"é\" == \"e\\u{301}\"", "true"),
            ("true == false", "false"),
            ("date(\"2024-01-31\") == invoice.issued", "true"),
            ("date(\"2024-01-31\") >= invoice.issued", "true"),
            ("invoice.discount == null", "true"),
            ("invoice.discount != null", "false"),
            ("null == null", "true"),
            ("invoice.total == null", "false"),
            ("invoice.discount == invoice.total", "false"),
            // Logic.
            ("true and false", "false"),
            ("true and true", "true"),
            ("false or true", "true"),
            ("false or false", "false"),
            ("not true", "false"),
            ("not invoice.is_duplicate", "true"),
            ("match.overall_variance > params.auto_approve_limit and not invoice.is_duplicate", "false"),
            ("event.data.currency == \"USD\"", "true"),
            // Null.
            ("invoice.discount", "null"),
            ("invoice.discount ?? invoice.total", "USD 1234.56"),
            ("invoice.total ?? line.po_price", "USD 1234.56"),
            ("vendor.name ?? \"unknown\"", "\"unknown\""),
            ("invoice.due ?? invoice.issued", "date(\"2024-03-01\")"),
            ("null ?? null ?? 3", "3"),
            // Paths.
            ("match.lines[1].qty", "2.5"),
            ("match.lines[0].sku", "\"A-1\""),
            ("match[\"lines\"][1][\"sku\"]", "\"B-2\""),
            ("match.lines[len(match.lines) - 1].qty", "2.5"),
            ("tags[0]", "\"urgent\""),
            // Functions.
            ("abs(-2.5)", "2.5"),
            ("abs(2.5)", "2.5"),
            ("abs(line.price_variance)", "USD 3.00"),
            ("abs(invoice.total)", "USD 1234.56"),
            ("min(3, 1, 2)", "1"),
            ("max(3, 1, 2)", "3"),
            ("max(1, 1)", "1"),
            ("max(line.price_variance, 0)", "USD 0.00"),
            ("min(line.price_variance, 0)", "USD -3.00"),
            ("max(invoice.total, 0)", "USD 1234.56"),
            ("max(0, line.price_variance, 0)", "USD 0.00"),
            ("max(0, 0)", "0"),
            ("min(invoice.issued, invoice.due ?? invoice.issued)", "date(\"2024-01-31\")"),
            ("max(invoice.issued, invoice.due ?? invoice.issued)", "date(\"2024-03-01\")"),
            ("round(2.345, 2)", "2.34"),
            ("round(2.355, 2)", "2.36"),
            ("round(2.5, 0)", "2"),
            ("round(3.5, 0)", "4"),
            ("round(-2.5, 0)", "-2"),
            ("round(1.2, 5)", "1.2"),
            ("round(invoice.total, 0)", "USD 1235.00"),
            ("round(invoice.total, 1)", "USD 1234.60"),
            ("round(invoice.total, 5)", "USD 1234.56"),
            ("pct(1, 8)", "12.5"),
            ("pct(1, 3)", "33.3333333333333333333333333333"),
            ("pct(line.price_variance, line.po_price)", "-2"),
            ("pct(abs(line.price_variance), line.po_price) <= 2", "true"),
            ("len(match.lines)", "2"),
            ("len(tags)", "2"),
            ("len(\"héllo\")", "5"),
            ("len(\"\")", "0"),
            ("contains(tags, \"eu\")", "true"),
            ("contains(tags, \"us\")", "false"),
            ("contains(\"invoice 42\", \"42\")", "true"),
            ("contains(\"invoice 42\", \"43\")", "false"),
            ("contains(\"abc\", \"\")", "true"),
            ("days_between(invoice.issued, invoice.due ?? invoice.issued)", "30"),
            ("days_between(date(\"2024-03-01\"), invoice.issued)", "-30"),
            ("days_between(date(\"1999-12-31\"), date(\"2000-01-01T00:00:00Z\"))", "1"),
            ("days_between(date(\"2023-01-01\"), date(\"2024-01-01\"))", "365"),
            ("days_between(date(\"2024-01-01\"), date(\"2025-01-01\"))", "366"),
            ("date(\"2024-01-31T23:30:00-05:00\")", "date(\"2024-01-31\")"),
            ("coalesce(invoice.discount, invoice.total)", "USD 1234.56"),
            ("coalesce(invoice.discount, null)", "null"),
            ("coalesce(3)", "3"),
        ])
    func values(source: String, expected: String) throws {
        #expect(try run(source).description == expected)
    }

    @Test func moneyRoundsHalfEvenToTheCurrency() throws {
        let environment = Environment([
            "quarter": .money(try Fixture.money("0.25")),
            "cents": .money(try Fixture.money("0.15")),
            "yen5": .money(try Fixture.money("5", "JPY")),
            "yen7": .money(try Fixture.money("7", "JPY")),
            "dinar": .money(try Fixture.money("1.000", "KWD")),
        ])
        let cases = [
            ("quarter * 0.5", "USD 0.12"),  // 0.125 → 0.12: ties go to the even cent
            ("quarter * 0.3", "USD 0.08"),  // 0.075 → 0.08
            ("quarter / 2", "USD 0.12"),
            ("cents / 2", "USD 0.08"),  // 0.075 → 0.08
            ("quarter / 0.5", "USD 0.50"),
            ("yen5 / 2", "JPY 2"),  // 2.5 → 2
            ("yen7 / 2", "JPY 4"),  // 3.5 → 4
            ("dinar / 3", "KWD 0.333"),
            ("dinar / 8", "KWD 0.125"),
            ("round(dinar / 8, 2)", "KWD 0.120"),
            ("quarter / quarter", "1"),
        ]
        for (source, expected) in cases {
            #expect(try TemplateExpression.parse(source).evaluate(in: environment).description == expected, "\(source)")
        }
    }

    @Test(
        "currencies must match",
        arguments: [
            ("usd + eur", 5), ("usd - eur", 5), ("usd / eur", 5), ("usd == eur", 5), ("usd != eur", 5),
            ("usd < eur", 5), ("max(usd, eur)", 1), ("min(eur, usd)", 1), ("pct(usd, eur)", 1),
            ("contains(amounts, eur)", 1),
        ])
    func currencyMismatch(source: String, column: Int) throws {
        let environment = Environment([
            "usd": .money(try Fixture.money("1.00")), "eur": .money(try Fixture.money("1.00", "EUR")),
            "amounts": .list([.money(try Fixture.money("1.00"))]),
        ])
        let types = TypeEnvironment(roots: ["usd": .money, "eur": .money, "amounts": .list(.money)])
        let expression = try TemplateExpression.parse(source)
        // Statically both are money; only the run knows the currencies.
        _ = try expression.check(against: types)
        let error = expressionError { _ = try expression.evaluate(in: environment) }
        #expect(error?.kind == .evaluation)
        #expect(error?.code == "expression_evaluation")
        #expect(error?.underlyingCode == "currency_mismatch")
        #expect(error?.position?.column == column)
        #expect(error?.detail.contains("USD") == true && error?.detail.contains("EUR") == true)
    }

    @Test(
        "division by zero",
        arguments: [
            ("1 / 0", 3), ("1 / (2 - 2)", 3), ("invoice.total / 0", 15),
            ("invoice.total / (invoice.total - invoice.total)", 15), ("pct(1, 0)", 8),
            ("pct(invoice.total, invoice.total - invoice.total)", 20),
        ])
    func divisionByZero(source: String, column: Int) throws {
        let error = expressionError { _ = try run(source) }
        #expect(error?.kind == .evaluation)
        #expect(error?.position?.column == column)
        #expect(error?.detail.hasPrefix("division by zero") == true)
    }

    @Test func overflowIsAnErrorNotATrap() throws {
        let big = String(repeating: "9", count: 30)
        for source in ["\(big) * \(big)", "\(big) * 1000", "\(big) / 0.0000000000000000000000000001", "-\(big) * 1000"]
        {
            let error = expressionError { _ = try run(source) }
            #expect(error?.kind == .evaluation, "\(source)")
            #expect(error?.detail == "a number is out of range: results must stay below 10^32", "\(source)")
        }
        // Tiny products would trap in Foundation's Decimal; here they round to zero.
        let tiny = "0." + String(repeating: "0", count: 27) + "1"
        #expect(try run("\(tiny) * \(tiny) * \(tiny) * \(tiny) * \(tiny)").description == "0")
        let largest = Environment(["m": .money(Money(minorUnits: .max, currency: try Currency("USD")))])
        for source in ["m + m", "m * 2", "-m - m", "m / 0.5"] {
            let error = expressionError { _ = try TemplateExpression.parse(source).evaluate(in: largest) }
            #expect(error?.kind == .evaluation, "\(source)")
            #expect(error?.underlyingCode == "amount_overflow", "\(source)")
        }
        let smallest = Environment(["m": .money(Money(minorUnits: .min, currency: try Currency("USD")))])
        for source in ["-m", "abs(m)"] {
            let error = expressionError { _ = try TemplateExpression.parse(source).evaluate(in: smallest) }
            #expect(error?.underlyingCode == "amount_overflow", "\(source)")
        }
    }

    @Test func decimalsFromOutsideAreBroughtIntoRange() throws {
        let huge = Decimal(sign: .plus, exponent: 100, significand: 1)
        let tiny = Decimal(sign: .plus, exponent: -120, significand: 1)
        let environment = Environment(["huge": .decimal(huge), "tiny": .decimal(tiny), "nan": .decimal(.nan)])
        #expect(throws: ExpressionError.self) { try TemplateExpression.parse("huge + 1").evaluate(in: environment) }
        #expect(throws: ExpressionError.self) { try TemplateExpression.parse("nan + 1").evaluate(in: environment) }
        #expect(throws: ExpressionError.self) { try TemplateExpression.parse("nan < 1").evaluate(in: environment) }
        #expect(throws: ExpressionError.self) { try TemplateExpression.parse("nan == nan").evaluate(in: environment) }
        #expect(try TemplateExpression.parse("tiny * tiny").evaluate(in: environment) == .decimal(0))
        #expect(try TemplateExpression.parse("tiny == 0").evaluate(in: environment) == .bool(true))
    }

    @Test(
        "and, or, ?? and coalesce do not evaluate a right side they do not need",
        arguments: [
            ("false and 1 / 0 == 1", "false"),
            ("true or 1 / 0 == 1", "true"),
            ("invoice.is_duplicate and match.lines[9].qty > 1", "false"),
            ("len(match.lines) > 5 and match.lines[5].qty > 1", "false"),
            ("invoice.total ?? invoice.total / 0", "USD 1234.56"),
            ("coalesce(1, 1 / 0)", "1"),
            ("coalesce(invoice.discount, invoice.total, invoice.total / 0)", "USD 1234.56"),
        ])
    func shortCircuit(source: String, expected: String) throws {
        #expect(try run(source).description == expected)
    }

    @Test(arguments: [
        "true and 1 / 0 == 1", "false or 1 / 0 == 1", "invoice.discount ?? invoice.total / 0", "coalesce(null, 1 / 0)",
    ])
    func theRightSideIsEvaluatedWhenNeeded(source: String) {
        let error = expressionError { _ = try run(source) }
        #expect(error?.detail == "division by zero")
    }

    @Test func indexesMustBeInRangeAndWhole() throws {
        let outside = expressionError { _ = try run("match.lines[5].qty") }
        #expect(outside?.message == "line 1, column 13: index 5 is outside a list of 2 items; the first is [0]")
        let negative = expressionError { _ = try run("match.lines[-1].qty") }
        #expect(negative?.detail == "index -1 is outside a list of 2 items; the first is [0]")
        let fraction = expressionError { _ = try run("match.lines[0.5].qty") }
        #expect(fraction?.detail == "expected a whole number (a list index), found a number that is not whole")
        let huge = expressionError { _ = try run("match.lines[99999999999999999999].qty") }
        #expect(huge?.kind == .evaluation)
    }

    @Test func roundPlacesAreCheckedAtRunTimeToo() throws {
        let environment = Environment(["places": .decimal(21), "half": .decimal(Decimal(string: "0.5") ?? 0)])
        for source in ["round(1, places)", "round(1, -1 * places)", "round(1, half)"] {
            let error = expressionError { _ = try TemplateExpression.parse(source).evaluate(in: environment) }
            #expect(error?.kind == .evaluation, "\(source)")
        }
    }

    @Test func absentFieldsReadAsNullAbsentRootsAreErrors() throws {
        let environment = Environment(["o": .object([:]), "n": .null])
        #expect(try TemplateExpression.parse("o.missing == null").evaluate(in: environment) == .bool(true))
        #expect(try TemplateExpression.parse("n.a.b[3] ?? 1").evaluate(in: environment) == .decimal(1))
        let root = expressionError { _ = try TemplateExpression.parse("1 + nope").evaluate(in: environment) }
        #expect(root?.kind == .unknownName)
        #expect(root?.message == "line 1, column 5: unknown name 'nope'")
    }

    @Test(
        "unchecked expressions fail with typed errors at run time",
        arguments: [
            ("1 + \"a\"", 5, "+ cannot combine a number with a string"),
            ("\"a\" + 1", 1, "expected a number or money, found a string"),
            ("m * m", 5, "* cannot combine money with money"),
            ("1 / m", 5, "/ cannot combine a number with money"),
            ("x.y", 3, "expected an object with the field 'y', found a number"),
            ("x[0]", 1, "expected a list, found a number"),
            ("x and true", 1, "expected true or false, found a number"),
            ("true and x", 10, "expected true or false, found a number"),
            ("not x", 5, "expected true or false, found a number"),
            ("-s", 2, "expected a number or money, found a string"),
            ("s < 1", 1, "expected a number, money or a date, found a string"),
            ("x < s", 5, "expected a number, found a string"),
            ("m < 1", 5, "expected money, found a number"),
            ("m == 1", 3, "money can be compared only with money or 0"),
            ("s == x", 3, "cannot compare a string with a number"),
            ("l == l", 3, "cannot compare a list with a list"),
            ("abs(s)", 1, "abs(number or money) cannot take a string"),
            ("max(s, s)", 5, "expected a number, money or a date, found a string"),
            ("len(x)", 1, "len(list or string) cannot take a number"),
            ("days_between(s, s)", 14, "expected an RFC 3339 date such as 2024-01-31"),
            ("date(x)", 6, "expected a date, found a number"),
        ])
    func uncheckedRunTimeErrors(source: String, column: Int, detail: String) throws {
        let environment = Environment([
            "x": .decimal(1), "s": .string("text"), "m": .money(try Fixture.money("1.00")), "l": .list([]),
        ])
        let error = expressionError { _ = try TemplateExpression.parse(source).evaluate(in: environment) }
        #expect(error?.kind == .evaluation)
        #expect(error?.position?.column == column)
        #expect(error?.detail == detail)
    }

    @Test func datesFromUncheckedDataMayBeStrings() throws {
        let environment = Environment(["a": .string("2024-02-28"), "b": .string("2024-03-01T08:00:00+09:00")])
        #expect(try TemplateExpression.parse("days_between(a, b)").evaluate(in: environment) == .decimal(2))
    }

    @Test func conditions() throws {
        let environment = try Fixture.environment()
        #expect(try TemplateExpression.parse("invoice.total > 0").evaluateCondition(in: environment))
        let error = expressionError {
            _ = try TemplateExpression.parse("invoice.total").evaluateCondition(in: environment)
        }
        #expect(error?.message == "line 1, column 1: a condition must give true or false, but this gave money")
    }

    @Test func messagesNeverShowDataValues() throws {
        let environment = Environment(["secret": .string("hunter2-confidential"), "n": .decimal(7)])
        for source in ["secret + 1", "date(secret)", "days_between(secret, secret)", "secret == n", "n[0]"] {
            let error = expressionError { _ = try TemplateExpression.parse(source).evaluate(in: environment) }
            #expect(error?.message.contains("hunter2") == false, "\(source)")
        }
        let amounts = Environment([
            "m": .money(Money(minorUnits: 9_000_000_000_000_000_123, currency: try Currency("USD")))
        ])
        for source in ["m + m", "m * 2", "m / 0.5", "round(m * 1.5, 0)"] {
            let error = expressionError { _ = try TemplateExpression.parse(source).evaluate(in: amounts) }
            #expect(error?.message.contains("123") == false, "\(source)")
            #expect(error?.detail == "an amount is out of range: money must fit in 64-bit minor units", "\(source)")
        }
    }

    @Test func stepsAreLimited() throws {
        let tight = TemplateExpression.Configuration(maximumSteps: 10)
        let sum = "1" + String(repeating: " + 1", count: 5)  // 11 nodes
        let error = expressionError {
            _ = try TemplateExpression.parse(sum, configuration: tight).evaluate(in: Environment())
        }
        #expect(error?.kind == .limit)
        #expect(error?.detail == "the expression took more than 10 steps; it reads too much data")
        let fits = "1" + String(repeating: " + 1", count: 4)  // 9 nodes
        #expect(try TemplateExpression.parse(fits, configuration: tight).evaluate(in: Environment()) == .decimal(5))

        // Searching a long list costs a step per item.
        let many = Environment(["items": .list(Array(repeating: .decimal(1), count: 20_000))])
        let search = expressionError { _ = try TemplateExpression.parse("contains(items, 2)").evaluate(in: many) }
        #expect(search?.kind == .limit)
        #expect(try TemplateExpression.parse("contains(items, 1)").evaluate(in: many) == .bool(true))
        #expect(try TemplateExpression.parse("len(items)").evaluate(in: many) == .decimal(20_000))

        // Scanning a long string costs a step per 64 bytes.
        let long = Environment(["text": .string(String(repeating: "a", count: 1_000_000))])
        for source in ["len(text)", "contains(text, \"b\")", "text == text"] {
            let scan = expressionError { _ = try TemplateExpression.parse(source).evaluate(in: long) }
            #expect(scan?.kind == .limit, "\(source)")
        }
    }

    @Test func evaluationIsSafeToShareAcrossTasks() async throws {
        let expression = try TemplateExpression.parse("pct(abs(line.price_variance), line.po_price) <= 2")
        let environment = try Fixture.environment()
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<16 { group.addTask { try expression.evaluateCondition(in: environment) } }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == Array(repeating: true, count: 16))
    }
}
