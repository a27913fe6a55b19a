import EDI
import Engine
import Events
import Foundation
import Testing

private func edi(_ name: String) throws -> String {
    try mappingFile("x12/\(name).edi")
}

/// The partners the samples come from, as a tenant maintains them: the options `Templates/mappings/x12/README.md` names.
private func registerPartners(_ world: MiddlewareWorld) async throws {
    for sender in ["CLIENTCO", "NORTHFAST"] {
        let reply = try await world.call(
            .put, "/v1/reference/edi_partners/\(sender)",
            body: #"{"source": "edi.northfast", "fallback_user": "ap.clerk.ana@client.example", "units_of_measure": {"BX": "BOX"}}"#)
        #expect(reply.status == 201, "\(reply.text)")
    }
}

@Suite("Middleware: X12 EDI on the ingest path")
struct EDIIngestTests {
    @Test func theX12OrderReceiptAndInvoiceReachTheSameThreeWayMatchOutcomeAsTheCanonicalEvents() async throws {
        try await withMiddlewareWorld { world in
            let catalog = try TemplateCatalog.load(
                from: repositoryRoot.appendingPathComponent("Templates"),
                knownEventTypes: Set(
                    try EventCatalog.load(from: repositoryRoot.appendingPathComponent("Templates/events")).types.map(\.type)))
            _ = try await Deployments(databases: world.databases, catalog: catalog).deploy(
                tenant: world.tenant, slug: "three-way-match", version: nil, parameters: [:], actor: "test")
            try await registerPartners(world)

            for name in ["850", "856", "810"] {
                let reply = try await world.call(.post, "/v1/edi", body: try edi(name), contentType: "application/edi-x12")
                #expect(reply.status == 200, "\(name): \(reply.text)")
                #expect(reply.contentType == "application/edi-x12")
                // The answer is a 997 accepting every set of the interchange.
                let acknowledgment = try X12Parser().parse(reply.text)
                #expect(acknowledgment.groups.first?.functionalID == .functionalAcknowledgment)
                #expect(reply.text.contains("AK5*A"))
                #expect(!reply.text.contains("AK5*R"))
            }
            #expect(try await world.count("events") == 3)
            #expect(try await world.count("raw_payloads", where: "translation = 'x12'") == 3)

            _ = try await WorkflowEngine(databases: world.databases).process(tenant: world.tenant)
            let runs = try await world.call(.get, "/v1/runs?template=three-way-match")
            let run = try #require(runs.json["data"]?.arrayValue?.first, "\(runs.text)")
            #expect(run["status"]?.stringValue == "waiting")
            #expect(run["waiting_for"]?.stringValue == "task")
            let id = try #require(run["id"]?.stringValue)
            let detail = try await world.call(.get, "/v1/runs/\(id)")
            let lines = try #require(detail.json["results"]?["match"]?["lines"]?.arrayValue, "\(detail.text)")
            #expect(lines.count == 2)
            #expect(lines.first?["outcome"]?.stringValue == "matched")
            let variance = try #require(
                lines.last?["reasons"]?.arrayValue?.first { $0["code"]?.stringValue == "quantity_variance" })
            #expect(variance["quantity"]?.stringValue == "2")
            #expect(variance["amount"]?["amount"]?.stringValue == "9.00")
            #expect(variance["amount"]?["currency"]?.stringValue == "USD")
            let tasks = try await world.call(.get, "/v1/tasks?status=open")
            #expect(tasks.json["data"]?.arrayValue?.first?["role"]?.stringValue == "ap_clerk", "\(tasks.text)")
        }
    }

    @Test func aResentInterchangeGetsTheSameAcknowledgmentAndStoresNothingTwice() async throws {
        try await withMiddlewareWorld { world in
            try await registerPartners(world)
            let first = try await world.call(.post, "/v1/edi", body: try edi("850"), contentType: "application/edi-x12")
            #expect(first.status == 200, "\(first.text)")
            let again = try await world.call(.post, "/v1/edi", body: try edi("850"), contentType: "application/edi-x12")
            #expect(again.status == 200)
            #expect(again.text == first.text)
            #expect(try await world.count("events") == 1)
            #expect(try await world.count("raw_payloads") == 1)

            // The same sender and control number with other content is refused, not silently merged.
            let changed = try edi("850").replacingOccurrences(of: "PO-1001", with: "PO-1002")
            let reused = try await world.call(.post, "/v1/edi", body: changed, contentType: "application/edi-x12")
            #expect(reused.status == 409)
            #expect(reused.errorCode == "x12_control_number_reused")
            #expect(try await world.count("events") == 1)
        }
    }

    @Test func aMalformedInterchangeIsRefusedWithItsSegmentPositionAndKeptAsADeadLetter() async throws {
        try await withMiddlewareWorld { world in
            try await registerPartners(world)
            // The SE segment count no longer matches the set.
            let broken = try edi("850").replacingOccurrences(of: "\nSE*", with: "\nSE*9")
            #expect(broken != (try edi("850")))
            let reply = try await world.call(.post, "/v1/edi", body: broken, contentType: "application/edi-x12")
            #expect(reply.status == 422, "\(reply.text)")
            #expect(reply.errorCode == "x12_se_segment_count_mismatch")
            #expect(reply.json["error"]?["field"]?.stringValue?.hasPrefix("SE") == true)
            #expect(try await world.count("events") == 0)
            #expect(try await world.count("raw_payloads") == 0)
            let letters = try await world.deadLetters()
            #expect(letters.count == 1)
            #expect(letters.first?.code == "x12_se_segment_count_mismatch")
            #expect(letters.first?.payload == broken)
            #expect(letters.first?.reason.contains("(segment ") == true)
        }
    }

    @Test func anInvoiceWithoutAPersonAndWithoutAConfiguredFallbackIsRefusedWhole() async throws {
        try await withMiddlewareWorld { world in
            // No edi_partners entry: the 810 names no submitter and nothing says whom to record.
            let reply = try await world.call(.post, "/v1/edi", body: try edi("810"), contentType: "application/edi-x12")
            #expect(reply.status == 422, "\(reply.text)")
            #expect(reply.errorCode?.hasPrefix("x12_") == true)
            #expect(try await world.count("events") == 0)
            #expect(try await world.count("dead_letters") == 1)
        }
    }
}
