import Expressions
import Testing

/// Hostile and random input: nothing may trap, every failure is an
/// ``ExpressionError`` whose position lies inside the source, and an
/// expression that type-checks evaluates to a value of its checked type or
/// fails only at run time (division by zero, overflow, limits).
@Suite("Fuzz")
struct FuzzTests {
    let types: TypeEnvironment
    let environment: Environment

    init() throws {
        types = try Fixture.types()
        environment = try Fixture.environment()
    }

    @Test func randomBytes() {
        var random = SplitMix64(seed: 0x5EED_0001)
        let printable = Array("abcxyz_019.+-*/=!<>?()[],\" \\\n\té{}&|'#".utf8)
        for _ in 0..<4000 {
            let length = Int.random(in: 0..<80, using: &random)
            let asciiOnly = Bool.random(using: &random)
            let bytes = (0..<length).map { _ in
                asciiOnly
                    ? printable[Int.random(in: 0..<printable.count, using: &random)]
                    : UInt8.random(in: 0...255, using: &random)
            }
            exercise(String(decoding: bytes, as: UTF8.self))
        }
    }

    static let vocabulary = [
        "invoice", "invoice.total", "invoice.discount", "invoice.issued", "invoice.due", "invoice.is_duplicate",
        "match.lines", "match.lines[0]", "match.lines[1]", ".qty", ".sku", "params.auto_approve_limit",
        "line.price_variance", "line.po_price", "event.data.total", "event.data.currency", "tags", "tags[0]",
        "vendor", "vendor.name", "nope", "0", "1", "2.5", "-1", "100", "99999999999999999999999999999",
        "0.0000000000000000000000000001", "\"USD\"", "\"2024-01-31\"", "\"\"", "+", "-", "*", "/", "==", "!=",
        "<", "<=", ">", ">=", "??", "and", "or", "not", "(", ")", "[", "]", ",", ".", "true", "false", "null",
        "abs(", "min(", "max(", "round(", "pct(", "len(", "contains(", "days_between(", "date(", "coalesce(",
        "foo(",
    ]

    @Test func tokenSoup() {
        var random = SplitMix64(seed: 0x5EED_0002)
        for _ in 0..<6000 {
            let count = Int.random(in: 1...40, using: &random)
            let tokens = (0..<count).map { _ in
                Self.vocabulary[Int.random(in: 0..<Self.vocabulary.count, using: &random)]
            }
            exercise(tokens.joined(separator: Bool.random(using: &random) ? " " : ""))
        }
    }

    @Test func mutatedExpressions() {
        var random = SplitMix64(seed: 0x5EED_0003)
        let seeds = [
            "match.overall_variance > params.auto_approve_limit and not invoice.is_duplicate",
            "pct(abs(line.price_variance), line.po_price) <= 2",
            "max(invoice.total, 0)",
            "event.data.currency == \"USD\"",
            "days_between(invoice.issued, invoice.due ?? invoice.issued) > 30 or contains(tags, \"eu\")",
            "round(invoice.total * 0.125 / 3, 1) - (invoice.discount ?? line.po_price)",
        ]
        for _ in 0..<4000 {
            var scalars = Array(seeds[Int.random(in: 0..<seeds.count, using: &random)].unicodeScalars)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let at = Int.random(in: 0...scalars.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0 where at < scalars.count: scalars.remove(at: at)
                case 1: scalars.insert(scalars.randomElement(using: &random) ?? "(", at: at)
                default:
                    let stray: [Unicode.Scalar] = ["(", ")", "\"", ".", "-", "?", "[", "]", ",", "0", "é", "\n"]
                    scalars.insert(stray[Int.random(in: 0..<stray.count, using: &random)], at: at)
                }
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            exercise(text)
        }
    }

    /// Randomly generated well-typed expressions: the checker must agree with
    /// the generator, and evaluation must produce the checked type.
    @Test func generatedWellTypedExpressions() throws {
        var random = SplitMix64(seed: 0x5EED_0004)
        for _ in 0..<3000 {
            let type = [ValueType.decimal, .money, .bool, .date, .string][Int.random(in: 0..<5, using: &random)]
            var generator = Generator(random: random)
            let source = generator.expression(type, depth: 0)
            random = generator.random
            let expression = try TemplateExpression.parse(source)
            #expect(try expression.check(against: types) == type, "\(source)")
            do {
                let value = try expression.evaluate(in: environment)
                #expect(Self.value(value, conformsTo: type), "\(source) gave \(value)")
            } catch {
                #expect(error.kind == .evaluation || error.kind == .limit, "\(source): \(error)")
                #expect(!error.detail.hasPrefix("expected") && !error.detail.contains("cannot"), "\(source): \(error)")
            }
        }
    }

