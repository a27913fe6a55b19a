import Foundation
import Testing

@testable import Events

@Suite("JSON parser")
struct JSONParserTests {
    let parser = JSONParser()

    func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parser.parse(text)
    }

    func failure(_ text: String, parser: JSONParser = JSONParser()) -> JSONParseError? {
        do {
            _ = try parser.parse(text)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Values

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" { "s": "text", "n": 12.50, "t": true, "f": false, "z": null, "a": [1, [], {}], "o": {"k": "v"} } "#)
        #expect(
            value
                == .object([
                    "s": .string("text"), "n": .number("12.50"), "t": .bool(true), "f": .bool(false), "z": .null,
                    "a": .array([.number("1"), .array([]), .object([:])]), "o": .object(["k": .string("v")]),
                ]))
    }

    @Test(arguments: [
        "0", "-0", "12.50", "0.1240", "4.5000", "-3", "1e10", "1E+2", "2.5e-3", "-0.0",
        "123456789012345678901234567890.123456789012345678901234567890",
    ])
    func numbersKeepTheirExactText(text: String) throws {
        #expect(try parse(text) == .number(text))
        #expect(try parse("[\(text)]") == .array([.number(text)]))
        #expect(try parse("[\(text)]").serialized() == "[\(text)]")
    }

    @Test(arguments: ["null", "true", "false", "\"x\"", "7", "[]", "{}"])
    func scalarsAndEmptyContainersAreDocuments(text: String) throws {
        #expect(try parse(text).serialized() == text)
    }

    @Test func whitespaceAroundTokensIsIgnored() throws {
        #expect(try parse(" \t\r\n[ 1 ,\n2 ]\n ") == .array([.number("1"), .number("2")]))
    }

    @Test func aByteOrderMarkIsSkipped() throws {
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        bytes += Array(#"{"a":1}"#.utf8)
        #expect(try parser.parse(Data(bytes)) == .object(["a": .number("1")]))
    }

    // MARK: Strings

    @Test func simpleEscapesDecode() throws {
        #expect(try parse(#""\" \\ \/ \b \f \n \r \t""#) == .string("\" \\ / \u{08} \u{0C} \n \r \t"))
    }

    @Test func unicodeEscapesDecode() throws {
        #expect(try parse(#""\u00e9\u00C9\u0041\u0000""#) == .string("éÉA\u{0}"))
        #expect(try parse(#""\u20AC""#) == .string("€"))
    }

    @Test func surrogatePairsCombine() throws {
        #expect(try parse(#""\uD83D\uDE00""#) == .string("😀"))
        #expect(try parse(#""\ud834\udd1e""#) == .string("𝄞"))
    }

    @Test func rawUTF8IsKept() throws {
        #expect(try parse("\"Größe 😀 日本\"") == .string("Größe 😀 日本"))
    }

    @Test(arguments: [
        (#""\uD83D""#, "unpaired surrogate"),
        (#""\uD83Dx""#, "unpaired surrogate"),
        (#""\uD83D\u0041""#, "unpaired surrogate"),
        (#""\uDE00""#, "unpaired surrogate"),
        (#""\x""#, "invalid escape"),
        (#""\u12""#, "truncated \\u escape"),
        (#""\u12G4""#, "invalid \\u escape"),
        (#""abc"#, "unterminated string"),
        (#""abc\"#, "unterminated escape"),
    ])
    func badStringsAreRefused(text: String, reason: String) {
        let error = failure(text)
        #expect(error?.kind == .syntax)
        #expect(error?.reason == reason)
    }

    @Test(arguments: [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F] as [UInt8])
    func controlCharactersInStringsAreRefused(byte: UInt8) {
        let bytes: [UInt8] = [0x22, 0x61, byte, 0x62, 0x22]
        #expect(throws: JSONParseError.self) { try parser.parse(Data(bytes)) }
        do {
            _ = try parser.parse(Data(bytes))
        } catch {
            #expect(error.reason == "control character in string")
            #expect(error.offset == 2)
        }
    }

    @Test func invalidUTF8IsRefused() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0xFF]] {
            #expect(throws: JSONParseError.self) { try parser.parse(Data(bytes)) }
        }
    }

    @Test func utf8IsValidatedExactlyAsTheStandardLibraryDoes() {
        // Overlong forms, surrogates, values above U+10FFFF, stray and missing continuation bytes, and valid edges.
        var samples: [[UInt8]] = [
            [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xF0, 0x80, 0x80, 0x80],
            [0xF0, 0x8F, 0xBF, 0xBF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80],
            [0xF5, 0x80, 0x80, 0x80], [0xFF], [0x80], [0xBF], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
            [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
            [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0x61, 0xC3, 0xA9, 0x62],
        ]
        // And a deterministic pile of random byte strings (no quotes, backslashes or control characters).
        var state: UInt64 = 42
        for length in 1..<400 {
            var bytes: [UInt8] = []
            for _ in 0..<(length % 9) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let byte = UInt8(truncatingIfNeeded: state >> 56)
                bytes.append(byte < 0x20 || byte == 0x22 || byte == 0x5C ? byte | 0x80 : byte)
            }
            samples.append(bytes)
        }
        for sample in samples {
            let valid = String(validating: sample, as: UTF8.self) != nil
            // Once on the fast path (no escapes) and once on the escaped path.
            for prefix: [UInt8] in [[], [0x5C, 0x6E]] {
                let document = [0x22] + prefix + sample + [0x22]
                let parsed = try? parser.parse(Data(document))
                #expect((parsed != nil) == valid, "\(sample)")
                if valid, let expected = String(validating: sample, as: UTF8.self) {
                    #expect(parsed == .string((prefix.isEmpty ? "" : "\n") + expected))
                }
            }
        }
    }

    // MARK: Grammar

    @Test(arguments: [
        ("[1,]", "unexpected character"),
        ("[1,2,]", "unexpected character"),
        (#"{"a":1,}"#, "expected a string key"),
        ("[,1]", "unexpected character"),
        ("[1 2]", "expected ',' or ']'"),
        (#"{"a" 1}"#, "expected ':'"),
        (#"{"a":1 "b":2}"#, "expected ',' or '}'"),
        ("{a:1}", "expected a string key"),
        ("{'a':1}", "expected a string key"),
        ("['a']", "unexpected character"),
        ("[1] // comment", "unexpected content after the JSON value"),
        ("/* c */ 1", "unexpected character"),
        ("1 2", "unexpected content after the JSON value"),
        ("", "unexpected end of input"),
        ("   ", "unexpected end of input"),
        ("[", "unexpected end of input"),
        ("{", "expected a string key"),
        ("tru", "invalid literal"),
        ("nul", "invalid literal"),
        ("True", "unexpected character"),
        ("NaN", "unexpected character"),
        ("Infinity", "unexpected character"),
        ("-Infinity", "invalid number"),
    ])
    func malformedDocumentsAreRefused(text: String, reason: String) {
        let error = failure(text)
        #expect(error?.kind == .syntax, "\(text)")
        #expect(error?.reason == reason, "\(text)")
    }

    @Test func trailingCommaErrorsPointAtTheOffendingByte() {
        #expect(failure("[1,]")?.offset == 3)
        #expect(failure(#"{"a":1,}"#)?.offset == 7)
    }

    @Test(arguments: [
        ("01", "leading zeros are not allowed"),
        ("-01", "leading zeros are not allowed"),
        ("00", "leading zeros are not allowed"),
        ("1.", "expected a digit after '.'"),
        (".5", "unexpected character"),
        ("+1", "unexpected character"),
        ("-", "invalid number"),
        ("-a", "invalid number"),
        ("1e", "expected a digit in the exponent"),
        ("1e+", "expected a digit in the exponent"),
        ("0x10", "unexpected content after the JSON value"),
        ("1.5.2", "unexpected content after the JSON value"),
    ])
    func malformedNumbersAreRefused(text: String, reason: String) {
        #expect(failure(text)?.reason == reason, "\(text)")
    }

    @Test func duplicateKeysAreRefusedAtTheSecondKey() {
        let error = failure(#"{"a":1,"b":2,"a":3}"#)
        #expect(error?.kind == .syntax)
        #expect(error?.reason == "duplicate key \"a\"")
        #expect(error?.offset == 13)
        // Nested objects are checked too, and the same key in sibling objects is fine.
        #expect(failure(#"{"x":{"k":1,"k":1}}"#)?.reason == "duplicate key \"k\"")
        #expect(failure(#"[{"k":1},{"k":1}]"#) == nil)
    }

    @Test func keysThatDifferOnlyByEscapingAreDuplicates() {
        #expect(failure(#"{"é":1,"\u00e9":2}"#)?.reason == "duplicate key \"é\"")
    }

    // MARK: Limits

    @Test func nestingIsLimited() {
        let shallow = JSONParser(maxDepth: 3)
        #expect(failure("[[[1]]]", parser: shallow) == nil)
        #expect(failure(#"{"a":{"b":[1]}}"#, parser: shallow) == nil)
        #expect(failure("[[[[1]]]]", parser: shallow)?.kind == .tooDeep)
        #expect(failure(#"{"a":{"b":{"c":{}}}}"#, parser: shallow)?.kind == .tooDeep)
        #expect(failure("[[[[1]]]]", parser: shallow)?.offset == 3)
    }

    @Test func theDefaultDepthIs32() {
        let ok = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        let deep = String(repeating: "[", count: 33) + String(repeating: "]", count: 33)
        #expect(failure(ok) == nil)
        #expect(failure(deep)?.kind == .tooDeep)
        // A hostile document fails fast on depth rather than exhausting the stack.
        #expect(failure(String(repeating: "[", count: 200_000))?.kind == .tooDeep)
    }

    @Test func sizeIsLimitedBeforeParsing() {
        let small = JSONParser(maxBytes: 10)
        #expect(failure("[12345678]", parser: small) == nil)
        let error = failure("[123456789]", parser: small)
        #expect(error?.kind == .tooLarge)
        #expect(error?.description == "document larger than 10 bytes at byte 10")
        // Size is checked before syntax: even garbage is reported as too large.
        #expect(failure("not json at all", parser: small)?.kind == .tooLarge)
    }

    /// A body handed over as bytes reads the same as through `Data` or `String`, limits included.
    @Test func bytesParseLikeDataAndText() throws {
        let text = #"{"id":"e-1","n":[1,2.50,{"é":"x\"y"}]}"#
        let parser = JSONParser()
        #expect(try parser.parse(Array(text.utf8)) == parser.parse(Data(text.utf8)))
        #expect(try parser.parse(Array(text.utf8)) == parser.parse(text))
        #expect(throws: JSONParseError.self) { try parser.parse(Array("[1,]".utf8)) }
        let small = JSONParser(maxBytes: 10)
        #expect(throws: JSONParseError.self) { try small.parse(Array("[123456789]".utf8)) }
        #expect(try small.parse(Array("[12345678]".utf8)) == .array([.number("12345678")]))
    }

    @Test func errorsDescribeReasonAndOffset() {
        #expect(failure("[1,]")?.description == "unexpected character at byte 3")
    }

    // MARK: Equality and output

    @Test func jsonEqualsComparesNumbersByValue() throws {
        #expect(JSONValue.number("1").jsonEquals(.number("1.0")))
        #expect(JSONValue.number("100").jsonEquals(.number("1e2")))
        #expect(JSONValue.number("0.1240").jsonEquals(.number("0.124")))
        #expect(!JSONValue.number("1").jsonEquals(.number("1.0001")))
        #expect(!JSONValue.number("1").jsonEquals(.string("1")))
        // Synthesised `==` compares the text.
        #expect(JSONValue.number("1") != .number("1.0"))
    }

    @Test func jsonEqualsIgnoresKeyOrderButNotArrayOrder() throws {
        let a = try parse(#"{"x":[1,2],"y":{"p":1,"q":2.0}}"#)
        let b = try parse(#"{"y":{"q":2,"p":1.00},"x":[1.0,2]}"#)
        #expect(a.jsonEquals(b))
        let ordered = try parse("[1,2]")
        let reversed = try parse("[2,1]")
        #expect(!ordered.jsonEquals(reversed))
        let one = try parse(#"{"a":1}"#)
        let two = try parse(#"{"a":1,"b":2}"#)
        #expect(!one.jsonEquals(two))
        #expect(!two.jsonEquals(one))
    }

    @Test func serializationSortsKeysAndEscapes() throws {
        let value = try parse(#"{"b":"line\nbreak \"q\" \\ \u0001 é","a":[true,null,-0.50]}"#)
        #expect(value.serialized() == #"{"a":[true,null,-0.50],"b":"line\nbreak \"q\" \\ \u0001 é"}"#)
        // What is written parses back to the same value.
        #expect(try parse(value.serialized()) == value)
    }

    @Test(arguments: [
        // Quotes, backslash and the three short control escapes.
        ("\"", #""\"""#), ("\\", #""\\""#), ("\n", #""\n""#), ("\r", #""\r""#), ("\t", #""\t""#),
        // Every other control character as \u00xx in lower-case hex; DEL (0x7F) and "/" as they are.
        ("\u{00}", #""\u0000""#), ("\u{01}", #""\u0001""#), ("\u{08}", #""\u0008""#), ("\u{0B}", #""\u000b""#),
        ("\u{0C}", #""\u000c""#), ("\u{1F}", #""\u001f""#), ("\u{7F}", "\"\u{7F}\""), ("/", #""/""#),
        // Non-ASCII as UTF-8, never escaped: two-, three- and four-byte sequences, a combining mark, an emoji sequence.
        ("é", #""é""#), ("€ 12,50", #""€ 12,50""#), ("😀", #""😀""#), ("e\u{301}", "\"e\u{301}\""),
        ("👩🏽‍💻", #""👩🏽‍💻""#), ("\u{2028}\u{2029}", "\"\u{2028}\u{2029}\""),
        // Runs between escapes, and escapes at both ends.
        ("a\"b\\c\nd", #""a\"b\\c\nd""#), ("\"x\"", #""\"x\"""#), ("", #""""#),
        ("\u{01}é\u{1F}😀\"", #""\u0001é\u001f😀\"""#),
    ])
    func stringsSerializeWithMinimalEscaping(text: String, expected: String) throws {
        #expect(JSONValue.string(text).serialized() == expected)
        #expect(try parse(expected) == .string(text))
    }

    @Test func everyControlCharacterRoundTrips() throws {
        let text = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init)))
        let written = JSONValue.string(text).serialized()
        #expect(written.utf8.allSatisfy { $0 >= 0x20 })
        #expect(try parse(written) == .string(text))
    }

    @Test func serializationIsCompactAndNested() throws {
        let value = JSONValue.object([
            "z": .array([.object([:]), .array([]), .string("\u{0}"), .number("1e-7")]),
            "é": .null, "A": .bool(false), "a": .object(["y": .number("-0.0"), "x": .string("😀")]),
        ])
        #expect(value.serialized() == #"{"A":false,"a":{"x":"😀","y":-0.0},"z":[{},[],"\u0000",1e-7],"é":null}"#)
        #expect(try parse(value.serialized()) == value)
    }

    @Test func keysSortByStringOrderIncludingNonASCII() throws {
        // Swift's String ordering (by Unicode scalar value for these): upper case, lower case, then accented.
        let value = JSONValue.object(["b": .null, "B": .null, "é": .null, "ab": .null, "a": .null, "€": .null])
        #expect(value.serialized() == #"{"B":null,"a":null,"ab":null,"b":null,"é":null,"€":null}"#)
    }

    @Test func aDocumentLargerThanTheFirstGuessSerializesWhole() throws {
        let long = String(repeating: "x\"", count: 5_000)
        let value = JSONValue.array([.string(long), .object(["k": .string(long)])])
        let expected = "[\"" + String(repeating: #"x\""#, count: 5_000) + "\",{\"k\":\""
            + String(repeating: #"x\""#, count: 5_000) + "\"}]"
        #expect(value.serialized() == expected)
    }

    @Test func accessorsAndTypeNames() throws {
        let value = try parse(#"{"s":"x","a":[1],"o":{},"n":1,"b":false,"z":null}"#)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["a"]?.arrayValue == [.number("1")])
        #expect(value["o"]?.objectValue == [:])
        #expect(value["missing"] == nil)
        #expect(value["a"]?["x"] == nil)
        #expect(value["n"]?.stringValue == nil)
        let names = ["s", "a", "o", "n", "b", "z"].compactMap { value[$0]?.typeName }
        #expect(names == ["string", "array", "object", "number", "boolean", "null"])
    }
}
