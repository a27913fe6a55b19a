import Expressions
import Foundation
import Testing

@Suite("Parsing")
struct ParsingTests {
    @Test(
        "precedence and associativity",
        arguments: [
            ("1 + 2 * 3", "(1 + (2 * 3))"),
            ("1 * 2 + 3", "((1 * 2) + 3)"),
            ("1 - 2 - 3", "((1 - 2) - 3)"),
            ("8 / 4 / 2", "((8 / 4) / 2)"),
            ("8 / 4 * 2", "((8 / 4) * 2)"),
            ("(1 + 2) * 3", "((1 + 2) * 3)"),
            ("-a * b", "((-a) * b)"),
            ("-2 * 3", "((-2) * 3)"),
            ("- -1", "(-(-1))"),
            ("a - -b", "(a - (-b))"),
            ("a ?? b ?? c", "(a ?? (b ?? c))"),
            ("a ?? 0 + 1", "(a ?? (0 + 1))"),
            ("a + b ?? c", "((a + b) ?? c)"),
            ("a ?? 0 > 5", "((a ?? 0) > 5)"),
            ("a < b and c >= d or e", "(((a < b) and (c >= d)) or e)"),
            ("a or b and c", "(a or (b and c))"),
            ("a or b or c", "((a or b) or c)"),
            ("a and b and c", "((a and b) and c)"),
            ("not a and b", "((not a) and b)"),
            ("not a == b", "(not (a == b))"),
            ("not not a", "(not (not a))"),
            ("a != b", "(a != b)"),
            ("a <= -1", "(a <= (-1))"),
            ("a.b.c[0].d", "a.b.c[0].d"),
            ("lines[len(lines) - 1].qty", "lines[(len(lines) - 1)].qty"),
            ("x[\"a key\"].y", "x[\"a key\"].y"),
            ("flags.not", "flags[\"not\"]"),
            ("max(a, b + 1, 0)", "max(a, (b + 1), 0)"),
            ("coalesce(a)", "coalesce(a)"),
            (
                "match.overall_variance > params.auto_approve_limit and not invoice.is_duplicate",
                "((match.overall_variance > params.auto_approve_limit) and (not invoice.is_duplicate))"
            ),
            (
                "pct(abs(line.price_variance), line.po_price) <= 2",
                "(pct(abs(line.price_variance), line.po_price) <= 2)"
            ),
        ])
    func grouping(source: String, expected: String) throws {
        let expression = try TemplateExpression.parse(source)
        #expect(expression.parenthesized == expected)
        #expect(expression.source == source)
        // The parenthesised form means the same thing.
        #expect(try TemplateExpression.parse(expected).parenthesized == expected)
    }

