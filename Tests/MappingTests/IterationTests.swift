import Events
import Foundation
import Testing

@testable import Mapping

/// `for_each` (one event per element), array targets (`data.lines[]`), `index`, and
/// the concrete source paths errors name from inside iterations.
@Suite("Iteration")
struct IterationTests {
    static let batch = #"""
        {"batch": "B1",
         "orders": [
           {"no": "PO-1", "kind": "po", "items": [{"sku": "A", "qty": "1"}, {"sku": "B", "qty": "2", "skip": true}, {"sku": "C", "qty": "3"}]},
           {"no": "X-9", "kind": "memo"},
           {"no": "PO-2", "kind": "po", "items": [{"sku": "D", "qty": "oops"}]}
         ]}
        """#

    @Test func forEachMakesOneEventPerMatchingElement() throws {
        let document = try MappingTestSupport.document(
            fields: #""data.po_number": "@.no", "data.batch": "$.batch""#, forEach: "$.orders",
            when: #"{"equals": ["@.kind", "po"]}"#)
        let events = try document.plan.apply(
            payload: try MappingTestSupport.json(Self.batch), lookups: InMemoryReferenceLookup())
        #expect(events.map { $0["data"]?["po_number"] } == [.string("PO-1"), .string("PO-2")])
        // `$` still reaches the whole payload from inside the loop.
        #expect(events.allSatisfy { $0["data"]?["batch"] == .string("B1") })
        #expect(
            events.allSatisfy {
                $0["type"] == .string("purchase_order.created") && $0["schema_version"] == .number("1")
            })
    }

    @Test func arrayTargetsBuildOneElementPerSourceElementWithFiltersAndPositions() throws {
        let document = try MappingTestSupport.document(
            fields: #"""
                "data.po_number": "$.orders[0].no",
                "data.lines[]": {"each": "$.orders[0].items", "when": {"not": {"equals": ["@.skip", true]}},
                  "fields": {"line": {"index": 1}, "sku": "@.sku", "quantity": {"path": "@.qty", "transforms": ["decimal"]},
                             "order": "$.orders[0].no", "detail.position": {"index": 0}}},
                "data.skus[]": {"each": "$.orders[0].items", "value": {"path": "@.sku", "transforms": ["lower"]}}
                """#)
        let events = try document.plan.apply(
            payload: try MappingTestSupport.json(Self.batch), lookups: InMemoryReferenceLookup())
        let data = try #require(events.first?["data"])
        let expected = try MappingTestSupport.json(
            #"""
            [{"line": 1, "sku": "A", "quantity": "1", "order": "PO-1", "detail": {"position": 0}},
             {"line": 3, "sku": "C", "quantity": "3", "order": "PO-1", "detail": {"position": 2}}]
            """#)
        #expect(data["lines"] == expected)
        #expect(data["skus"] == .array([.string("a"), .string("b"), .string("c")]))
    }

    @Test func nestedIterationErrorsNameTheConcreteSourcePath() throws {
        let document = try MappingTestSupport.document(
            fields: #"""
                "data.po_number": "@.no",
                "data.lines[]": {"each": "@.items", "fields": {"quantity": {"path": "@.qty", "transforms": ["decimal"]}}}
                """#, forEach: "$.orders", when: #"{"exists": "@.items"}"#)
        #expect {
            try document.plan.apply(
                payload: try MappingTestSupport.json(Self.batch), lookups: InMemoryReferenceLookup())
        } throws: { error in
            guard let error = error as? MappingError else { return false }
            return error.code == "mapping_transform_failed" && error.sourcePath == "$.orders[2].items[0].qty"
                && error.target == "data.lines[].quantity" && error.rule == "transforms[0] decimal"
                && error.field == "$.orders[2].items[0].qty"
        }
    }

    @Test func aRequiredArrayThatIsAbsentFailsAndAnOptionalOneIsLeftOut() throws {
        let payload = try MappingTestSupport.json(#"{"no": "PO-1"}"#)
        let optional = try MappingTestSupport.document(
            fields: #""data.po_number": "$.no", "data.lines[]": {"each": "$.items", "fields": {"sku": "@.sku"}}"#)
        let event = try #require(try optional.plan.apply(payload: payload, lookups: InMemoryReferenceLookup()).first)
        #expect(event["data"]?["lines"] == nil)
        let required = try MappingTestSupport.document(
            fields: #""data.lines[]": {"each": "$.items", "required": true, "fields": {"sku": "@.sku"}}"#)
        #expect {
            try required.plan.apply(payload: payload, lookups: InMemoryReferenceLookup())
        } throws: { error in
            (error as? MappingError)?.code == "mapping_value_missing"
                && (error as? MappingError)?.target == "data.lines[]"
        }
    }

    @Test func iteratingOverSomethingOtherThanAnArrayIsATypeMismatch() throws {
        let document = try MappingTestSupport.document(
            fields: #""data.lines[]": {"each": "$.items", "fields": {"sku": "@.sku"}}"#)
        #expect {
            try document.plan.apply(
                payload: try MappingTestSupport.json(#"{"items": {"sku": "A"}}"#), lookups: InMemoryReferenceLookup())
        } throws: { error in
            (error as? MappingError)?.code == "mapping_type_mismatch"
                && (error as? MappingError)?.sourcePath == "$.items"
        }
    }

    @Test func templatesAndConcatBuildTextAndMissingPartsFollowTheRules() throws {
        let payload = #"{"a": "INV", "n": 42, "b": null, "obj": {}}"#
        #expect(
            try MappingTestSupport.value(rule: #"{"template": "{$.a}-{$.n}/{{x}}"}"#, payload: payload)
                == .string("INV-42/{x}"))
        #expect(try MappingTestSupport.value(rule: #"{"template": "{$.a}-{$.b}"}"#, payload: payload) == nil)
        #expect(
            try MappingTestSupport.value(
                rule:
                    #"{"concat": ["$.a", "$.b", {"path": "$.n", "transforms": ["string"]}], "separator": " ", "skip_missing": true}"#,
                payload: payload)
                == .string("INV 42"))
        #expect(
            try MappingTestSupport.value(rule: #"{"concat": ["$.a", "$.b"], "separator": " "}"#, payload: payload)
                == nil)
        #expect(try MappingTestSupport.value(rule: #"{"concat": ["x-", "$.a"]}"#, payload: payload) == .string("x-INV"))
        let error = try #require(try MappingTestSupport.failure(rule: #"{"template": "{$.obj}"}"#, payload: payload))
        #expect(error.code == "mapping_type_mismatch")
        #expect(error.sourcePath == "$.obj")
    }

    @Test func nestedTargetObjectsAreLeftOutWhenAllTheirMembersAre() throws {
        let document = try MappingTestSupport.document(
            fields: #""data.supplier.id": "$.sid", "data.supplier.name": "$.sname", "data.po_number": "$.no""#)
        let events = try document.plan.apply(
            payload: try MappingTestSupport.json(#"{"no": "PO-1", "sname": "Acme"}"#),
            lookups: InMemoryReferenceLookup())
        #expect(events.first?["data"]?["supplier"] == .object(["name": .string("Acme")]))
        let empty = try document.plan.apply(
            payload: try MappingTestSupport.json(#"{"no": "PO-1"}"#), lookups: InMemoryReferenceLookup())
        #expect(empty.first?["data"]?["supplier"] == nil)
        #expect(empty.first?["data"]?["po_number"] == .string("PO-1"))
    }

    @Test func pathsReachQuotedKeysAndIndexesFromTheEnd() throws {
        let payload = #"{"odd key": {"x.y": [10, 20, 30]}}"#
        #expect(
            try MappingTestSupport.value(rule: #""$[\"odd key\"][\"x.y\"][-1]""#, payload: payload) == .number("30"))
        #expect(try MappingTestSupport.value(rule: #""$[\"odd key\"][\"x.y\"][1]""#, payload: payload) == .number("20"))
        #expect(try MappingTestSupport.value(rule: #""$[\"odd key\"][\"x.y\"][3]""#, payload: payload) == nil)
    }
}