    // MARK: Harness

    private func exercise(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let expression: TemplateExpression
        do {
            expression = try TemplateExpression.parse(source)
        } catch {
            #expect([.syntax, .unknownName, .limit].contains(error.kind), "\(source)", sourceLocation: sourceLocation)
            validate(error, in: source, sourceLocation: sourceLocation)
            return
        }
        // The parenthesised form parses back to itself (it nests deeper, so allow that).
        let generous = TemplateExpression.Configuration(maximumSourceBytes: 1 << 20, maximumDepth: 1000)
        do {
            let again = try TemplateExpression.parse(expression.parenthesized, configuration: generous)
            #expect(again.parenthesized == expression.parenthesized, "\(source)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(expression.parenthesized) does not parse: \(error)", sourceLocation: sourceLocation)
        }
        var checked: ValueType?
        do {
            checked = try expression.check(against: types)
        } catch {
            #expect([.type, .unknownName].contains(error.kind), "\(source)", sourceLocation: sourceLocation)
            validate(error, in: source, sourceLocation: sourceLocation)
        }
        do {
            let value = try expression.evaluate(in: environment)
            if let checked {
                #expect(Self.value(value, conformsTo: checked), "\(source)", sourceLocation: sourceLocation)
            }
        } catch {
            validate(error, in: source, sourceLocation: sourceLocation)
            if checked != nil {
                #expect(
                    [.evaluation, .limit].contains(error.kind), "\(source): \(error)", sourceLocation: sourceLocation)
            }
        }
    }

    /// The position must be the one the source has at that offset.
    private func validate(_ error: ExpressionError, in source: String, sourceLocation: SourceLocation) {
        #expect(!error.detail.isEmpty, sourceLocation: sourceLocation)
        #expect(error.message.hasSuffix(error.detail), sourceLocation: sourceLocation)
        guard let position = error.position else {
            #expect(error.kind == .limit, "\(source): \(error)", sourceLocation: sourceLocation)
            return
        }
        let bytes = Array(source.utf8)
        guard position.offset >= 0, position.offset <= bytes.count else {
            Issue.record("\(position) is outside \(source.debugDescription)", sourceLocation: sourceLocation)
            return
        }
        let before = bytes[..<position.offset]
        let line = 1 + before.filter { $0 == UInt8(ascii: "\n") }.count
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let column = 1 + bytes[lineStart..<position.offset].filter { $0 & 0xC0 != 0x80 }.count
        #expect(
            position.line == line && position.column == column, "\(source): \(error)", sourceLocation: sourceLocation)
    }

    static func value(_ value: Value, conformsTo type: ValueType) -> Bool {
        switch (type, value) {
        case (.optional, .null), (.null, .null): true
        case (.optional(let wrapped), _): Self.value(value, conformsTo: wrapped)
        case (.decimal, .decimal), (.money, .money), (.string, .string), (.bool, .bool), (.date, .date): true
        case (.list(let element), .list(let items)): items.allSatisfy { Self.value($0, conformsTo: element) }
        case (.object(let fields), .object(let values)):
            fields.allSatisfy { name, fieldType in Self.value(values[name] ?? .null, conformsTo: fieldType) }
        default: false
        }
    }
}

/// Builds random expressions of a requested type over the fixture's names.
private struct Generator {
    var random: SplitMix64

    mutating func pick(_ options: [String]) -> String {
        options[Int.random(in: 0..<options.count, using: &random)]
    }

