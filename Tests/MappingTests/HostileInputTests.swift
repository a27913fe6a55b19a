import Events
import Foundation
import Testing

@testable import Mapping

/// Payloads and documents built to exhaust memory, time or stack end in a typed error.
@Suite("Hostile input")
struct HostileInputTests {
    static let lines = #""data.lines[]": {"each": "$.items", "fields": {"sku": "@.sku"}}"#

    static func expectError(
        _ code: String, sourcePath: String? = nil, _ body: () throws -> Void,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            try body()
            Issue.record("expected \(code)", sourceLocation: sourceLocation)
        } catch let error as MappingError {
            #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
            if let sourcePath { #expect(error.sourcePath == sourcePath, sourceLocation: sourceLocation) }
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func deeplyNestedPayloadBytesAreRefusedBeforeMapping() throws {
        let plan = try MappingTestSupport.document(fields: #""data.x": "$.a""#).plan
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        Self.expectError("mapping_payload_invalid") {
            _ = try plan.apply(payloadData: Data(deep.utf8), lookups: InMemoryReferenceLookup())
        }
        Self.expectError("mapping_payload_invalid") {
            _ = try plan.apply(payloadData: Data(#"{"a": "#.utf8), lookups: InMemoryReferenceLookup())
        }
    }

    @Test func oversizedPayloadsAreRefused() throws {
        var limits = MappingLimits()
        limits.maxPayloadBytes = 1_000
        let plan = try MappingTestSupport.document(fields: #""data.x": "$.a""#, limits: limits).plan
        let big = #"{"a": ""# + String(repeating: "x", count: 2_000) + #""}"#
        Self.expectError("mapping_limit_exceeded") {
            _ = try plan.apply(payloadData: Data(big.utf8), lookups: InMemoryReferenceLookup())
        }
    }

    @Test func hugeArraysStopAtTheItemLimit() throws {
        let plan = try MappingTestSupport.document(fields: Self.lines).plan
        let items = JSONValue.array(Array(repeating: .object(["sku": .string("A")]), count: 10_001))
        Self.expectError("mapping_limit_exceeded", sourcePath: "$.items") {
            _ = try plan.apply(payload: .object(["items": items]), lookups: InMemoryReferenceLookup())
        }
        // At the limit itself it maps.
        let allowed = JSONValue.array(Array(repeating: .object(["sku": .string("A")]), count: 10_000))
        let events = try plan.apply(payload: .object(["items": allowed]), lookups: InMemoryReferenceLookup())
        #expect(events.first?["data"]?["lines"]?.arrayValue?.count == 10_000)
    }

    @Test func nestedArraysCannotMultiplyWorkBeyondTheVisitedLimit() throws {
        var limits = MappingLimits()
        limits.maxVisitedItems = 5_000
        let plan = try MappingTestSupport.document(
            fields: #""data.lines[]": {"each": "$.outer", "fields": {"parts[]": {"each": "@.inner", "value": "@.n"}}}"#,
            limits: limits
        ).plan
        let inner = JSONValue.object(["inner": .array(Array(repeating: .object(["n": .number("1")]), count: 100))])
        let payload = JSONValue.object(["outer": .array(Array(repeating: inner, count: 100))])
        Self.expectError("mapping_limit_exceeded") {
            _ = try plan.apply(payload: payload, lookups: InMemoryReferenceLookup())
        }
    }

    @Test func aPayloadCannotProduceUnboundedEvents() throws {
        var limits = MappingLimits()
        limits.maxEventsPerPayload = 10
        let plan = try MappingTestSupport.document(fields: #""data.x": "@.n""#, forEach: "$.records", limits: limits)
            .plan
        let records = JSONValue.array(Array(repeating: .object(["n": .number("1")]), count: 11))
        Self.expectError("mapping_limit_exceeded") {
            _ = try plan.apply(payload: .object(["records": records]), lookups: InMemoryReferenceLookup())
        }
        let ten = JSONValue.array(Array(repeating: .object(["n": .number("1")]), count: 10))
        #expect(try plan.apply(payload: .object(["records": ten]), lookups: InMemoryReferenceLookup()).count == 10)
    }

    @Test func templatesCannotBuildHugeStrings() throws {
        let plan = try MappingTestSupport.document(fields: #""data.x": {"template": "{$.a}{$.a}{$.a}"}"#).plan
        let payload = JSONValue.object(["a": .string(String(repeating: "x", count: 4_000))])
        Self.expectError("mapping_limit_exceeded") {
            _ = try plan.apply(payload: payload, lookups: InMemoryReferenceLookup())
        }
    }

    @Test func deeplyNestedPayloadValuesAreNeverWalked() throws {
        // Conditions compare scalars only, so a deep structure is neither recursed into nor equal to itself.
        var deep = JSONValue.string("bottom")
        for _ in 0..<2_000 { deep = .array([deep]) }
        let plan = try MappingTestSupport.document(
            fields: #""data.x": {"const": 1}"#, when: #"{"not": {"equals": ["$.deep", "$.deep"]}}"#
        ).plan
        let events = try plan.apply(payload: .object(["deep": deep]), lookups: InMemoryReferenceLookup())
        #expect(events.count == 1)
    }

    @Test func deeplyNestedRulesAreRefusedWhenTheDocumentCompiles() throws {
        func nots(_ depth: Int) -> String {
            String(repeating: #"{"not": "#, count: depth) + #"{"exists": "$.a"}"# + String(repeating: "}", count: depth)
        }
        let tooManyRules = MappingTestSupport.documentText(fields: #""data.x": "$.a""#, when: nots(20))
        let error = try #require(MappingTestSupport.documentFailure(tooManyRules))
        #expect(error.issues.contains { $0.message.contains("rules nest deeper than 16 levels") })
        #expect(error.issues.first?.path.hasPrefix("$.outputs[0].when.not.not") == true)
        let tooDeepJSON = MappingTestSupport.documentText(fields: #""data.x": "$.a""#, when: nots(200))
        let jsonError = try #require(MappingTestSupport.documentFailure(tooDeepJSON))
        #expect(jsonError.issues.first?.path == "$")
        #expect(jsonError.issues.first?.message.contains("nesting deeper") == true)
        // Within the limit it compiles.
        #expect(
            MappingTestSupport.documentFailure(
                MappingTestSupport.documentText(fields: #""data.x": "$.a""#, when: nots(10))) == nil)
    }

    @Test func oversizedDocumentsAreRefused() throws {
        var limits = MappingLimits()
        limits.maxDocumentBytes = 500
        let text = MappingTestSupport.documentText(
            fields: #""data.x": {"const": "\#(String(repeating: "y", count: 600))"}"#)
        let error = try #require(MappingTestSupport.documentFailure(text, limits: limits))
        #expect(error.code == "mapping_document_invalid")
        #expect(error.issues.first?.message.contains("larger than 500 bytes") == true)
    }

    @Test func aDocumentWithManyMistakesReportsABoundedList() throws {
        let fields = (0..<80).map { #""data.f\#($0)": {"nope": 1}"# }.joined(separator: ", ")
        let error = try #require(MappingTestSupport.documentFailure(MappingTestSupport.documentText(fields: fields)))
        #expect(error.issues.count == 50)
        #expect(error.message.hasSuffix("further problems not listed"))
    }
}
