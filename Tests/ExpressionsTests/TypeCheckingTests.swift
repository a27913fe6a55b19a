import Expressions
import Testing

@Suite("Type checking")
struct TypeCheckingTests {
    let types: TypeEnvironment

    init() throws {
        types = try Fixture.types()
    }

    @Test(
        "well-typed expressions and their types",
        arguments: [
            ("1 + 2", ValueType.decimal),
            ("-1", .decimal),
            ("\"a\"", .string),
            ("null", .null),
            ("invoice.total + invoice.total", .money),
            ("invoice.total - line.po_price", .money),
            ("-invoice.total", .money),
            ("invoice.total * 2", .money),
            ("2 * invoice.total", .money),
            ("invoice.total / 3", .money),
            ("invoice.total / line.po_price", .decimal),
            ("invoice.total > 0", .bool),
            ("0 < invoice.total", .bool),
            ("invoice.total == 0", .bool),
            ("invoice.total != -0", .bool),
            ("invoice.total >= params.auto_approve_limit", .bool),
            ("invoice.issued < date(\"2024-02-01\")", .bool),
            ("event.data.currency == \"USD\"", .bool),
            ("invoice.is_duplicate == false", .bool),
            ("invoice.discount", .optional(.money)),
            ("invoice.discount == null", .bool),
            ("null == invoice.discount", .bool),
            ("invoice.discount == invoice.total", .bool),
            ("tags == null", .bool),
            ("invoice.discount ?? invoice.total", .money),
            ("invoice.discount ?? null", .optional(.money)),
            ("null ?? 1", .decimal),
            ("invoice.due ?? invoice.issued", .date),
            ("invoice.total ?? invoice.total", .money),
            ("coalesce(invoice.discount, invoice.total)", .money),
            ("coalesce(invoice.discount, invoice.discount)", .optional(.money)),
            ("coalesce(null)", .null),
            ("vendor", .optional(.object(["name": .string]))),
            ("vendor.name", .optional(.string)),
            ("vendor.name ?? \"unknown\"", .string),
            ("match.lines", .list(.object(["qty": .decimal, "sku": .string]))),
            ("match.lines[0].qty", .decimal),
            ("match.lines[len(match.lines) - 1].sku", .string),
            ("match[\"lines\"][1][\"qty\"]", .decimal),
            ("abs(-2)", .decimal),
            ("abs(line.price_variance)", .money),
            ("min(1, 2, 3)", .decimal),
            ("max(invoice.total, 0)", .money),
            ("max(0, invoice.total, line.po_price)", .money),
            ("max(0, 0)", .decimal),
            ("min(invoice.issued, invoice.due ?? invoice.issued)", .date),
            ("round(1.25, 1)", .decimal),
            ("round(invoice.total, 0)", .money),
            ("pct(1, 3)", .decimal),
            ("pct(abs(line.price_variance), line.po_price)", .decimal),
            ("len(match.lines)", .decimal),
            ("len(\"abc\")", .decimal),
            ("contains(tags, \"eu\")", .bool),
            ("contains(event.data.currency, \"US\")", .bool),
            ("days_between(invoice.issued, invoice.due ?? invoice.issued)", .decimal),
            ("date(\"2024-01-31T10:00:00Z\")", .date),
            ("match.overall_variance > params.auto_approve_limit and not invoice.is_duplicate", .bool),
            ("pct(abs(line.price_variance), line.po_price) <= 2", .bool),
        ])
    func wellTyped(source: String, type: ValueType) throws {
        #expect(try TemplateExpression.parse(source).check(against: types) == type)
    }

