import Events
import Foundation
import Testing

@testable import Mapping

/// The mappings shipped in `Templates/mappings/`: each compiles, maps every sample
/// to exactly its `*.expected.json`, and every produced event passes the catalog.
@Suite("Shipped mappings")
struct ShippedMappingTests {
    static let slugs = ["generic-erp-json", "generic-wms-receipt", "carrier-delivery"]

    struct Shipped {
        let document: MappingDocument
        let lookups: InMemoryReferenceLookup
        let folder: URL
    }

    static func load(_ slug: String) throws -> Shipped {
        let folder = MappingTestSupport.mappingsFolder.appendingPathComponent(slug, isDirectory: true)
        let document = try MappingDocument.parse(Data(contentsOf: folder.appendingPathComponent("mapping.json")))
        let tablesURL = folder.appendingPathComponent("lookups.example.json")
        var lookups = InMemoryReferenceLookup()
        if FileManager.default.fileExists(atPath: tablesURL.path) {
            lookups = try InMemoryReferenceLookup(json: try JSONParser().parse(Data(contentsOf: tablesURL)))
        }
        return Shipped(document: document, lookups: lookups, folder: folder)
    }

    /// Input payloads: `samples/*.json` except the `*.expected.json` answers.
    static func samples(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("samples").path)
            .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".expected.json") }
            .map { String($0.dropLast(".json".count)) }
            .sorted()
    }

    static func events(_ slug: String, sample: String) throws -> [JSONValue] {
        let shipped = try load(slug)
        let input = try Data(contentsOf: shipped.folder.appendingPathComponent("samples/\(sample).json"))
        return try shipped.document.plan.apply(payloadData: input, lookups: shipped.lookups)
    }

    @Test(arguments: slugs)
    func everySampleMapsToItsExpectedOutputAndPassesTheCatalog(slug: String) throws {
        let shipped = try Self.load(slug)
        #expect(shipped.document.slug == slug)
        let catalog = try MappingTestSupport.catalog()
        try shipped.document.checkEventTypes(in: catalog)
        let samples = try Self.samples(in: shipped.folder)
        #expect(samples.count >= 2, "\(slug) ships at least two samples")
        var produced = 0
        for sample in samples {
            let samplesFolder = shipped.folder.appendingPathComponent("samples")
            let input = try JSONParser().parse(Data(contentsOf: samplesFolder.appendingPathComponent("\(sample).json")))
            let expected = try JSONParser().parse(
                Data(contentsOf: samplesFolder.appendingPathComponent("\(sample).expected.json")))
            let events = try shipped.document.plan.apply(payload: input, lookups: shipped.lookups)
            #expect(
                JSONValue.array(events) == expected, "\(slug)/\(sample): got \(JSONValue.array(events).serialized())")
            let validated = try shipped.document.plan.applyValidated(
                payload: input, lookups: shipped.lookups, catalog: catalog)
            #expect(validated.count == events.count)
            produced += events.count
        }
        #expect(produced > 0, "\(slug) has a sample that produces events")
    }

    @Test func theERPExportDescribesTheSameOrderAndInvoiceAsThePartnersExamples() throws {
        let events = try Self.events("generic-erp-json", sample: "batch-po-1001-and-bill-77-4410")
        try #require(events.count == 2)
        let order = try MappingTestSupport.fixture("purchase_order.created.json")
        let invoice = try MappingTestSupport.fixture("invoice.received.json")
        #expect(events[0]["type"] == order["type"])
        #expect(events[0]["occurred_at"] == order["occurred_at"])
        #expect(events[0]["data"] == order["data"])
        #expect(events[1]["type"] == invoice["type"])
        #expect(events[1]["occurred_at"] == invoice["occurred_at"])
        #expect(events[1]["data"] == invoice["data"])
    }

    @Test func theWMSReceiptDescribesTheSameReceiptAsThePartnersExample() throws {
        let events = try Self.events("generic-wms-receipt", sample: "receipt-gr-5001")
        let receipt = try MappingTestSupport.fixture("goods_receipt.posted.json")
        try #require(events.count == 1)
        #expect(events[0]["occurred_at"] == receipt["occurred_at"])
        #expect(events[0]["data"] == receipt["data"])
    }

    @Test func anUnknownCustomerAccountIsALookupErrorNamingThePayloadPath() throws {
        let shipped = try Self.load("carrier-delivery")
        let input = try Data(
            contentsOf: shipped.folder.appendingPathComponent("samples/delivered-shp-3001.json"))
        #expect {
            try shipped.document.plan.apply(payloadData: input, lookups: InMemoryReferenceLookup(["customers": [:]]))
        } throws: { error in
            guard let error = error as? MappingError else { return false }
            return error.code == "mapping_lookup_missing" && error.sourcePath == "$.shipment.account"
                && error.target == "data.customer" && error.message.hasPrefix("outputs[0] (shipment.delivered)")
        }
    }
}
