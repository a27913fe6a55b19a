import Foundation
import Testing

@testable import Events

@Suite("Schema compiler")
struct SchemaCompilerTests {
    /// The problem compiling `schema` reports, as `"pointer: message"`, or nil when it compiles.
    func problem(_ schema: String) throws -> String? {
        let document = try JSONParser().parse(schema)
        do {
            _ = try SchemaCompiler.compile(document: document)
            return nil
        } catch {
            return "\(error.pointer): \(error.message)"
        }
    }

    @Test func everySupportedKeywordCompiles() throws {
        let schema = #"""
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "$id": "urn:example:all", "title": "t", "description": "d", "$comment": "c",
              "x-event-type": "a.b", "x-event-version": 1,
              "type": "object", "required": ["s"], "additionalProperties": false,
              "properties": {
                "s": {"type": ["string", "null"], "minLength": 1, "maxLength": 9, "pattern": "^x", "format": "date",
                      "x-expected": "an s", "examples": ["x"], "default": "x"},
                "a": {"type": "array", "items": {"$ref": "#/$defs/n"}, "minItems": 0, "maxItems": 3},
                "e": {"enum": [1, "two", null]},
                "c": {"const": {"k": 1}},
                "t": true, "f": false
              },
              "$defs": {"n": {"type": "number", "minimum": -1.5, "maximum": 1e3}}
            }
            """#
        #expect(try problem(schema) == nil)
        let compiled = try SchemaCompiler.compile(document: try JSONParser().parse(schema))
        #expect(compiled.root.types == [.object])
        #expect(compiled.root.required == ["s"])
        #expect(compiled.root.additionalProperties?.rejectsEverything == true)
        #expect(compiled.root.properties.map(\.name) == ["a", "c", "e", "f", "s", "t"])
        #expect(compiled.root.property("s")?.maxLength == 9)
        #expect(compiled.root.property("f")?.rejectsEverything == true)
        #expect(compiled.definitions["n"]?.maximum == 1000)
        #expect(compiled.definitions["n"]?.minimum == Decimal(string: "-1.5"))
    }

    @Test(arguments: [
        // Unknown keywords are refused, so a typo cannot weaken a schema.
        (#"{"properties":{"a":{"type":"string","minLenght":1}}}"#, #"#/properties/a: unknown keyword "minLenght""#),
        (#"{"oneOf":[true]}"#, #"#: unknown keyword "oneOf""#),
        (#"{"properties":{"a":{"x-event-type":"a.b"}}}"#, #"#/properties/a: unknown keyword "x-event-type" (allowed only at the document root)"#),
        (#"{"items":{"$defs":{}}}"#, #"#/items: unknown keyword "$defs" (allowed only at the document root)"#),
        (#"{"properties":{"a/b~c":{"bogus":1}}}"#, #"#/properties/a~1b~0c: unknown keyword "bogus""#),
        // The document and its dialect.
        ("[]", "#: the document must be a JSON object"),
        ("true", "#: the document must be a JSON object"),
        (#"{"$schema":"http://json-schema.org/draft-07/schema#"}"#, #"#/$schema: must be "https://json-schema.org/draft/2020-12/schema""#),
        // Sub-schemas.
        (#"{"properties":{"a":1}}"#, "#/properties/a: a schema must be an object or a boolean"),
        (#"{"properties":[]}"#, "#/properties: must be an object"),
        (#"{"items":"string"}"#, "#/items: a schema must be an object or a boolean"),
        (#"{"additionalProperties":null}"#, "#/additionalProperties: a schema must be an object or a boolean"),
        // type
        (#"{"type":"str"}"#, #"#/type: unknown type "str""#),
        (#"{"type":[]}"#, "#/type: must be a type name or a list of them"),
        (#"{"type":5}"#, "#/type: must be a type name or a list of them"),
        (#"{"type":["string",1]}"#, "#/type: unknown type 1"),
        // required
        (#"{"required":"a"}"#, "#/required: must be an array of strings"),
        (#"{"required":["a",1]}"#, "#/required: must be an array of strings"),
        (#"{"required":["a","a"]}"#, #"#/required: lists "a" twice"#),
        (#"{"required":["a","b"],"properties":{"a":true},"additionalProperties":false}"#, #"#/required: requires "b", which additionalProperties: false forbids"#),
        // enum, pattern, format
        (#"{"enum":[]}"#, "#/enum: must be a non-empty array"),
        (#"{"enum":"a"}"#, "#/enum: must be a non-empty array"),
        (#"{"pattern":"("}"#, "#/pattern: is not a supported regular expression: missing ')' for the group opened at character 0"),
        (#"{"pattern":"^(?<=a)b"}"#, "#/pattern: is not a supported regular expression: lookbehind is not supported at character 1"),
        (#"{"pattern":"\\p{L}"}"#, "#/pattern: is not a supported regular expression: Unicode property escapes (\\p{…}) are not supported at character 0"),
        (#"{"pattern":5}"#, "#/pattern: must be a string"),
        (#"{"format":"email"}"#, #"#/format: unsupported format "email" (date-time, date)"#),
        // counts and bounds
        (#"{"minLength":-1}"#, "#/minLength: must be a non-negative integer"),
        (#"{"maxLength":1.5}"#, "#/maxLength: must be a non-negative integer"),
        (#"{"minItems":"1"}"#, "#/minItems: must be a non-negative integer"),
        (#"{"minLength":3,"maxLength":2}"#, "#/minLength: is greater than maxLength"),
        (#"{"minItems":3,"maxItems":1}"#, "#/minItems: is greater than maxItems"),
        (#"{"minimum":"1"}"#, "#/minimum: must be a number"),
        (#"{"maximum":null}"#, "#/maximum: must be a number"),
        // $ref and $defs
        (#"{"properties":{"a":{"$ref":"other.json#/x"}}}"#, ##"#/properties/a/$ref: only local references "#/$defs/<name>" are supported"##),
        (##"{"$ref":"#/definitions/x"}"##, ##"#/$ref: only local references "#/$defs/<name>" are supported"##),
        (##"{"$ref":"#/$defs/a/b"}"##, ##"#/$ref: only local references "#/$defs/<name>" are supported"##),
        (##"{"properties":{"a":{"$ref":"#/$defs/nope"}}}"##, "#/properties/a/$ref: no definition #/$defs/nope"),
        (##"{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}}}"##, "#/$defs/a: $ref cycle through #/$defs/a"),
        (##"{"$defs":{"a":{"$ref":"#/$defs/a"}}}"##, "#/$defs/a: $ref cycle through #/$defs/a"),
        (#"{"$defs":[]}"#, "#/$defs: must be an object"),
        (#"{"$defs":{"a b":true}}"#, "#/$defs/a b: definition names use [A-Za-z0-9_.-] only"),
        (#"{"$defs":{"a":{"type":"nope"}}}"#, #"#/$defs/a/type: unknown type "nope""#),
        // x-expected
        (#"{"x-expected":""}"#, "#/x-expected: must be a non-empty string"),
        (#"{"x-expected":1}"#, "#/x-expected: must be a non-empty string"),
    ])
    func unsupportedOrMalformedSchemasAreRefused(schema: String, expected: String) throws {
        #expect(try problem(schema) == expected)
    }

    @Test func definitionNames() {
        #expect(SchemaCompiler.isDefinitionName("non_negative-decimal.v1"))
        #expect(!SchemaCompiler.isDefinitionName(""))
        #expect(!SchemaCompiler.isDefinitionName("a/b"))
        #expect(!SchemaCompiler.isDefinitionName("é"))
    }
}