    @Test(
        "type errors point at the operand at fault",
        arguments: [
            ("event.data.total + invoice.total", 20, "expected a number, found money"),
            ("params.auto_approve_limit + 1", 29, "expected money, found a number"),
            ("1 - invoice.total", 5, "expected a number, found money"),
            ("invoice.total * invoice.total", 17, "expected a number (money is multiplied by a number), found money"),
            ("2 * \"x\"", 5, "expected a number or money, found a string"),
            ("\"x\" * 2", 1, "expected a number or money, found a string"),
            ("1 / invoice.total", 5, "expected a number, found money"),
            ("invoice.total / true", 17, "expected a number or money, found true or false"),
            ("tags / 2", 1, "expected a number or money, found a list"),
            (
                "invoice.discount + invoice.total", 1,
                "expected a number or money, found money or null; use ?? to supply a default"
            ),
            ("\"a\" + \"b\"", 1, "expected a number or money, found a string"),
            ("-\"a\"", 2, "expected a number or money, found a string"),
            ("invoice.is_duplicate and 1", 26, "expected true or false, found a number"),
            ("1 or true", 1, "expected true or false, found a number"),
            ("not invoice.total", 5, "expected true or false, found money"),
            ("invoice.total > 5", 17, "expected money, found a number"),
            ("invoice.total < invoice.issued", 17, "expected money, found a date"),
            ("\"a\" < \"b\"", 1, "expected a number, money or a date, found a string"),
            (
                "invoice.due < invoice.issued", 1,
                "expected a number, money or a date, found a date or null; use ?? to supply a default"
            ),
            ("1 > null", 5, "expected a number, found null"),
            ("tags == tags", 1, "== compares numbers, money, strings, true or false, and dates; found a list"),
            ("1 == \"1\"", 6, "expected a number, found a string"),
            ("invoice.total == 5", 18, "expected money, found a number"),
            ("invoice.discount ?? 1", 21, "expected money, found a number"),
            ("invoice.total ?? \"none\"", 18, "expected money, found a string"),
            ("invoice.issued.day", 16, "'invoice.issued' is a date, which has no fields"),
            ("match.lines[\"x\"]", 13, "'match.lines' is a list, which has no fields"),
            ("(1 + 2).x", 9, "this value is a number, which has no fields"),
            ("match.lines[true]", 13, "expected a whole number (a list index), found true or false"),
            ("invoice[0]", 9, "an object's field is read with a name or a quoted key, as in object[\"a key\"]"),
            ("tags[0][0]", 1, "'tags[0]' is a string, not a list"),
            ("abs(\"1\")", 5, "expected a number or money, found a string"),
            ("max(invoice.total, 5)", 20, "expected money, found a number"),
            ("max(\"a\", \"b\")", 5, "expected a number, money or a date, found a string"),
            ("min(1, invoice.issued)", 8, "expected a number, found a date"),
            ("round(1, 21)", 10, "round keeps 0 to 20 decimal places"),
            ("round(1, \"2\")", 10, "expected a number of decimal places, found a string"),
            ("round(tags, 2)", 7, "expected a number or money, found a list"),
            ("pct(invoice.total, 5)", 20, "expected money, found a number"),
            ("pct(true, 5)", 5, "expected a number or money, found true or false"),
            ("len(5)", 5, "expected a list or a string, found a number"),
            (
                "contains(match.lines, 1)", 10,
                "contains searches lists of numbers, money, strings, true or false, or dates; this is a list<object>"
            ),
            ("contains(tags, 1)", 16, "expected a string, found a number"),
            ("contains(\"abc\", 1)", 17, "expected a string, found a number"),
            ("contains(1, 1)", 10, "expected a list or a string, found a number"),
            ("days_between(invoice.issued, \"2024-01-01\")", 30, "expected a date, found a string"),
            (
                "days_between(invoice.due, invoice.issued)", 14,
                "expected a date, found a date or null; use ?? to supply a default"
            ),
            ("date(\"2024-02-30\")", 6, "expected an RFC 3339 date such as \"2024-01-31\""),
            ("date(1)", 6, "expected a string such as \"2024-01-31\", found a number"),
            ("coalesce(invoice.discount, \"x\")", 28, "expected money, found a string"),
        ])
    func typeErrors(source: String, column: Int, detail: String) throws {
        let expression = try TemplateExpression.parse(source)
        let error = expressionError { _ = try expression.check(against: types) }
        #expect(error?.kind == .type)
        #expect(error?.code == "expression_type")
        #expect(error?.position?.line == 1)
        #expect(error?.position?.column == column)
        #expect(error?.detail == detail)
    }

    @Test func theMessageATemplateAuthorSees() throws {
        let expression = try TemplateExpression.parse("event.data.total + invoice.total")
        let error = expressionError { _ = try expression.check(against: types) }
        #expect(error?.message == "line 1, column 20: expected a number, found money")
    }

    @Test(
        "unknown names and fields fail at publish time",
        arguments: [
            ("invoce.total", 1, "unknown name 'invoce'; did you mean invoice?"),
            ("1 + zzz", 5, "unknown name 'zzz'; the names are event, invoice, line, match, params, tags, vendor"),
            ("invoice.totl > 0", 9, "'invoice' has no field 'totl'; did you mean total?"),
            ("match.lines[0].qtty", 16, "'match.lines[0]' has no field 'qtty'; did you mean qty?"),
            ("params.x", 8, "'params' has no field 'x'; its fields are auto_approve_limit"),
            ("vendor.id", 8, "'vendor' has no field 'id'; its fields are name"),
            ("event.data[\"total x\"]", 12, "'event.data' has no field 'total x'; did you mean total?"),
        ])
    func unknownNames(source: String, column: Int, detail: String) throws {
        let expression = try TemplateExpression.parse(source)
        let error = expressionError { _ = try expression.check(against: types) }
        #expect(error?.kind == .unknownName)
        #expect(error?.position?.column == column)
        #expect(error?.detail == detail)
    }

    @Test func anObjectWithoutDeclaredFieldsHasNone() throws {
        let open = try TypeEnvironment(declarationText: ["extra": "object", "list": "list<object>"])
        let error = expressionError { _ = try TemplateExpression.parse("extra.anything").check(against: open) }
        #expect(error?.detail == "'extra' has no field 'anything'; it has no declared fields")
        let element = expressionError { _ = try TemplateExpression.parse("list[0].qty").check(against: open) }
        #expect(element?.kind == .unknownName)
        let empty = expressionError { _ = try TemplateExpression.parse("a").check(against: TypeEnvironment()) }
        #expect(empty?.detail == "unknown name 'a'; no names are declared")
    }

