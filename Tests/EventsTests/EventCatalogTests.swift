import Foundation
import Testing

@testable import Events

/// A small but complete schema document for `type`, with the given `data` schema.
func schemaText(
    type: String = "thing.happened", version: String = "1", data: String = #"{"type":"object"}"#,
    envelopeRequired: [String] = ["type", "id", "occurred_at", "source", "data"], rootType: String = #""object""#,
    typeProperty: String? = nil, title: String = "Thing happened"
) -> String {
    let required = "[" + envelopeRequired.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    return #"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "x-event-type": \#(JSONValue.string(type).serialized()),
          "x-event-version": \#(version),
          "title": "\#(title)",
          "description": "For tests.",
          "type": \#(rootType),
          "required": \#(required),
          "additionalProperties": false,
          "properties": {
            "type": \#(typeProperty ?? #"{"const": \#(JSONValue.string(type).serialized())}"#),
            "id": {"type": "string", "minLength": 1},
            "occurred_at": {"type": "string", "format": "date-time"},
            "source": {"type": "string", "minLength": 1},
            "schema_version": {"type": "integer"},
            "caused_by": {"type": "string"},
            "traceparent": {"type": "string"},
            "data": \#(data)
          }
        }
        """#
}

func file(_ name: String, _ text: String) -> (name: String, data: Data) {
    (name, Data(text.utf8))
}

/// The problem `EventCatalog(files:)` reports, as `"file: problem"`, or nil when the catalog loads.
func catalogProblem(_ files: [(name: String, data: Data)]) -> String? {
    do {
        _ = try EventCatalog(files: files)
        return nil
    } catch {
        return error.message
    }
}

func event(type: String = "thing.happened", extra: String = "", data: String = "{}") -> String {
    #"{"type":"\#(type)","id":"evt-1","occurred_at":"2026-11-05T14:02:00Z","source":"erp","data":\#(data)\#(extra)}"#
}

@Suite("Event catalog loading")
struct EventCatalogLoadingTests {
    @Test func aValidFileLoads() throws {
        let catalog = try EventCatalog(files: [file("thing.happened.v1.json", schemaText())])
        let schema = try #require(catalog.schema(type: "thing.happened", version: 1))
        #expect(schema.title == "Thing happened")
        #expect(schema.description == "For tests.")
        #expect(schema.fileName == "thing.happened.v1.json")
        #expect(schema.document["x-event-type"] == .string("thing.happened"))
        #expect(catalog.schema(type: "thing.happened", version: 2) == nil)
        #expect(catalog.schema(type: "other.thing", version: 1) == nil)
    }

    @Test func typesAreSortedAndVersionsOldestFirst() throws {
        let catalog = try EventCatalog(files: [
            file("b.v2.json", schemaText(type: "b.thing", version: "2")),
            file("a.v1.json", schemaText(type: "a.thing")),
            file("b.v10.json", schemaText(type: "b.thing", version: "10")),
            file("b.v1.json", schemaText(type: "b.thing")),
        ])
        #expect(catalog.types.map(\.type) == ["a.thing", "b.thing"])
        #expect(catalog.types.last?.versions.map(\.version) == [1, 2, 10])
        #expect(catalog.types.last?.latest?.version == 10)
        #expect(catalog.types.first?.latest?.fileName == "a.v1.json")
    }

    @Test func anEmptyCatalogIsRefused() {
        #expect(catalogProblem([]) == "(catalog): no *.json schema files found")
    }

    @Test func invalidJSONNamesTheFile() {
        #expect(catalogProblem([file("broken.json", "{\"a\": 1,}")]) == "broken.json: invalid JSON: expected a string key at byte 8")
    }

    @Test func compileErrorsNameTheFileAndPointer() {
        let text = schemaText(data: #"{"type":"object","properties":{"n":{"type":"string","maxLenght":3}}}"#)
        #expect(catalogProblem([file("t.json", text)]) == #"t.json: unknown keyword "maxLenght" at #/properties/data/properties/n"#)
    }

    @Test(arguments: [
        "Invoice.Received", "invoice", "invoice..received", "1nvoice.received", "invoice.received.", ".invoice.received",
        "invoice-received.v1", "invoice.Received", "invoice.réceived", "invoice received.x", "",
        "a." + String(repeating: "b", count: 99),
    ])
    func badEventTypeNamesAreRefused(name: String) {
        let text = schemaText(type: name)
        #expect(
            catalogProblem([file("t.json", text)])
                == #"t.json: x-event-type must name the event type, such as "invoice.received""#)
    }

    @Test func xEventTypeMustBeAString() {
        let text = schemaText().replacingOccurrences(of: #""x-event-type": "thing.happened""#, with: #""x-event-type": 5"#)
        #expect(catalogProblem([file("t.json", text)])?.hasSuffix("x-event-type must name the event type, such as \"invoice.received\"") == true)
        let missing = schemaText().replacingOccurrences(of: #""x-event-type": "thing.happened","#, with: "")
        #expect(catalogProblem([file("t.json", missing)])?.contains("x-event-type must name") == true)
    }

    @Test(arguments: ["a.b", "purchase_order.created", "a1.b_2.c3", "a." + String(repeating: "b", count: 98)])
    func goodEventTypeNames(name: String) {
        #expect(EventCatalog.isEventTypeName(name))
        #expect(catalogProblem([file("t.json", schemaText(type: name))]) == nil)
    }

    @Test(arguments: ["0", "-1", #""1""#, "1.5", "null", "1e0"])
    func xEventVersionMustBeAPositiveInteger(version: String) {
        #expect(catalogProblem([file("t.json", schemaText(version: version))]) == "t.json: x-event-version must be a positive integer")
    }

    @Test func theRootMustBeAnObjectWithATypeConstant() {
        let expected = #"t.json: the schema must be an object whose properties.type is {"const": "thing.happened"}"#
        #expect(catalogProblem([file("t.json", schemaText(rootType: #""array""#))]) == expected)
        #expect(catalogProblem([file("t.json", schemaText(rootType: #"["object","null"]"#))]) == expected)
        #expect(catalogProblem([file("t.json", schemaText(typeProperty: #"{"const": "other.thing"}"#))]) == expected)
        #expect(catalogProblem([file("t.json", schemaText(typeProperty: #"{"type": "string"}"#))]) == expected)
        #expect(catalogProblem([file("t.json", schemaText(typeProperty: #"{"enum": ["thing.happened"]}"#))]) == expected)
    }

    @Test(arguments: ["type", "id", "occurred_at", "source", "data"])
    func everyEnvelopeFieldMustBeRequired(field: String) {
        let required = ["type", "id", "occurred_at", "source", "data"].filter { $0 != field }
        #expect(
            catalogProblem([file("t.json", schemaText(envelopeRequired: required))])
                == "t.json: the envelope field \"\(field)\" must be required")
    }

    @Test func duplicateVersionsAreRefused() {
        let problem = catalogProblem([
            file("a.json", schemaText()), file("b.json", schemaText(version: "2")), file("c.json", schemaText()),
        ])
        #expect(problem == "c.json: duplicate schema for thing.happened version 1 (also in a.json)")
    }

    @Test func catalogErrorsAreCodedErrors() throws {
        let error = try #require(#expect(throws: EventCatalogError.self) { try EventCatalog(files: []) })
        #expect(error.code == "event_catalog_invalid")
        #expect(error.httpStatus == 500)
        #expect(error.file == "(catalog)")
        #expect(error.description == "event_catalog_invalid: (catalog): no *.json schema files found")
    }

    // MARK: load(from:)

    func temporaryFolder(_ files: [String: String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("events-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files {
            try Data(text.utf8).write(to: folder.appendingPathComponent(name))
        }
        return folder
    }

    @Test func loadReadsJSONFilesAndSkipsEverythingElse() throws {
        let folder = try temporaryFolder([
            "a.thing.v1.json": schemaText(type: "a.thing"),
            "b.thing.v1.json": schemaText(type: "b.thing"),
            "README.md": "# not a schema",
            "notes.txt": "{",
            ".draft.json": "{ not even JSON",
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let catalog = try EventCatalog.load(from: folder, limits: EventLimits(maxViolations: 7))
        #expect(catalog.types.map(\.type) == ["a.thing", "b.thing"])
        #expect(catalog.limits.maxViolations == 7)
    }

    @Test func loadReportsTheBadFile() throws {
        let folder = try temporaryFolder(["good.json": schemaText(), "zbad.json": "[]"])
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: EventCatalogError(file: "zbad.json", problem: "the document must be a JSON object at #")) {
            try EventCatalog.load(from: folder)
        }
    }

    @Test func loadRefusesAMissingOrEmptyFolder() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("events-missing-\(UUID().uuidString)")
        #expect(throws: EventCatalogError(file: missing.path, problem: "cannot list the catalog folder")) {
            try EventCatalog.load(from: missing)
        }
        let empty = try temporaryFolder(["README.md": "nothing here"])
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: EventCatalogError(file: "(catalog)", problem: "no *.json schema files found")) {
            try EventCatalog.load(from: empty)
        }
    }
}

@Suite("Event validation")
struct EventValidationTests {
    static let v1 = schemaText(data: #"{"type":"object","required":["n"],"properties":{"n":{"type":"integer"}}}"#)
    static let v2 = schemaText(
        version: "2",
        data: #"{"type":"object","required":["n","m"],"properties":{"n":{"type":"integer"},"m":{"type":"string"}}}"#)

    func catalog(limits: EventLimits = EventLimits()) throws -> EventCatalog {
        try EventCatalog(files: [file("v1.json", Self.v1), file("v2.json", Self.v2)], limits: limits)
    }

    func failure(_ catalog: EventCatalog, _ text: String) -> EventError? {
        do {
            _ = try catalog.validate(Data(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func aValidEventIsTakenApart() throws {
        let text = event(
            extra: #","caused_by":"evt-0","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01""#,
            data: #"{"n":1,"extra":[true]}"#
        ).replacingOccurrences(of: "2026-11-05T14:02:00Z", with: "2026-11-05T16:02:00.250+02:00")
        let validated = try catalog().validate(Data(text.utf8))
        #expect(validated.type == "thing.happened")
        #expect(validated.schemaVersion == 1)
        #expect(validated.id == "evt-1")
        #expect(validated.source == "erp")
        #expect(validated.occurredAtText == "2026-11-05T16:02:00.250+02:00")
        #expect(validated.occurredAt == Date(timeIntervalSince1970: 1_793_887_320.25))
        #expect(validated.data == .object(["n": .number("1"), "extra": .array([.bool(true)])]))
        #expect(validated.causedBy == "evt-0")
        #expect(validated.traceparent == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        let document = try JSONParser().parse(text)
        #expect(validated.document == document)
    }

    @Test func optionalLineageIsNilWhenAbsent() throws {
        let validated = try catalog().validate(Data(event(data: #"{"n":1}"#).utf8))
        #expect(validated.causedBy == nil)
        #expect(validated.traceparent == nil)
    }

    @Test func withoutSchemaVersionTheFirstVersionApplies() throws {
        let events = try catalog()
        #expect(try events.validate(Data(event(data: #"{"n":1}"#).utf8)).schemaVersion == 1)
        // With only a v2 published, v2 is the first.
        let onlyV2 = try EventCatalog(files: [file("v2.json", Self.v2)])
        #expect(onlyV2.violations(of: event(data: #"{"n":1}"#)).map(\.description) == ["$.data.m: is required"])
    }

    @Test func schemaVersionSelectsTheVersion() throws {
        let events = try catalog()
        let v2 = try events.validate(Data(event(extra: #","schema_version":2"#, data: #"{"n":1,"m":"x"}"#).utf8))
        #expect(v2.schemaVersion == 2)
        let error = failure(events, event(extra: #","schema_version":2"#, data: #"{"n":1}"#))
        #expect(error?.code == "invalid_event")
        #expect(error?.httpStatus == 422)
        #expect(error?.field == "$.data.m")
        #expect(error?.message == "thing.happened v2 event is invalid (1 violation): $.data.m: is required")
    }

    @Test func anUnknownSchemaVersionIsNamed() throws {
        let events = try catalog()
        let error = failure(events, event(extra: #","schema_version":3"#, data: #"{"n":1}"#))
        #expect(error?.code == "unknown_event_type")
        #expect(error?.httpStatus == 422)
        #expect(error?.field == "$.schema_version")
        #expect(error?.message == #"event type "thing.happened" has no schema version 3 (known: 1, 2)"#)
    }

    @Test(arguments: [#""2""#, "0", "-1", "1.5", "2.0", "null", "true"])
    func aMalformedSchemaVersionIsRefused(version: String) throws {
        let events = try catalog()
        let error = failure(events, event(extra: #","schema_version":\#(version)"#, data: #"{"n":1}"#))
        #expect(error?.code == "invalid_event")
        #expect(error?.violations == [Violation(path: "$.schema_version", message: "must be a positive integer")])
    }

    @Test func anUnknownTypeIsRefusedWithItsName() throws {
        let events = try catalog()
        let error = failure(events, event(type: "thing.vanished"))
        #expect(error?.code == "unknown_event_type")
        #expect(error?.httpStatus == 422)
        #expect(error?.field == "$.type")
        #expect(error?.message == #"unknown event type "thing.vanished"; GET /v1/event-types lists the known types"#)
    }

    @Test(arguments: [
        ("[]", "$: must be an object"),
        (#""event""#, "$: must be an object"),
        (#"{"id":"x"}"#, "$.type: is required"),
        (#"{"type":5}"#, "$.type: must be a string"),
        (#"{"type":null}"#, "$.type: must be a string"),
    ])
    func theEnvelopeMustNameItsType(text: String, violation: String) throws {
        let events = try catalog()
        let error = failure(events, text)
        #expect(error?.code == "invalid_event")
        #expect(error?.violations.map(\.description) == [violation])
        #expect(error?.field == violation.components(separatedBy: ":").first)
    }

    @Test func everyViolationIsListed() throws {
        let text = #"{"type":"thing.happened","id":"","occurred_at":"yesterday","data":{"n":"one"},"extra":1}"#
        let events = try catalog()
        let error = failure(events, text)
        #expect(
            error?.violations.map(\.description) == [
                "$.source: is required", "$.data.n: must be an integer", "$.extra: is not allowed",
                "$.id: must not be empty", "$.occurred_at: must be an RFC 3339 date-time such as 2026-11-05T14:02:00Z",
            ])
        #expect(error?.field == "$.source")
        #expect(error?.message.hasPrefix("thing.happened v1 event is invalid (5 violations): $.source: is required; ") == true)
    }

    @Test func violationsBeyondTheLimitAreCut() throws {
        let events = try catalog(limits: EventLimits(maxViolations: 2))
        let text = #"{"type":"thing.happened","data":{"n":1},"a":1,"b":2}"#
        let error = failure(events, text)
        #expect(error?.violations.count == 2)
        #expect(
            error?.message
                == "thing.happened v1 event is invalid (2 violations or more): $.id: is required; $.occurred_at: is required; further violations not listed"
        )
    }

    @Test func invalidJSONIsABadRequest() throws {
        let events = try catalog()
        let error = failure(events, #"{"type":"thing.happened",}"#)
        #expect(error?.code == "invalid_json")
        #expect(error?.httpStatus == 400)
        #expect(error?.message == "the event is not valid JSON: expected a string key at byte 25")
        #expect(failure(events, #"{"type":"a","type":"b"}"#)?.code == "invalid_json")
    }

    @Test func oversizedEventsAreRefusedBeforeParsing() throws {
        let events = try catalog(limits: EventLimits(maxDocumentBytes: 64))
        let error = failure(events, "[" + String(repeating: " ", count: 64) + "]")
        #expect(error?.code == "event_too_large")
        #expect(error?.httpStatus == 413)
        #expect(error?.message == "the event is larger than 64 bytes")
    }

    @Test func deepEventsAreRefused() throws {
        let events = try catalog(limits: EventLimits(maxDepth: 3))
        #expect(failure(events, event(data: #"{"n":1,"x":{}}"#)) == nil)
        let parsed = failure(events, event(data: #"{"n":1,"x":{"y":[]}}"#))
        #expect(parsed?.code == "invalid_json")
        #expect(parsed?.httpStatus == 400)
        // An already-parsed value gets the same limit.
        let value = try JSONParser().parse(event(data: #"{"n":1,"x":{"y":[]}}"#))
        do {
            _ = try events.validate(value)
            Issue.record("expected a depth error")
        } catch {
            #expect(error.code == "invalid_json")
            #expect(error.message == "the event nests deeper than 3 levels")
        }
    }

    @Test func theEnvelopeIsCheckedInCodeEvenWhenASchemaIsLoose() throws {
        let loose = #"""
            {"x-event-type":"loose.thing","x-event-version":1,"type":"object",
             "required":["type","id","occurred_at","source","data"],
             "properties":{"type":{"const":"loose.thing"}}}
            """#
        let catalog = try EventCatalog(files: [file("loose.json", loose)])
        let text = #"{"type":"loose.thing","id":"","occurred_at":"2026-11-05","source":5,"data":[]}"#
        #expect(
            catalog.violations(of: text).map(\.description) == [
                "$.id: must be a non-empty string", "$.occurred_at: must be an RFC 3339 date-time",
                "$.source: must be a non-empty string", "$.data: must be an object",
            ])
        let fine = #"{"type":"loose.thing","id":"x","occurred_at":"2026-11-05T00:00:00Z","source":"s","data":{}}"#
        #expect(catalog.violations(of: fine) == [])
    }

    @Test func depthIsMeasuredLikeTheParser() throws {
        // Scalars have no depth; an object or array is level 1, and so on inwards.
        #expect(!EventCatalog.nests(.string("x"), deeperThan: 0))
        #expect(EventCatalog.nests(.object([:]), deeperThan: 0))
        #expect(!EventCatalog.nests(.object([:]), deeperThan: 1))
        let four = try JSONParser().parse(#"{"a":[{"b":[]}],"c":1}"#)
        #expect(EventCatalog.nests(four, deeperThan: 3))
        #expect(!EventCatalog.nests(four, deeperThan: 4))
        // The parser's own limit and this one agree: what the parser accepts at depth n passes a limit of n.
        let fifty = String(repeating: "[", count: 50) + String(repeating: "]", count: 50)
        #expect(!EventCatalog.nests(try JSONParser(maxDepth: 50).parse(fifty), deeperThan: 50))
        #expect(EventCatalog.nests(try JSONParser(maxDepth: 100).parse(fifty), deeperThan: 49))
        // It stops one level past the limit, however deep the value goes.
        let deep = try JSONParser(maxDepth: 200).parse(String(repeating: "[", count: 200) + String(repeating: "]", count: 200))
        #expect(EventCatalog.nests(deep, deeperThan: 5))
    }
}
