import Events
import Foundation
import Testing

@testable import Mapping

/// Builds small mapping documents around the rule under test, and finds the shipped files.
enum MappingTestSupport {
    /// `Tests/MappingTests/<this file>` → the repository root.
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static var mappingsFolder: URL { repositoryRoot.appendingPathComponent("Templates/mappings", isDirectory: true) }

    static func catalog() throws -> EventCatalog {
        try EventCatalog.load(from: repositoryRoot.appendingPathComponent("Templates/events", isDirectory: true))
    }

    static func json(_ text: String) throws -> JSONValue {
        try JSONParser().parse(text)
    }

    static func fixture(_ name: String) throws -> JSONValue {
        let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return try JSONParser().parse(Data(contentsOf: url.appendingPathComponent(name)))
    }

    /// A document with one output whose envelope is fixed and whose `fields` add `extraFields` (JSON members text).
    static func documentText(
        fields extraFields: String, forEach: String? = nil, when: String? = nil, lookups: [String] = ["suppliers"]
    ) -> String {
        let loop = forEach.map { #""for_each": "\#($0)","# } ?? ""
        let condition = when.map { #""when": \#($0),"# } ?? ""
        let tables = lookups.map { "\"\($0)\"" }.joined(separator: ",")
        return """
            {"slug": "test-mapping", "version": "1.0.0", "title": "Test", "source": "unit tests",
             "lookups": [\(tables)],
             "outputs": [{"event_type": "purchase_order.created", \(loop) \(condition)
               "fields": {"id": {"const": "evt-1"}, "occurred_at": {"const": "2026-11-02T09:15:00Z"},
                          "source": {"const": "test"}, \(extraFields)}}]}
            """
    }

    static func document(
        fields: String, forEach: String? = nil, when: String? = nil, lookups: [String] = ["suppliers"],
        limits: MappingLimits = MappingLimits()
    ) throws -> MappingDocument {
        try MappingDocument.parse(
            Data(documentText(fields: fields, forEach: forEach, when: when, lookups: lookups).utf8), limits: limits)
    }

    /// Maps `payload` with a single rule producing `data.value` and returns that value (nil when left out).
    static func value(
        rule: String, payload: String, lookups: InMemoryReferenceLookup = InMemoryReferenceLookup()
    ) throws -> JSONValue? {
        let plan = try document(fields: #""data.value": \#(rule)"#).plan
        let events = try plan.apply(payload: try json(payload), lookups: lookups)
        return try #require(events.first)["data"]?["value"]
    }

    /// The error mapping `payload` with a single rule raises, or nil when it maps.
    static func failure(
        rule: String, payload: String, lookups: InMemoryReferenceLookup = InMemoryReferenceLookup()
    ) throws -> MappingError? {
        let plan = try document(fields: #""data.value": \#(rule)"#).plan
        let parsed = try json(payload)
        do {
            _ = try plan.apply(payload: parsed, lookups: lookups)
            return nil
        } catch {
            return error
        }
    }

    /// The document error for `text`, or nil if it compiles.
    static func documentFailure(_ text: String, limits: MappingLimits = MappingLimits()) -> MappingError? {
        do {
            _ = try MappingDocument.parse(Data(text.utf8), limits: limits)
            return nil
        } catch {
            return error
        }
    }

    static let suppliers = InMemoryReferenceLookup([
        "suppliers": [
            "1187": .object(["id": .string("SUP-007"), "name": .string("Northern Fasteners Ltd")]),
            "42": .object(["id": .string("SUP-042")]),
        ]
    ])
}
