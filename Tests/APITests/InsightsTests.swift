import API
import ControlPlane
import Engine
import Events
import Foundation
import HTTP
import TestSupport
import Testing

@Suite("GET /v1/insights")
struct InsightsTests {
    @Test func theFiguresFollowTheTenantsRunsAndTasks() async throws {
        try await withIngestWorld { world in
            try await world.deployShipped("three-way-match")
            for name in ["purchase_order.created.json", "goods_receipt.posted.json", "invoice.received.json"] {
                #expect(try await world.post(try example(name)).status == 201)
            }
            _ = try await WorkflowEngine(databases: world.databases).process(tenant: world.tenant)
            let (_, key) = try await CredentialStore(pool: world.pool).issue(
                for: .tenant(world.tenant), scopes: [.runsRead], actor: "test")
            func get(_ target: String) async throws -> IngestReply {
                try await world.send(.get, target, headers: ["Host": "localhost", "Authorization": "Bearer \(key.reveal())"], body: "")
            }
            let reply = try await get("/v1/insights")
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["open_exceptions"] as? Int == 1)
            let backlog = try #require(reply.json["reconciliation_backlog"] as? [String: Any])
            #expect(backlog["count"] as? Int == 1)
            let value = try #require((backlog["value"] as? [[String: Any]])?.first)
            #expect(value["amount"] as? String == "249.00")
            #expect(value["currency"] as? String == "USD")
            let aging = try #require(reply.json["exception_aging"] as? [[String: Any]])
            #expect(aging.first?["count"] as? Int == 1)
            #expect((reply.json["throughput"] as? [Any])?.count == 31)
            let suppliers = try #require(reply.json["exceptions_by_supplier"] as? [[String: Any]])
            #expect(suppliers.first?["exceptions"] as? Int == 1)

            #expect(try await get("/v1/insights?from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z").errorCode == "invalid_period")
            #expect(try await get("/v1/insights?from=yesterday").errorCode == "invalid_date")
            // The events key lacks runs:read.
            #expect(try await world.get("/v1/insights").status == 403)
        }
    }
}