    @Test func checkingForAnExpectedResult() throws {
        try TemplateExpression.parse("invoice.total > 0").check(against: types, expecting: .bool)
        try TemplateExpression.parse("invoice.discount").check(against: types, expecting: .optional(.money))
        try TemplateExpression.parse("invoice.total").check(against: types, expecting: .optional(.money))
        try TemplateExpression.parse("null").check(against: types, expecting: .optional(.money))
        let error = expressionError {
            try TemplateExpression.parse("  invoice.total").check(against: types, expecting: .bool)
        }
        #expect(error?.kind == .type)
        #expect(error?.message == "line 1, column 3: this expression must give true or false, but it gives money")
        #expect(throws: ExpressionError.self) {
            try TemplateExpression.parse("invoice.discount").check(against: types, expecting: .money)
        }
        // A bare 0 has no currency to give a money result.
        #expect(throws: ExpressionError.self) {
            try TemplateExpression.parse("0").check(against: types, expecting: .money)
        }
    }
}

@Suite("Declarations")
struct DeclarationTests {
    @Test(
        "type text",
        arguments: [
            ("decimal", ValueType.decimal),
            ("money", .money),
            ("string", .string),
            ("bool", .bool),
            ("date", .date),
            ("object", .object([:])),
            ("money?", .optional(.money)),
            ("money??", .optional(.money)),
            (" list< decimal? > ", .list(.optional(.decimal))),
            ("list<list<string>>?", .optional(.list(.list(.string)))),
        ])
    func typeText(text: String, type: ValueType) throws {
        #expect(try ValueType(declaration: text) == type)
    }

    @Test(arguments: [
        "", "moneys", "Money", "list", "list<", "list<decimal", "list<>", "object?x", "?", "null", "list<decimal>>",
    ])
    func malformedTypeText(text: String) {
        let error = expressionError { _ = try ValueType(declaration: text) }
        #expect(error?.kind == .declaration)
        #expect(error?.code == "expression_declaration")
    }

    @Test func typeTextNestingIsBounded() {
        let deep = String(repeating: "list<", count: 1000) + "decimal" + String(repeating: ">", count: 1000)
        #expect(throws: ExpressionError.self) { try ValueType(declaration: deep) }
    }

    @Test func descriptionsReadBack() throws {
        for text in ["decimal", "money?", "list<list<string>>?", "list<object>", "date"] {
            #expect(try ValueType(declaration: text).description == text)
        }
    }

    @Test func pathsBuildNestedShapesInAnyOrder() throws {
        let environment = try TypeEnvironment(declarations: [
            "match.lines[].qty": .decimal,
            "match.lines": .list(.object([:])),
            "match.lines[].sku": .string,
            "vendor.name": .string,
            "vendor": .optional(.object([:])),
            "grid[][]": .decimal,
        ])
        #expect(environment["match"] == .object(["lines": .list(.object(["qty": .decimal, "sku": .string]))]))
        #expect(environment["vendor"] == .optional(.object(["name": .string])))
        #expect(environment["grid"] == .list(.list(.decimal)))
        #expect(environment["missing"] == nil)
    }

    @Test func declaringOneByOne() throws {
        var environment = TypeEnvironment()
        try environment.declare("a.b", as: .decimal)
        try environment.declare("a.c", as: .optional(.optional(.string)))
        try environment.declare("a.b", as: .decimal)
        #expect(environment.roots == ["a": .object(["b": .decimal, "c": .optional(.string)])])
        let conflict = expressionError { try environment.declare("a.b", as: .string) }
        #expect(conflict?.kind == .declaration)
        #expect(conflict?.message == "a.b: declared as string but also as decimal")
        #expect(conflict?.field == "a.b")
        let throughScalar = expressionError { try environment.declare("a.b.c", as: .string) }
        #expect(throughScalar?.message == "a.b.c: a part of this path is declared as decimal, which has no fields")
        let notAList = expressionError { try environment.declare("a[].x", as: .string) }
        #expect(notAList?.message == "a[].x: a part of this path is declared as object, not a list")
    }

    @Test func contradictionsAreRefused() {
        #expect(throws: ExpressionError.self) {
            try TypeEnvironment(declarations: ["a": .decimal, "a.b": .decimal])
        }
        #expect(throws: ExpressionError.self) {
            try TypeEnvironment(declarations: ["a": .list(.decimal), "a[].b": .decimal])
        }
        let badType = expressionError { _ = try TypeEnvironment(declarationText: ["params.limit": "moneys"]) }
        #expect(badType?.kind == .declaration)
        #expect(badType?.field == "params.limit")
    }

    @Test(arguments: ["", "a..b", "1a", "a[", "a[]x", "not.x", "a.", ".a", "a.[]", "my-name"])
    func malformedPaths(path: String) {
        let error = expressionError { _ = try TypeEnvironment(declarations: [path: .decimal]) }
        #expect(error?.kind == .declaration)
    }
}
