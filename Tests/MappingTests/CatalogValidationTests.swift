import Events
import Foundation
import Testing

@testable import Mapping

/// `applyValidated`: mapped events are checked against the canonical catalog, as a dry run shows them.
@Suite("Catalog validation")
struct CatalogValidationTests {
    @Test func eventsTheCatalogRefusesAreReportedTogetherWithTheirPaths() throws {
        let document = try MappingTestSupport.document(
            fields: #"""
                "data.po_number": "@.no", "data.created_by": {"const": "buyer"}, "data.currency": {"const": "usd"},
                "data.supplier.id": {"const": "SUP-1"},
                "data.lines[]": {"each": "@.lines", "fields": {"line": {"index": 1}, "sku": "@.sku", "quantity": "@.qty",
                                  "uom": {"const": "EA"}, "unit_price": {"const": "1.00"}}}
                """#, forEach: "$.orders")
        let payload = try MappingTestSupport.json(
            #"""
            {"orders": [{"no": "PO-1", "lines": [{"sku": "A", "qty": "1"}]},
                        {"no": "PO-2", "lines": [{"sku": "B", "qty": "1,5"}]}]}
            """#)
        #expect(try document.plan.apply(payload: payload, lookups: InMemoryReferenceLookup()).count == 2)
        #expect {
            try document.plan.applyValidated(
                payload: payload, lookups: InMemoryReferenceLookup(), catalog: try MappingTestSupport.catalog())
        } throws: { error in
            guard let error = error as? MappingError else { return false }
            let paths = Set(error.issues.map(\.path))
            // Both events have the lower-case currency; only the second has the bad quantity.
            return error.code == "mapping_output_invalid" && paths.contains("events[0].data.currency")
                && paths.contains("events[1].data.currency") && paths.contains("events[1].data.lines[0].quantity")
                && !paths.contains("events[0].data.lines[0].quantity")
                && error.message.hasPrefix("2 of 2 mapped events")
        }
    }

    @Test func validEventsComeBackValidated() throws {
        let document = try MappingTestSupport.document(
            fields: #"""
                "data.po_number": "$.no", "data.created_by": {"const": "buyer"}, "data.currency": {"const": "USD"},
                "data.supplier": {"path": "$.sid", "transforms": [{"lookup": {"table": "suppliers"}}]},
                "data.lines[]": {"each": "$.lines", "fields": {"line": {"index": 1}, "sku": "@.sku", "quantity": "@.qty",
                                  "uom": {"const": "EA"}, "unit_price": {"const": "1.00"}}}
                """#)
        let payload = try MappingTestSupport.json(
            #"{"no": "PO-1", "sid": "1187", "lines": [{"sku": "A", "qty": "2"}]}"#)
        let events = try document.plan.applyValidated(
            payload: payload, lookups: MappingTestSupport.suppliers, catalog: try MappingTestSupport.catalog())
        #expect(events.map(\.type) == ["purchase_order.created"])
        #expect(events.first?.id == "evt-1")
        #expect(events.first?.data["supplier"]?["name"] == .string("Northern Fasteners Ltd"))
    }
}
