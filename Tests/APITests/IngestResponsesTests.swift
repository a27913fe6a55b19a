import Events
import Foundation
import Telemetry
import Testing

@testable import Ingest

@Suite("Ingest answers: the stored response, byte for byte")
struct IngestResponsesTests {
    /// The answer as JSONValue writes it (sorted keys, compact): what ingest answered before it wrote the
    /// bytes itself, and what repeats of earlier requests still get from storage.
    static func reference(_ plan: [(PreparedEvent, isNew: Bool)], receivedAt: Date, shape: IngestSubmission.Shape)
        -> String
    {
        let results: [JSONValue] = plan.map { event, isNew in
            var members: [String: JSONValue] = [
                "id": .string(event.id), "type": .string(event.type),
                "status": .string(isNew ? "accepted" : "duplicate"),
            ]
            if isNew { members["received_at"] = .string(UTCTimestamp.milliseconds(receivedAt)) }
            return .object(members)
        }
        switch shape {
        case .single: return (results.first ?? .object([:])).serialized()
        case .batch:
            let accepted = plan.filter(\.isNew).count
            return JSONValue.object([
                "accepted": .number(String(accepted)), "duplicates": .number(String(plan.count - accepted)),
                "events": .array(results),
            ]).serialized()
        }
    }

    @Test func storedAnswersMatchTheCanonicalJSON() throws {
        let catalog = try EventCatalog.load(from: repositoryRoot.appendingPathComponent("Templates/events"))
        let context = IngestContext(ingress: .api, detail: "test")
        let events = try ["r-1", "r-2", "x.y:z_9"].map { id in
            let document = try JSONParser(maxBytes: 1 << 20, maxDepth: 40).parse(Array(stockAdjusted(id: id).utf8))
            return try PreparedEvent(try catalog.validate(document), context: context)
        }
        let receivedAt = Date(timeIntervalSince1970: 1_795_000_000.123)
        let plans: [[(PreparedEvent, isNew: Bool)]] = [
            [], [(events[0], true)], [(events[0], false)], [(events[2], true)],
            [(events[0], true), (events[1], false), (events[2], true)], [(events[1], false), (events[2], false)],
        ]
        for plan in plans {
            for shape in [IngestSubmission.Shape.single, .batch] {
                let answer = IngestResponses.stored(plan: plan, receivedAt: receivedAt, shape: shape)
                #expect(answer.body == Self.reference(plan, receivedAt: receivedAt, shape: shape))
                #expect(answer.status == (plan.isEmpty || plan.contains { $0.isNew } ? 201 : 200))
            }
        }
    }
}
