import Events
import Foundation
import Postgres
import Testing

private let suppliersCSV = "key,id,name\r\n1187,SUP-007,Northern Fasteners Ltd\r\n1203,SUP-012,\"Lakeside Packaging GmbH\"\r\n"

/// The tenant's only open dead letter, as the API lists it.
private func openLetter(_ world: MiddlewareWorld) async throws -> JSONValue {
    let list = try await world.call(.get, "/v1/dead-letters")
    let letters = try #require(list.json["data"]?.arrayValue, "\(list.text)")
    #expect(letters.count == 1)
    return try #require(letters.first)
}

@Suite("Middleware: dead letters are replayed along the path they came in by")
struct DeadLetterReplayTests {
    @Test func aMappedPayloadIsMappedAgainWithTheReferenceTablesAsTheyAreAtReplay() async throws {
        try await withMiddlewareWorld { world in
            let deployed = try await world.call(
                .post, "/v1/tenants/\(world.tenant)/mappings", body: #"{"source": "erp", "mapping": "generic-erp-json"}"#,
                as: world.partnerKey)
            #expect(deployed.status == 201, "\(deployed.text)")
            // No suppliers table yet: the mapping's lookup for entity 1187 finds nothing.
            let payload = try mappingFile("generic-erp-json/samples/batch-po-1001-and-bill-77-4410.json")
            #expect(try await world.hook(payload, source: "erp").errorCode == "mapping_lookup_missing")
            let letter = try await openLetter(world)
            #expect(letter["origin"]?.stringValue == "mapping")
            #expect(letter["origin_source"]?.stringValue == "erp")
            let id = try #require(letter["id"]?.stringValue)

            // Replayed before the fix, it fails the same way and stays open with the reason.
            let early = try await world.call(.post, "/v1/dead-letters/\(id)/replay")
            #expect(early.status == 422, "\(early.text)")
            #expect(early.errorCode == "mapping_lookup_missing")
            #expect(try await world.count("dead_letters", where: "replayed_at IS NULL AND replay_count = 1") == 1)
            #expect(try await world.count("dead_letters") == 1)

            let upload = try await world.call(.post, "/v1/reference/suppliers", body: suppliersCSV, contentType: "text/csv")
            #expect(upload.status == 200, "\(upload.text)")
            let replayed = try await world.call(.post, "/v1/dead-letters/\(id)/replay")
            #expect(replayed.status == 201, "\(replayed.text)")
            #expect(replayed.json["accepted"] == .number("2"))

            // The canonical events the mapping gives, with the raw payload as their lineage, as a first delivery would.
            let expected = try JSONParser().parse(
                try mappingFile("generic-erp-json/samples/batch-po-1001-and-bill-77-4410.expected.json"))
            for event in expected.arrayValue ?? [] {
                let eventID = try #require(event["id"]?.stringValue)
                let stored = try await world.call(.get, "/v1/events/\(eventID)")
                #expect(stored.json["event"] == event, "\(stored.text)")
                #expect(stored.json["lineage"]?["ingress"]?.stringValue == "replay")
            }
            #expect(try await world.count("raw_payloads", where: "translation = 'mapping:generic-erp-json@1.0.0'") == 1)
            #expect(try await world.count("dead_letters", where: "replayed_at IS NOT NULL AND replay_count = 2") == 1)
            #expect(try await world.count("audit_log", where: "action = 'dead_letter.replay_failed'") == 1)
            #expect(try await world.count("audit_log", where: "action = 'dead_letter.replayed'") == 1)
        }
    }

    @Test func aMappedPayloadWhoseSourceHasNoMappingNowIsRefusedNotIngestedAsCanonical() async throws {
        try await withMiddlewareWorld { world in
            // Kept by a server whose `shop` source had a mapping that this one's tenant no longer has deployed;
            // the payload happens to be a valid canonical event, which canonical ingest would wrongly accept.
            let canonical = try String(
                contentsOf: repositoryRoot.appendingPathComponent("Tests/EventsTests/Fixtures/purchase_order.created.json"),
                encoding: .utf8)
            let schema = try SQLIdentifier(world.tenant.tenantSchemaName)
            try await world.pool.query(
                """
                INSERT INTO \(identifier: schema, try SQLIdentifier("dead_letters"))
                    (kind, reason_code, reason, ingress, ingress_detail, payload, origin, origin_source, content_type)
                VALUES ('event', 'mapping_lookup_missing', 'no entry', 'webhook', 'shop (mapping:generic-erp-json@1.0.0)',
                        \(Data(canonical.utf8)), 'mapping', 'shop', 'application/json')
                """)
            let letter = try await openLetter(world)
            #expect(letter["origin_source"]?.stringValue == "shop")
            let id = try #require(letter["id"]?.stringValue)
            let replayed = try await world.call(.post, "/v1/dead-letters/\(id)/replay")
            #expect(replayed.status == 409, "\(replayed.text)")
            #expect(replayed.errorCode == "mapping_not_deployed")
            #expect(try await world.count("events") == 0)
            #expect(try await world.count("dead_letters", where: "replayed_at IS NULL AND replay_count = 1") == 1)
        }
    }

    @Test func anX12InterchangeIsReadAgainOnceThePartnerIsConfigured() async throws {
        try await withMiddlewareWorld { world in
            let invoice = try mappingFile("x12/810.edi")
            // No edi_partners entry: the 810 names no submitter and nothing says whom to record.
            let refused = try await world.call(.post, "/v1/edi", body: invoice, contentType: "application/edi-x12")
            #expect(refused.status == 422, "\(refused.text)")
            let letter = try await openLetter(world)
            #expect(letter["origin"]?.stringValue == "x12")
            let id = try #require(letter["id"]?.stringValue)

            let partner = try await world.call(
                .put, "/v1/reference/edi_partners/NORTHFAST",
                body: #"{"source": "edi.northfast", "fallback_user": "ap.clerk.ana@client.example", "units_of_measure": {"BX": "BOX"}}"#)
            #expect(partner.status == 201, "\(partner.text)")
            let replayed = try await world.call(.post, "/v1/dead-letters/\(id)/replay")
            #expect(replayed.status == 201, "\(replayed.text)")
            #expect(replayed.json["accepted"] == .number("1"))
            #expect(try await world.count("events", where: "type = 'invoice.received' AND ingress = 'replay'") == 1)
            #expect(try await world.count("raw_payloads", where: "translation = 'x12'") == 1)
            #expect(try await world.count("dead_letters", where: "replayed_at IS NOT NULL") == 1)

            // The interchange now counts as received: the partner resending it gets the 997, and nothing twice.
            let resent = try await world.call(.post, "/v1/edi", body: invoice, contentType: "application/edi-x12")
            #expect(resent.status == 200, "\(resent.text)")
            #expect(resent.contentType == "application/edi-x12")
            #expect(try await world.count("events") == 1)
        }
    }
}
