import Events
import Foundation
import Testing

private let suppliersCSV = "key,id,name\r\n1187,SUP-007,Northern Fasteners Ltd\r\n1203,SUP-012,\"Lakeside Packaging GmbH\"\r\n"

private func deploy(_ world: MiddlewareWorld, source: String = "erp", mapping: String = "generic-erp-json") async throws
    -> Reply
{
    try await world.call(
        .post, "/v1/tenants/\(world.tenant)/mappings", body: #"{"source": "\#(source)", "mapping": "\#(mapping)"}"#,
        as: world.partnerKey)
}

@Suite("Middleware: webhooks through a deployed mapping, and dry runs")
struct MappedHookTests {
    @Test func aSourceWithADeployedMappingTakesThePartnersPayloadAndKeepsItAsLineage() async throws {
        try await withMiddlewareWorld { world in
            let deployed = try await deploy(world)
            #expect(deployed.status == 201, "\(deployed.text)")
            #expect(deployed.json["version"]?.stringValue == "1.0.0")
            #expect(try await world.count("audit_log", where: "action = 'mapping.deployed'") == 1)
            let upload = try await world.call(.post, "/v1/reference/suppliers", body: suppliersCSV, contentType: "text/csv")
            #expect(upload.status == 200, "\(upload.text)")

            let payload = try mappingFile("generic-erp-json/samples/batch-po-1001-and-bill-77-4410.json")
            let expected = try JSONParser().parse(
                try mappingFile("generic-erp-json/samples/batch-po-1001-and-bill-77-4410.expected.json"))
            let reply = try await world.hook(payload, source: "erp", id: "msg_erp_1")
            #expect(reply.status == 201, "\(reply.text)")
            #expect(reply.json["accepted"] == .number("2"))

            // Stored exactly as the mapping's own expected output, with the raw payload as lineage.
            for event in expected.arrayValue ?? [] {
                let id = try #require(event["id"]?.stringValue)
                let stored = try await world.call(.get, "/v1/events/\(id)")
                #expect(stored.status == 200)
                #expect(stored.json["event"] == event)
                let lineage = try await world.call(.get, "/v1/raw-payloads?event_id=\(id)")
                let raw = try #require(lineage.json["data"]?.arrayValue?.first, "\(lineage.text)")
                #expect(raw["body"]?.stringValue == payload)
                #expect(raw["translation"]?.stringValue == "mapping:generic-erp-json@1.0.0")
                #expect(raw["via"]?.stringValue == "erp")
            }

            // The same webhook-id again: the first answer, nothing new.
            let repeated = try await world.hook(payload, source: "erp", id: "msg_erp_1")
            #expect(repeated.status == 201)
            #expect(repeated.text == reply.text)
            #expect(try await world.count("events") == 2)
            #expect(try await world.count("raw_payloads") == 1)
        }
    }

    @Test func aMappingErrorAnswers422WithWhereItFailedAndKeepsTheRawPayload() async throws {
        try await withMiddlewareWorld { world in
            #expect(try await deploy(world).status == 201)
            // No suppliers table: the lookup for entity 1187 finds nothing.
            let payload = try mappingFile("generic-erp-json/samples/batch-po-1001-and-bill-77-4410.json")
            let reply = try await world.hook(payload, source: "erp")
            #expect(reply.status == 422, "\(reply.text)")
            #expect(reply.errorCode == "mapping_lookup_missing")
            #expect(reply.json["error"]?["source_path"]?.stringValue == "$.records[0].entity.id")
            #expect(reply.json["error"]?["rule"]?.stringValue?.contains("lookup") == true)
            #expect(reply.json["error"]?["target"]?.stringValue == "data.supplier")
            #expect(try await world.count("events") == 0)
            let letters = try await world.deadLetters()
            #expect(letters.count == 1)
            #expect(letters.first?.code == "mapping_lookup_missing")
            #expect(letters.first?.payload == payload)

            // After the supplier table arrives, the same payload maps (the cache noticed the change).
            let upload = try await world.call(.post, "/v1/reference/suppliers", body: suppliersCSV, contentType: "text/csv")
            #expect(upload.status == 200)
            #expect(try await world.hook(payload, source: "erp").status == 201)
        }
    }