    mutating func expression(_ type: ValueType, depth: Int) -> String {
        let leaf = depth >= 5 || Int.random(in: 0..<3, using: &random) == 0
        switch type {
        case .decimal:
            if leaf {
                return pick([
                    "0", "1", "2.5", "-3", "100", "0.001", "event.data.total", "match.lines[0].qty",
                    "match.lines[1].qty", "len(tags)", "999999999999999999999",
                ])
            }
            switch Int.random(in: 0..<12, using: &random) {
            case 0: return "(\(expression(.decimal, depth: depth + 1)) + \(expression(.decimal, depth: depth + 1)))"
            case 1: return "(\(expression(.decimal, depth: depth + 1)) - \(expression(.decimal, depth: depth + 1)))"
            case 2: return "(\(expression(.decimal, depth: depth + 1)) * \(expression(.decimal, depth: depth + 1)))"
            case 3: return "(\(expression(.decimal, depth: depth + 1)) / \(expression(.decimal, depth: depth + 1)))"
            case 4: return "-\(expression(.decimal, depth: depth + 1))"
            case 5: return "abs(\(expression(.decimal, depth: depth + 1)))"
            case 6: return "min(\(expression(.decimal, depth: depth + 1)), \(expression(.decimal, depth: depth + 1)))"
            case 7: return "round(\(expression(.decimal, depth: depth + 1)), \(pick(["0", "2", "20"])))"
            case 8: return "pct(\(expression(.money, depth: depth + 1)), \(expression(.money, depth: depth + 1)))"
            case 9: return "(\(expression(.money, depth: depth + 1)) / \(expression(.money, depth: depth + 1)))"
            case 10:
                return "days_between(\(expression(.date, depth: depth + 1)), \(expression(.date, depth: depth + 1)))"
            default: return "coalesce(null, \(expression(.decimal, depth: depth + 1)))"
            }
        case .money:
            if leaf {
                return pick([
                    "invoice.total", "line.po_price", "line.price_variance", "params.auto_approve_limit",
                    "match.overall_variance",
                ])
            }
            switch Int.random(in: 0..<10, using: &random) {
            case 0: return "(\(expression(.money, depth: depth + 1)) + \(expression(.money, depth: depth + 1)))"
            case 1: return "(\(expression(.money, depth: depth + 1)) - \(expression(.money, depth: depth + 1)))"
            case 2: return "(\(expression(.money, depth: depth + 1)) * \(expression(.decimal, depth: depth + 1)))"
            case 3: return "(\(expression(.decimal, depth: depth + 1)) * \(expression(.money, depth: depth + 1)))"
            case 4: return "(\(expression(.money, depth: depth + 1)) / \(expression(.decimal, depth: depth + 1)))"
            case 5: return "-\(expression(.money, depth: depth + 1))"
            case 6: return "abs(\(expression(.money, depth: depth + 1)))"
            case 7: return "max(\(expression(.money, depth: depth + 1)), 0)"
            case 8: return "round(\(expression(.money, depth: depth + 1)), \(pick(["0", "1", "5"])))"
            default: return "(invoice.discount ?? \(expression(.money, depth: depth + 1)))"
            }
        case .bool:
            if leaf { return pick(["true", "false", "invoice.is_duplicate", "invoice.discount == null"]) }
            switch Int.random(in: 0..<9, using: &random) {
            case 0: return "(\(expression(.money, depth: depth + 1)) > \(expression(.money, depth: depth + 1)))"
            case 1: return "(\(expression(.decimal, depth: depth + 1)) <= \(expression(.decimal, depth: depth + 1)))"
            case 2: return "(\(expression(.bool, depth: depth + 1)) and \(expression(.bool, depth: depth + 1)))"
            case 3: return "(\(expression(.bool, depth: depth + 1)) or \(expression(.bool, depth: depth + 1)))"
            case 4: return "not \(expression(.bool, depth: depth + 1))"
            case 5: return "(\(expression(.string, depth: depth + 1)) == \(expression(.string, depth: depth + 1)))"
            case 6: return "contains(tags, \(expression(.string, depth: depth + 1)))"
            case 7: return "(\(expression(.date, depth: depth + 1)) < \(expression(.date, depth: depth + 1)))"
            default: return "(\(expression(.money, depth: depth + 1)) != 0)"
            }
        case .date:
            if leaf { return pick(["invoice.issued", "date(\"2024-02-29\")", "date(\"1999-12-31T23:59:59Z\")"]) }
            switch Int.random(in: 0..<2, using: &random) {
            case 0: return "(invoice.due ?? \(expression(.date, depth: depth + 1)))"
            default: return "min(\(expression(.date, depth: depth + 1)), \(expression(.date, depth: depth + 1)))"
            }
        default:
            if leaf { return pick(["\"USD\"", "event.data.currency", "match.lines[1].sku", "tags[0]", "\"\""]) }
            return "(vendor.name ?? \(expression(.string, depth: depth + 1)))"
        }
    }
}

/// A seeded generator, so a failure reproduces.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
