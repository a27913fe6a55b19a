import Foundation
import Testing

@testable import Events

/// Compiles `schema` and returns what the validator says about `instance`, as `"path: message"` lines.
func schemaViolations(_ schema: String, _ instance: String, maxViolations: Int = 100) throws -> [String] {
    try schemaValidation(schema, instance, maxViolations: maxViolations).violations.map(\.description)
}

func schemaValidation(_ schema: String, _ instance: String, maxViolations: Int = 100) throws -> SchemaValidator {
    let compiled = try SchemaCompiler.compile(document: try JSONParser().parse(schema))
    var validator = SchemaValidator(schema: compiled, maxViolations: maxViolations)
    validator.validate(try JSONParser().parse(instance))
    // The quick first pass must agree on validity with the describing pass, whatever the schema.
    var quick = SchemaValidator(schema: compiled, maxViolations: 1, mode: .firstOnly)
    quick.validate(try JSONParser().parse(instance))
    #expect(quick.isValid == validator.violations.isEmpty, "\(schema) on \(instance)")
    #expect(quick.violations.isEmpty)
    #expect(validator.isValid == validator.violations.isEmpty)
    return validator
}

@Suite("Schema validator")
struct SchemaValidatorTests {
    // MARK: type

    @Test(arguments: [
        (#"{"type":"string"}"#, "1", ["$: must be a string"]),
        (#"{"type":"string"}"#, #""x""#, []),
        (#"{"type":"number"}"#, #""1""#, ["$: must be a number"]),
        (#"{"type":"number"}"#, "-1.5e3", []),
        (#"{"type":"boolean"}"#, #""true""#, ["$: must be a boolean"]),
        (#"{"type":"null"}"#, "0", ["$: must be null"]),
        (#"{"type":"object"}"#, "[]", ["$: must be an object"]),
        (#"{"type":"array"}"#, "{}", ["$: must be an array"]),
        (#"{"type":["string","null"]}"#, "1", ["$: must be a string or null"]),
        (#"{"type":["string","null"]}"#, "null", []),
        (#"{"type":"integer"}"#, "1.5", ["$: must be an integer"]),
        (#"{"type":"integer"}"#, "1e-1", ["$: must be an integer"]),
        (#"{"type":"integer"}"#, #""1""#, ["$: must be an integer"]),
    ] as [(String, String, [String])])
    func typeKeyword(schema: String, instance: String, expected: [String]) throws {
        #expect(try schemaViolations(schema, instance) == expected)
    }

    @Test(arguments: ["0", "-3", "1.0", "1.000", "1e2", "1.50e1", "12345678901234567890"])
    func integersAreJudgedByValueNotSpelling(instance: String) throws {
        #expect(try schemaViolations(#"{"type":"integer"}"#, instance) == [])
    }

    @Test func aTypeMismatchHidesTheNodesOtherComplaints() throws {
        let schema = #"{"type":"string","minLength":5,"pattern":"^x","enum":["xxxxx"]}"#
        #expect(try schemaViolations(schema, "1") == ["$: must be a string"])
    }

    // MARK: objects

    @Test func requiredPropertiesAreReportedAtTheirOwnPaths() throws {
        let schema = #"{"type":"object","required":["a","b"],"properties":{"a":{"type":"string"}}}"#
        #expect(try schemaViolations(schema, "{}") == ["$.a: is required", "$.b: is required"])
        #expect(try schemaViolations(schema, #"{"a":1,"b":2,"c":3}"#) == ["$.a: must be a string"])
        // A null value is present: `required` is about keys.
        #expect(try schemaViolations(schema, #"{"a":"x","b":null}"#) == [])
    }

    @Test func additionalPropertiesFalseRefusesUnlistedMembers() throws {
        let schema = #"{"properties":{"a":true},"additionalProperties":false}"#
        #expect(try schemaViolations(schema, #"{"a":1,"z":2,"b":3}"#) == ["$.b: is not allowed", "$.z: is not allowed"])
        #expect(try schemaViolations(schema, #"{"a":1}"#) == [])
    }

    @Test func additionalPropertiesSchemaChecksUnlistedMembers() throws {
        let schema = #"{"properties":{"s":{"type":"string"}},"additionalProperties":{"type":"integer"}}"#
        #expect(try schemaViolations(schema, #"{"s":"x","n":1,"y":"no"}"#) == ["$.y: must be an integer"])
    }

    @Test func withoutAdditionalPropertiesExtrasAreAllowed() throws {
        #expect(try schemaViolations(#"{"properties":{"a":{"type":"string"}}}"#, #"{"b":[1,{}]}"#) == [])
    }

    @Test func objectKeywordsIgnoreOtherTypes() throws {
        let schema = #"{"required":["a"],"properties":{"a":false},"additionalProperties":false}"#
        for instance in ["[1]", "1", #""a""#, "null", "true"] {
            #expect(try schemaViolations(schema, instance) == [])
        }
    }

    // MARK: arrays

    @Test func itemsAreCheckedWithTheirIndex() throws {
        #expect(
            try schemaViolations(#"{"items":{"type":"string"}}"#, #"["a",1,"b",null]"#)
                == ["$[1]: must be a string", "$[3]: must be a string"])
    }

    @Test func pathsNameEveryStepDown() throws {
        let schema = #"""
            {"type":"object","properties":{"data":{"type":"object","properties":{"lines":{"type":"array","items":
              {"type":"object","required":["sku"],"properties":{"quantity":{"type":"string","pattern":"^[0-9]+$"}}}}}}}}
            """#
        let instance = #"{"data":{"lines":[{"sku":"A","quantity":"1"},{"quantity":"x"}]}}"#
        #expect(
            try schemaViolations(schema, instance) == [
                "$.data.lines[1].sku: is required", "$.data.lines[1].quantity: must match the pattern ^[0-9]+$",
            ])
    }

    @Test(arguments: [
        (#"{"minItems":1}"#, "[]", ["$: must have at least 1 item"]),
        (#"{"minItems":2}"#, "[1]", ["$: must have at least 2 items"]),
        (#"{"maxItems":1}"#, "[1,2]", ["$: must have at most 1 item"]),
        (#"{"maxItems":2}"#, "[1,2,3]", ["$: must have at most 2 items"]),
        (#"{"minItems":1,"maxItems":2}"#, "[1,2]", []),
        (#"{"minItems":1}"#, #""not an array""#, []),
    ] as [(String, String, [String])])
    func itemCounts(schema: String, instance: String, expected: [String]) throws {
        #expect(try schemaViolations(schema, instance) == expected)
    }

    // MARK: enum and const

    @Test func enumComparesJSONValues() throws {
        let schema = #"{"enum":["a",1,null,{"k":[true]}]}"#
        #expect(try schemaViolations(schema, #""b""#) == [#"$: must be one of "a", 1, null, {"k":[true]}"#])
        for instance in [#""a""#, "1", "1.0", "null", #"{"k":[true]}"#] {
            #expect(try schemaViolations(schema, instance) == [], "\(instance)")
        }
        #expect(try schemaViolations(schema, #""1""#).count == 1)
    }

    @Test func constComparesJSONValues() throws {
        let schema = #"{"const":{"k":[1,"x"],"m":null}}"#
        #expect(try schemaViolations(schema, #"{"m":null,"k":[1.0,"x"]}"#) == [])
        #expect(try schemaViolations(schema, #"{"k":[1],"m":null}"#) == [#"$: must be {"k":[1,"x"],"m":null}"#])
        #expect(try schemaViolations(#"{"const":"invoice.received"}"#, #""invoice.Received""#) == [#"$: must be "invoice.received""#])
    }

    // MARK: strings

    @Test func patternsAreUnanchored() throws {
        #expect(try schemaViolations(#"{"pattern":"b"}"#, #""abc""#) == [])
        #expect(try schemaViolations(#"{"pattern":"^b"}"#, #""abc""#) == ["$: must match the pattern ^b"])
    }

    @Test func dollarMeansEndOfInputNotEndOfLine() throws {
        let schema = #"{"pattern":"^[0-9]+$"}"#
        #expect(try schemaViolations(schema, #""12""#) == [])
        #expect(try schemaViolations(schema, #""12\n""#) == ["$: must match the pattern ^[0-9]+$"])
        #expect(try schemaViolations(schema, #""12\nab""#).count == 1)
        // Inside a class or escaped, `$` is a literal dollar sign.
        #expect(try schemaViolations(#"{"pattern":"^a[$]b$"}"#, #""a$b""#) == [])
        #expect(try schemaViolations(#"{"pattern":"^a\\$$"}"#, #""a$""#) == [])
        #expect(try schemaViolations(#"{"pattern":"^a\\$$"}"#, #""a""#).count == 1)
    }

    @Test(arguments: [
        (#"{"minLength":1}"#, #""""#, ["$: must not be empty"]),
        (#"{"minLength":3}"#, #""ab""#, ["$: must be at least 3 characters long"]),
        (#"{"maxLength":2}"#, #""abc""#, ["$: must be at most 2 characters long"]),
        (#"{"maxLength":1}"#, #""é""#, []),
        (#"{"maxLength":1}"#, #""😀""#, []),
        // Counted in Unicode scalars: e + combining acute accent is two.
        (#"{"maxLength":1}"#, #""e\u0301""#, ["$: must be at most 1 characters long"]),
        (#"{"minLength":5,"maxLength":9,"pattern":"^x"}"#, "12", []),
    ] as [(String, String, [String])])
    func stringLengths(schema: String, instance: String, expected: [String]) throws {
        #expect(try schemaViolations(schema, instance) == expected)
    }

    @Test(arguments: [
        (#"{"format":"date-time"}"#, #""2026-11-05T14:02:00Z""#, []),
        (#"{"format":"date-time"}"#, #""2026-11-05""#, ["$: must be an RFC 3339 date-time such as 2026-11-05T14:02:00Z"]),
        (#"{"format":"date-time"}"#, #""2026-11-05T14:02:00""#, ["$: must be an RFC 3339 date-time such as 2026-11-05T14:02:00Z"]),
        (#"{"format":"date"}"#, #""2026-11-05""#, []),
        (#"{"format":"date"}"#, #""2026-02-30""#, ["$: must be an RFC 3339 full-date such as 2026-11-05"]),
        (#"{"format":"date"}"#, #""2026-11-05T14:02:00Z""#, ["$: must be an RFC 3339 full-date such as 2026-11-05"]),
        (#"{"format":"date"}"#, "20261105", []),
    ] as [(String, String, [String])])
    func formats(schema: String, instance: String, expected: [String]) throws {
        #expect(try schemaViolations(schema, instance) == expected)
    }

    // MARK: numbers

    @Test(arguments: [
        ("0.5", ["$: must be at least 1"]),
        ("1", []),
        ("1.000", []),
        ("10.50", []),
        ("1e1", []),
        ("10.51", ["$: must be at most 10.5"]),
        ("-2", ["$: must be at least 1"]),
        (#""0""#, []),
    ] as [(String, [String])])
    func minimumAndMaximum(instance: String, expected: [String]) throws {
        #expect(try schemaViolations(#"{"minimum":1,"maximum":10.5}"#, instance) == expected)
    }

    @Test func boundsAreExactForLongNumbers() throws {
        let schema = #"{"maximum":12345678901234567890.12}"#
        #expect(try schemaViolations(schema, "12345678901234567890.12") == [])
        #expect(try schemaViolations(schema, "12345678901234567890.13").count == 1)
        #expect(try schemaViolations(#"{"minimum":-5}"#, "-5.01") == ["$: must be at least -5"])
    }

    // MARK: $ref

    @Test func refAppliesTheDefinitionAndItsSiblings() throws {
        let schema = #"""
            {"$defs":{"pos":{"type":"integer","minimum":1}},
             "properties":{"n":{"$ref":"#/$defs/pos","maximum":5}}}
            """#
        #expect(try schemaViolations(schema, #"{"n":3}"#) == [])
        #expect(try schemaViolations(schema, #"{"n":0}"#) == ["$.n: must be at least 1"])
        #expect(try schemaViolations(schema, #"{"n":6}"#) == ["$.n: must be at most 5"])
        #expect(try schemaViolations(schema, #"{"n":"x"}"#) == ["$.n: must be an integer"])
    }

    @Test func refsMayChainAndRecurseThroughStructure() throws {
        let schema = #"""
            {"$defs":{
               "alias":{"$ref":"#/$defs/node"},
               "node":{"type":"object","properties":{"child":{"$ref":"#/$defs/alias"},"v":{"type":"integer"}}}},
             "$ref":"#/$defs/node"}
            """#
        #expect(try schemaViolations(schema, #"{"child":{"child":{"v":"x"}},"v":1}"#) == ["$.child.child.v: must be an integer"])
    }

    // MARK: x-expected

    @Test func xExpectedReplacesTheNodesOwnViolations() throws {
        let schema = #"{"type":"string","pattern":"^[0-9]+$","minLength":2,"x-expected":"a digit string"}"#
        #expect(try schemaViolations(schema, #""a""#) == ["$: must be a digit string"])
        #expect(try schemaViolations(schema, "5") == ["$: must be a digit string"])
        #expect(try schemaViolations(schema, #""12""#) == [])
    }

    @Test func xExpectedKeepsDeeperViolations() throws {
        let schema = #"{"type":"object","required":["a"],"properties":{"b":{"type":"string"}},"x-expected":"a thing"}"#
        #expect(try schemaViolations(schema, #"{"b":1}"#) == ["$.a: is required", "$.b: must be a string"])
        let flat = #"{"type":"object","properties":{"b":{"type":"string"}},"x-expected":"a thing"}"#
        #expect(try schemaViolations(flat, "[]") == ["$: must be a thing"])
        #expect(try schemaViolations(flat, #"{"b":1}"#) == ["$.b: must be a string"])
    }

    @Test func xExpectedWorksThroughRefs() throws {
        let schema = #"""
            {"$defs":{"money":{"type":"string","pattern":"^[0-9]+\\.[0-9]{2}$","x-expected":"an amount such as \"1.00\""}},
             "items":{"$ref":"#/$defs/money"}}
            """#
        #expect(try schemaViolations(schema, #"["1.00","1",1]"#) == [
            #"$[1]: must be an amount such as "1.00""#, #"$[2]: must be an amount such as "1.00""#,
        ])
    }

    // MARK: boolean schemas, limits, paths

    @Test func booleanSchemas() throws {
        #expect(try schemaViolations(#"{"properties":{"x":false,"y":true}}"#, #"{"x":1,"y":2}"#) == ["$.x: is not allowed"])
        #expect(try schemaViolations(#"{"items":false}"#, "[]") == [])
        #expect(try schemaViolations(#"{"items":false}"#, "[0]") == ["$[0]: is not allowed"])
    }

    @Test func violationsAreCappedAndTheCapIsReported() throws {
        let capped = try schemaValidation(#"{"items":{"type":"string"}}"#, "[1,2,3,4,5]", maxViolations: 3)
        #expect(capped.violations.map(\.path) == ["$[0]", "$[1]", "$[2]"])
        #expect(capped.truncated)
        let exact = try schemaValidation(#"{"items":{"type":"string"}}"#, "[1,2,3]", maxViolations: 3)
        #expect(exact.violations.count == 3)
        #expect(!exact.truncated)
        // A cap below one still reports the first problem.
        #expect(try schemaValidation(#"{"type":"string"}"#, "1", maxViolations: 0).violations.count == 1)
    }

    @Test(arguments: [
        ("quantity", "$.quantity"),
        ("po_line", "$.po_line"),
        ("a1", "$.a1"),
        ("odd key", #"$["odd key"]"#),
        ("1abc", #"$["1abc"]"#),
        ("a.b", #"$["a.b"]"#),
        ("q\"uote", #"$["q\"uote"]"#),
        ("", #"$[""]"#),
        ("é", #"$["é"]"#),
    ])
    func pathSegmentsAreQuotedWhenNeeded(name: String, path: String) {
        #expect(SchemaValidator.append(name, to: "$") == path)
    }

    @Test func violationPathsQuoteOddKeys() throws {
        #expect(try schemaViolations(#"{"properties":{"odd key":{"type":"string"}}}"#, #"{"odd key":1}"#) == [#"$["odd key"]: must be a string"#])
    }
}
