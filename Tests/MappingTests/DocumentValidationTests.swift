import Events
import Foundation
import Testing

@testable import Mapping

/// A mapping document is refused at compile time with the JSON path of each problem in it.
@Suite("Document validation")
struct DocumentValidationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let fields: String
        let path: String
        let fragment: String
        var testDescription: String { "\(path): \(fragment)" }

        init(_ fields: String, _ path: String, _ fragment: String) {
            self.fields = fields
            self.path = path
            self.fragment = fragment
        }
    }

    static let base = #"$.outputs[0].fields"#
    /// The rule under test sits at `fields["data.x"]`: the dotted key is quoted in the path.
    static let x = base + #"["data.x"]"#

    static let cases: [Case] = [
        Case(#""data.x": {"path": "$.a", "colour": 1}"#, x + ".colour", "unknown key in a rule"),
        Case(#""data.x": {"path": "$.a", "const": 1}"#, x, "only one of path, const"),
        Case(#""data.x": {"required": true}"#, x, "needs one of path, const"),
        Case(#""data.x": {"path": "order.number"}"#, x + ".path", "a path starts with $"),
        Case(#""data.x": {"path": "$.lines[*].qty"}"#, x + ".path", "iteration uses for_each or each"),
        Case(#""data.x": {"path": "$..qty"}"#, x + ".path", "expected a key"),
        Case(
            #""data.x": {"path": "$.a", "transforms": ["titlecase"]}"#, x + ".transforms[0]",
            "unknown transform \"titlecase\""),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"decimal": {"decimal_separator": ",", "grouping_separator": ","}}]}"#,
            x + ".transforms[0].decimal", "must differ"),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"decimal": {"decimal_sep": ","}}]}"#,
            x + ".transforms[0].decimal.decimal_sep", "unknown key in decimal"),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"date": {"format": "dd.MM.yyyy QQ"}}]}"#,
            x + ".transforms[0].date.format", "unknown field \"QQ\""),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"date": {"format": "dd.MM"}}]}"#,
            x + ".transforms[0].date.format", "no year field"),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"datetime": {"format": "yyyy-MM-dd HH:mm"}}]}"#,
            x + ".transforms[0].datetime", "time_zone"),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"datetime": {"format": "yyyy-MM-dd", "time_zone": "UTC"}}]}"#,
            x + ".transforms[0].datetime.format", "needs hour and minute"),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"datetime": {"format": "yyyy-MM-dd hh:mm", "time_zone": "UTC"}}]}"#,
            x + ".transforms[0].datetime.format", "'h' (12-hour) and 'a'"),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"datetime": {"format": "yyyy-MM-dd HH:mm", "time_zone": "Mars/Olympus"}}]}"#,
            x + ".transforms[0].datetime.time_zone", "unknown IANA time zone"),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"datetime": {"format": "yyyy-MM-dd HH:mm", "time_zone": "EST"}}]}"#,
            x + ".transforms[0].datetime.time_zone", "unknown IANA time zone"),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"unit": {"from": "EA", "to": "PAL", "factors": {"EA": "1"}}}]}"#,
            x + ".transforms[0].unit.to", "not in factors"),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"unit": {"from": "EA", "to": "EA", "factors": {"EA": "0"}}}]}"#,
            x + ".transforms[0].unit.factors.EA", "positive decimal"),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"unit": {"to": "EA", "factors": {"EA": "1"}}}]}"#,
            x + ".transforms[0].unit", "exactly one of from"),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"lookup": {"table": "customers"}}]}"#,
            x + ".transforms[0].lookup.table", "not declared"),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"lookup": {"table": "suppliers", "on_missing": "default"}}]}"#,
            x + ".transforms[0].lookup", "needs a default"),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"lookup": {"table": "suppliers", "on_missing": "ignore"}}]}"#,
            x + ".transforms[0].lookup.on_missing", "\"error\", \"default\" or \"keep\""),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"lookup": {"table": "suppliers", "select": "$.id"}}]}"#,
            x + ".transforms[0].lookup.select", "start it with @"),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"map": {"values": {}}}]}"#, x + ".transforms[0].map.values",
            "1 to 10,000"),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"round": {"currency": "usd"}}]}"#,
            x + ".transforms[0].round.currency", "ISO 4217"),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"round": {"currency": "USD", "scale": 2}}]}"#,
            x + ".transforms[0].round", "exactly one of currency"),
        Case(
            #""data.x": {"path": "$.a", "transforms": [{"round": {"scale": 2, "mode": "bankers"}}]}"#,
            x + ".transforms[0].round.mode", "half_even"),
        Case(#""data.x": {"template": "INV-{$.a"}"#, x + ".template", "unclosed {"),
        Case(#""data.x": {"template": "INV"}"#, x + ".template", "use const"),
        Case(#""data.x": {"index": 1}"#, x + ".index", "only allowed inside for_each"),
        Case(#""data.x": {"path": "$.a", "default": 1, "required": true}"#, x + ".required", "never misses"),
        Case(#""data.x": 42"#, x, "a rule is a path string"),
        Case(#""data.x": "literal""#, x, "a rule is a path string"),
        Case(#""data.x": "$.a", "data.x.y": "$.b""#, base + #"["data.x.y"]"#, "conflicts with the target \"data.x\""),
        Case(#""data.x..y": "$.a""#, base + #"["data.x..y"]"#, "a target is dotted keys"),
        Case(#""type": {"const": "x.y"}"#, base + ".type", "set from the output's event_type"),
        Case(#""po_number": "$.a""#, base + ".po_number", "canonical fields go under data."),
        Case(#""id.x": "$.a""#, base + #"["id.x"]"#, "is a single string"),
        Case(#""data.lines[]": {"each": "$.items"}"#, base + #"["data.lines[]"]"#, "either fields"),
        Case(
            #""data.lines[]": {"each": "$.items", "fields": {"qty": {"path": "@.q", "transforms": ["nope"]}}}"#,
            base + #"["data.lines[]"].fields.qty.transforms[0]"#, "unknown transform"),
        Case(
            #""data.lines[]": {"each": "$.items", "when": {"equal": ["@.a", 1]}, "fields": {"a": "@.a"}}"#,
            base + #"["data.lines[]"].when.equal"#, "unknown condition"),
        Case(
            #""data.lines[]": {"each": "$.items", "when": {"in": ["@.a", [[1]]]}, "fields": {"a": "@.a"}}"#,
            base + #"["data.lines[]"].when.in[1][0]"#, "scalars only"),
    ]

    @Test(arguments: cases)
    func problemsAreReportedAtTheirPathInTheDocument(_ testCase: Case) throws {
        let text = MappingTestSupport.documentText(fields: testCase.fields)
        let error = try #require(MappingTestSupport.documentFailure(text))
        #expect(error.code == "mapping_document_invalid")
        #expect(error.httpStatus == 422)
        let issue = error.issues.first { $0.path == testCase.path }
        #expect(issue != nil, "\(error.issues)")
        #expect(issue?.message.contains(testCase.fragment) == true, "\(error.issues)")
    }

    @Test func everyProblemIsReportedAtOnce() throws {
        let text = #"""
            {"slug": "Bad Slug", "version": "1.0", "title": "", "extra": 1, "lookups": ["ok", "ok", "Bad-Name"],
             "outputs": [{"event_type": "Invoice", "schema_version": 0, "fields": {"data.x": "$.a"}}]}
            """#
        let error = try #require(MappingTestSupport.documentFailure(text))
        let paths = Set(error.issues.map(\.path))
        for expected in [
            "$.slug", "$.version", "$.title", "$.extra", "$.source", "$.lookups[1]", "$.lookups[2]",
            "$.outputs[0].event_type", "$.outputs[0].schema_version", "$.outputs[0].fields",
        ] {
            #expect(paths.contains(expected), "\(expected) missing from \(paths)")
        }
        #expect(error.field == error.issues.first?.path)
        #expect(error.message.contains("problems"))
    }

    @Test func theEnvelopeMustBeProduced() throws {
        let text = #"""
            {"slug": "x", "version": "1.0.0", "title": "X", "source": "s",
             "outputs": [{"event_type": "invoice.received", "fields": {"data.invoice_number": "$.n"}}]}
            """#
        let error = try #require(MappingTestSupport.documentFailure(text))
        let messages = error.issues.filter { $0.path == "$.outputs[0].fields" }.map(\.message)
        #expect(messages.contains { $0.contains("\"id\"") })
        #expect(messages.contains { $0.contains("\"occurred_at\"") })
        #expect(messages.contains { $0.contains("\"source\"") })
        #expect(!messages.contains { $0.contains("\"data\"") })
    }

    @Test func invalidJSONAndNonObjectsAreRefusedAtTheRoot() throws {
        for text in ["{", "[]", #"{"a": 1, "a": 2}"#] {
            let error = try #require(MappingTestSupport.documentFailure(text))
            #expect(error.code == "mapping_document_invalid")
            #expect(error.issues.first?.path == "$")
        }
    }

    @Test func aValidDocumentExposesItsIdentityAndTables() throws {
        let document = try MappingTestSupport.document(
            fields: #""data.po_number": "$.n""#, lookups: ["suppliers", "users"])
        #expect(document.slug == "test-mapping")
        #expect(document.version == MappingVersion("1.0.0"))
        #expect(document.lookupTables == ["suppliers", "users"])
        #expect(document.outputs == [OutputDescription(eventType: "purchase_order.created", schemaVersion: 1)])
    }

    @Test func versionsAreSemanticAndOrderedNumerically() throws {
        let older = try #require(MappingVersion("1.9.0"))
        let newer = try #require(MappingVersion("1.10.0"))
        #expect(older < newer)
        #expect(newer.description == "1.10.0")
        for bad in ["1.0", "01.0.0", "1.0.0-beta", "v1.0.0", "1..0", "-1.0.0"] {
            #expect(MappingVersion(bad) == nil, "\(bad)")
        }
    }

    @Test func outputsMustNameEventTypesTheCatalogHas() throws {
        let catalog = try MappingTestSupport.catalog()
        let known = try MappingTestSupport.document(fields: #""data.po_number": "$.n""#)
        try known.checkEventTypes(in: catalog)
        let text = MappingTestSupport.documentText(fields: #""data.x": "$.n""#)
            .replacingOccurrences(of: "purchase_order.created", with: "purchase_order.exploded")
        let unknown = try MappingDocument.parse(Data(text.utf8))
        #expect {
            try unknown.checkEventTypes(in: catalog)
        } throws: { error in
            (error as? MappingError)?.issues.first?.path == "$.outputs[0].event_type"
        }
    }
}