    @Test func aSourceWithoutAMappingStillTakesCanonicalEventsAsBefore() async throws {
        try await withMiddlewareWorld { world in
            #expect(try await deploy(world).status == 201)
            let canonical = try String(
                contentsOf: repositoryRoot.appendingPathComponent("Tests/EventsTests/Fixtures/purchase_order.created.json"),
                encoding: .utf8)
            let reply = try await world.hook(canonical, source: "shop")
            #expect(reply.status == 201, "\(reply.text)")
            #expect(reply.json["status"]?.stringValue == "accepted")
            #expect(try await world.count("raw_payloads") == 0)
            // On the mapped source the canonical event is a payload no output applies to: answered, nothing stored.
            let mapped = try await world.hook(canonical, source: "erp")
            #expect(mapped.status == 200, "\(mapped.text)")
            #expect(mapped.json["accepted"] == .number("0"))
            #expect(try await world.count("events") == 1)
        }
    }

    @Test func aDryRunShowsTheEventsOrTheErrorAndStoresNothing() async throws {
        try await withMiddlewareWorld { world in
            let payload = try mappingFile("generic-erp-json/samples/batch-po-1001-and-bill-77-4410.json")
            let lookups = try mappingFile("generic-erp-json/lookups.example.json")
            let expected = try JSONParser().parse(
                try mappingFile("generic-erp-json/samples/batch-po-1001-and-bill-77-4410.expected.json"))
            let reply = try await world.call(
                .post, "/v1/mappings/dry-run",
                body: #"{"mapping": "generic-erp-json", "payload": \#(payload), "lookups": \#(lookups)}"#)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["events"] == expected)

            // Without lookups, a tenant key dry-runs with the tenant's (empty) tables: the lookup fails.
            let failing = try await world.call(
                .post, "/v1/mappings/dry-run", body: #"{"mapping": "generic-erp-json", "payload": \#(payload)}"#)
            #expect(failing.status == 422)
            #expect(failing.errorCode == "mapping_lookup_missing")

            // An inline document with a mistake names its path in the document.
            let inline = try await world.call(
                .post, "/v1/mappings/dry-run",
                body: #"{"document": {"slug": "x", "version": "1.0.0", "title": "t", "source": "s", "outputs": [{"event_type": "stock.adjusted", "fields": {"id": {"pth": "$.id"}}}]}, "payload": {}}"#)
            #expect(inline.status == 422)
            #expect(inline.errorCode == "mapping_document_invalid")
            #expect(inline.json["error"]?["issues"]?.arrayValue?.isEmpty == false)

            for table in ["events", "raw_payloads", "dead_letters", "ingest_requests", "reference_entries"] {
                #expect(try await world.count(table) == 0, "\(table)")
            }
        }
    }

    @Test func deployingAnUnknownMappingOrWithATenantKeyIsRefused() async throws {
        try await withMiddlewareWorld { world in
            let unknown = try await deploy(world, mapping: "no-such-mapping")
            #expect(unknown.status == 404)
            #expect(unknown.errorCode == "mapping_not_found")
            let byTenant = try await world.call(
                .post, "/v1/tenants/\(world.tenant)/mappings", body: #"{"source": "erp", "mapping": "generic-erp-json"}"#)
            #expect(byTenant.status == 404 || byTenant.status == 403)
            let list = try await world.call(.get, "/v1/mappings")
            let slugs = (list.json["data"]?.arrayValue ?? []).compactMap { $0["slug"]?.stringValue }
            #expect(slugs == ["carrier-delivery", "generic-erp-json", "generic-wms-receipt"])
            #expect(list.json["deployments"]?.arrayValue?.isEmpty == true)
        }
    }
}