    @Test func literals() throws {
        #expect(try TemplateExpression.parse("007").evaluate(in: Environment()) == .decimal(7))
        #expect(try TemplateExpression.parse("1.50").evaluate(in: Environment()) == .decimal(Fixture.decimal("1.5")))
        #expect(try TemplateExpression.parse("true").evaluate(in: Environment()) == .bool(true))
        #expect(try TemplateExpression.parse("false").evaluate(in: Environment()) == .bool(false))
        #expect(try TemplateExpression.parse("null").evaluate(in: Environment()) == .null)
        let digits30 = String(repeating: "9", count: 30)
        #expect(
            try TemplateExpression.parse(digits30).evaluate(in: Environment()) == .decimal(Fixture.decimal(digits30)))
    }

    @Test func stringEscapes() throws {
        let source = #""a\"b\\c\n\t\r\u{E9}\u{1F600} é""#
        #expect(try TemplateExpression.parse(source).evaluate(in: Environment()) == .string("a\"b\\c\n\t\ré😀 é"))
        #expect(try TemplateExpression.parse(#""""#).evaluate(in: Environment()) == .string(""))
        // The parenthesised form escapes what it must, so it reads back the same.
        let tricky = TemplateExpression.Configuration()
        let expression = try TemplateExpression.parse(#""q\"\\\n\u{7}""#, configuration: tricky)
        #expect(
            try TemplateExpression.parse(expression.parenthesized).evaluate(in: Environment())
                == .string("q\"\\\n\u{7}"))
    }

    @Test(
        "syntax errors name the position",
        arguments: [
            ("", 1, 1, "the expression is empty"),
            ("   ", 1, 4, "the expression is empty"),
            ("1 +", 1, 4, "expected a value, found the end of the expression"),
            ("(1 + 2", 1, 7, "expected ')' to close the '(' at line 1, column 1, found the end of the expression"),
            ("a = 1", 1, 3, "use == to compare two values"),
            ("a && b", 1, 3, "use and instead of &"),
            ("a || b", 1, 3, "use or instead of |"),
            ("!a", 1, 1, "use not instead of !"),
            ("a ? b", 1, 3, "expected ?? (a default for null)"),
            ("a b", 1, 3, "expected an operator or the end of the expression, found 'b'"),
            ("1 < 2 < 3", 1, 7, "comparisons cannot be chained; join them with and, as in a < b and b < c"),
            ("a == b != c", 1, 8, "comparisons cannot be chained; join them with and, as in a < b and b < c"),
            ("a.", 1, 3, "expected a field name after '.', found the end of the expression"),
            ("a.1", 1, 3, "expected a field name after '.', found '1'"),
            ("lines[0", 1, 8, "expected ']' to close the '[' at line 1, column 6, found the end of the expression"),
            ("\"abc", 1, 1, "this string has no closing double quote on its line"),
            ("\"ab\nc\"", 1, 1, "this string has no closing double quote on its line"),
            (#""a\qb""#, 1, 3, #"unknown escape in a string; use \" \\ \n \t \r or \u{…}"#),
            (#""\u{110000}""#, 1, 2, #"\u needs one to six hex digits in braces naming a character, as in \u{E9}"#),
            (#""\u{}""#, 1, 2, #"\u needs one to six hex digits in braces naming a character, as in \u{E9}"#),
            (#""\u{D800}""#, 1, 2, #"\u needs one to six hex digits in braces naming a character, as in \u{E9}"#),
            ("12abc", 1, 3, "a number cannot run into a name; put a space or an operator between them"),
            (String(repeating: "1", count: 31), 1, 1, "a number has at most 30 digits"),
            (".5", 1, 1, "expected a value, found '.'"),
            ("'x'", 1, 1, "strings are written in double quotes"),
            ("a # b", 1, 3, "unexpected character '#'"),
            ("\"ééé\" + é", 1, 9, "unexpected character 'é'"),
            ("a\n  + \n  )", 3, 3, "expected a value, found ')'"),
            ("abs(1,)", 1, 7, "expected a value, found ')'"),
            ("abs(1 2)", 1, 7, "expected ',' or ')' in the arguments of abs, found '2'"),
            ("round(1)", 1, 1, "round takes 2 arguments, found 1: round(number or money, places)"),
            ("abs()", 1, 1, "abs takes 1 argument, found 0: abs(number or money)"),
            ("min(1)", 1, 1, "min takes at least 2 arguments, found 1: min(a, b, …)"),
            ("(a)(b)", 1, 4, "expected an operator or the end of the expression, found '('"),
            ("a and", 1, 6, "expected a value, found the end of the expression"),
            ("not", 1, 4, "expected a value, found the end of the expression"),
            ("a[]", 1, 3, "expected a value, found ']'"),
            ("1 + not b", 1, 5, "expected a value, found 'not'; write (not …) in parentheses here"),
            ("a == not b", 1, 6, "expected a value, found 'not'; write (not …) in parentheses here"),
            ("-not b", 1, 2, "expected a value, found 'not'; write (not …) in parentheses here"),
        ])
    func syntaxErrors(source: String, line: Int, column: Int, detail: String) {
        let error = expressionError { _ = try TemplateExpression.parse(source) }
        #expect(error?.kind == .syntax)
        #expect(error?.code == "expression_syntax")
        #expect(error?.position?.line == line)
        #expect(error?.position?.column == column)
        #expect(error?.detail == detail)
        #expect(error?.message == "line \(line), column \(column): \(detail)")
    }

    @Test func positionsCountBytesForOffsetsAndCharactersForColumns() {
        let error = expressionError { _ = try TemplateExpression.parse("\"ééé\" + é") }
        #expect(error?.position == SourcePosition(offset: 11, line: 1, column: 9))
        let multiline = expressionError { _ = try TemplateExpression.parse("a\n  + \n  )") }
        #expect(multiline?.position == SourcePosition(offset: 9, line: 3, column: 3))
        let crlf = expressionError { _ = try TemplateExpression.parse("a +\r\n  )") }
        #expect(crlf?.position == SourcePosition(offset: 7, line: 2, column: 3))
    }

    @Test(
        "unknown functions are refused when parsing",
        arguments: [
            ("maxx(1, 2)", "unknown function 'maxx'; did you mean max?"),
            ("days_betwen(a, b)", "unknown function 'days_betwen'; did you mean days_between?"),
            (
                "sqrt(2)",
                "unknown function 'sqrt'; the functions are abs, coalesce, contains, date, days_between, len, max, min,"
                    + " money, pct, round"
            ),
        ])
    func unknownFunctions(source: String, detail: String) {
        let error = expressionError { _ = try TemplateExpression.parse(source) }
        #expect(error?.kind == .unknownName)
        #expect(error?.code == "expression_unknown_name")
        #expect(error?.position == SourcePosition(offset: 0, line: 1, column: 1))
        #expect(error?.detail == detail)
    }

    @Test func sourceLengthIsLimited() throws {
        let longest = String(repeating: " ", count: 4095) + "1"
        #expect(try TemplateExpression.parse(longest).evaluate(in: Environment()) == .decimal(1))
        let error = expressionError { _ = try TemplateExpression.parse(longest + " ") }
        #expect(error?.kind == .limit)
        #expect(error?.code == "expression_limit")
        #expect(error?.position == nil)
        #expect(error?.message == "the expression is 4097 bytes long; at most 4096 are allowed")
        // Bytes, not characters: 2000 two-byte characters are 4000 bytes plus quotes.
        #expect(throws: ExpressionError.self) {
            try TemplateExpression.parse("\"" + String(repeating: "é", count: 2100) + "\"")
        }
    }

    @Test(
        "nesting is limited before it can exhaust the stack",
        arguments: [
            String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100),
            String(repeating: "(", count: 2000),
            String(repeating: "-", count: 100) + "1",
            String(repeating: "not ", count: 100) + "true",
            "1" + String(repeating: " + 1", count: 100),
            "a" + String(repeating: ".b", count: 100),
            "a" + String(repeating: "[0]", count: 100),
            String(repeating: "a ?? ", count: 100) + "b",
            String(repeating: "abs(", count: 100) + "1" + String(repeating: ")", count: 100),
            String(repeating: "a[", count: 100) + "0" + String(repeating: "]", count: 100),
        ])
    func deepNesting(source: String) {
        let error = expressionError { _ = try TemplateExpression.parse(source) }
        #expect(error?.kind == .limit)
        #expect(error?.detail == "the expression is nested more than 64 levels deep; split it into simpler parts")
        #expect(error?.position != nil)
    }

    @Test func nestingWithinTheLimitParses() throws {
        let parens = String(repeating: "(", count: 60) + "1" + String(repeating: ")", count: 60)
        #expect(try TemplateExpression.parse(parens).evaluate(in: Environment()) == .decimal(1))
        let sum = "1" + String(repeating: " + 1", count: 60)
        #expect(try TemplateExpression.parse(sum).evaluate(in: Environment()) == .decimal(61))
    }

    /// The depth limit is what bounds recursion: the deepest trees it allows
    /// parse, check and evaluate on a 512 KiB stack even unoptimised, half of
    /// what Platform's dedicated threads get.
    @Test func theDeepestAllowedExpressionsFitASmallStack() async throws {
        let types = TypeEnvironment(roots: ["a": .list(.decimal), "b": .bool])
        let environment = Environment(["a": .list([.decimal(0)]), "b": .bool(true)])
        let sources = [
            String(repeating: "(", count: 63) + "1" + String(repeating: ")", count: 63),
            String(repeating: "abs(", count: 62) + "1" + String(repeating: ")", count: 62),
            String(repeating: "-", count: 62) + "1",
            String(repeating: "not ", count: 62) + "b",
            String(repeating: "a[", count: 31) + "0" + String(repeating: "]", count: 31),
            "1" + String(repeating: " + 1", count: 62),
            String(repeating: "1 ?? ", count: 62) + "1",
            String(repeating: "(1 + ", count: 31) + "1" + String(repeating: ")", count: 31),
        ]
        let outcomes = await withCheckedContinuation { (continuation: CheckedContinuation<[String], Never>) in
            let thread = Thread {
                var outcomes: [String] = []
                for source in sources {
                    do {
                        let expression = try TemplateExpression.parse(source)
                        _ = try expression.check(against: types)
                        outcomes.append(try expression.evaluate(in: environment).description)
                    } catch {
                        outcomes.append("\(error)")
                    }
                }
                continuation.resume(returning: outcomes)
            }
            thread.stackSize = 512 * 1024
            thread.start()
        }
        #expect(outcomes == ["1", "1", "1", "true", "0", "63", "1", "32"])
    }

    @Test func depthIsConfigurable() throws {
        let shallow = TemplateExpression.Configuration(maximumDepth: 3)
        #expect(
            try TemplateExpression.parse("1 + 2 + 3", configuration: shallow).evaluate(in: Environment()) == .decimal(6)
        )
        #expect(throws: ExpressionError.self) { try TemplateExpression.parse("1 + 2 + 3 + 4", configuration: shallow) }
        #expect(throws: ExpressionError.self) { try TemplateExpression.parse("(((1)))", configuration: shallow) }
        let short = TemplateExpression.Configuration(maximumSourceBytes: 5)
        #expect(throws: ExpressionError.self) { try TemplateExpression.parse("1 + 23", configuration: short) }
    }

    @Test func errorsAreCodedErrors() {
        let error = expressionError { _ = try TemplateExpression.parse("1 +") }
        #expect(error?.httpStatus == 422)
        #expect(
            error?.description
                == "expression_syntax: line 1, column 4: expected a value, found the end of the expression")
        #expect(error?.debugDescription.contains("[at Expressions/") == true)
    }

    /// The roots an expression reads, which callers convert data for: every place a name can sit.
    @Test(arguments: [
        ("steps.match.outcome == \"matched\"", ["steps"]),
        ("max(trigger.data.total, documents.receipts[vars.i].total) > params.limit", ["trigger", "documents", "vars", "params"]),
        ("not (a or -b[c])", ["a", "b", "c"]),
        ("len(\"text\") + 1", []),
        ("x ?? y.z", ["x", "y"]),
    ])
    func rootNamesAreEveryNameRead(source: String, names: [String]) throws {
        #expect(try TemplateExpression.parse(source).rootNames == Set(names))
    }
}
