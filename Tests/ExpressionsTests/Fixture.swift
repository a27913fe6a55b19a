import Expressions
import Finance
import Foundation
import Testing

/// The shape and data most tests share: a three-way-match run.
enum Fixture {
    static let declarations: [String: String] = [
        "params.auto_approve_limit": "money",
        "match.overall_variance": "money",
        "match.lines": "list<object>",
        "match.lines[].qty": "decimal",
        "match.lines[].sku": "string",
        "invoice.is_duplicate": "bool",
        "invoice.total": "money",
        "invoice.discount": "money?",
        "invoice.issued": "date",
        "invoice.due": "date?",
        "line.price_variance": "money",
        "line.po_price": "money",
        "event.data.currency": "string",
        "event.data.total": "decimal",
        "tags": "list<string>",
        "vendor": "object?",
        "vendor.name": "string",
    ]

    static let data: [String: Value.JSON] = [
        "params": ["auto_approve_limit": ["amount": "100.00", "currency": "USD"]],
        "match": [
            "overall_variance": ["amount": "42.50", "currency": "USD"],
            "lines": [["qty": 3, "sku": "A-1"], ["qty": "2.5", "sku": "B-2", "note": "not declared"]],
        ],
        "invoice": [
            "is_duplicate": false, "total": ["amount": "1234.56", "currency": "USD"], "issued": "2024-01-31",
            "due": "2024-03-01T12:00:00-05:00",
        ],
        "line": [
            "price_variance": ["amount": "-3.00", "currency": "USD"],
            "po_price": ["amount": "150.00", "currency": "USD"],
        ],
        "event": ["data": ["currency": "USD", "total": "99.95"]],
        "tags": ["urgent", "eu"],
        "vendor": nil,
        "undeclared": "dropped",
    ]

    static func types() throws -> TypeEnvironment {
        try TypeEnvironment(declarationText: declarations)
    }

    static func environment() throws -> Environment {
        try Environment(json: data, conformingTo: types())
    }

    static func money(_ amount: String, _ code: String = "USD") throws -> Money {
        try Money.parse(amount, currency: Currency(code))
    }

    static func decimal(_ text: String) throws -> Decimal {
        try #require(DecimalText.parse(text))
    }
}

/// Parses, checks against the fixture's shape, and evaluates in its data.
func run(_ source: String, in environment: Environment? = nil) throws -> Value {
    let expression = try TemplateExpression.parse(source)
    _ = try expression.check(against: Fixture.types())
    return try expression.evaluate(in: environment ?? Fixture.environment())
}

/// The error `body` throws, which must be an ``ExpressionError``.
func expressionError(
    _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
) -> ExpressionError? {
    do {
        try body()
        Issue.record("expected an ExpressionError, but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as ExpressionError {
        return error
    } catch {
        Issue.record("expected an ExpressionError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
