import ControlPlane
import Engine
import Events
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Workflows: correlated documents found by index")
struct CorrelatedDocumentsTests {
    /// The keys indexed for `type`'s events at `path`, in event order.
    private func indexedKeys(_ world: IngestWorld, type: String, path: String) async throws -> [String] {
        let rows = try await world.databases.withConnection(for: world.tenant) { connection in
            try await connection.query(
                """
                SELECT k.key FROM event_correlation_keys k JOIN correlation_paths p ON p.id = k.path_id
                WHERE p.event_type = \(type) AND p.path = \(path) ORDER BY k.event_seq
                """)
        }
        var keys: [String] = []
        for row in rows { keys.append(try row.decode("key", as: String.self)) }
        return keys
    }

    @Test func documentsStoredBeforeTheTemplateWasDeployedAreFoundAndLaterOnesIndexedAsTheyArrive() async throws {
        try await withIngestWorld { world in
            for name in ["purchase_order.created.json", "goods_receipt.posted.json"] {
                #expect(try await world.post(try example(name)).status == 201)
            }
            try await world.deployShipped("three-way-match")
            #expect(try await indexedKeys(world, type: "purchase_order.created", path: "data.po_number").isEmpty)

            #expect(try await world.post(try example("invoice.received.json")).status == 201)
            _ = try await WorkflowEngine(databases: world.databases).process(tenant: world.tenant)

            // The PO and the receipt were stored before any template named their path: the run's
            // first step registered it, indexed them, and went on to the match and its task.
            let run = try await world.databases.withConnection(for: world.tenant) { connection in
                try await connection.query("SELECT status, waiting_for FROM runs")
            }
            #expect(run.count == 1)
            #expect(try run.first?.decode("status", as: String.self) == "waiting")
            #expect(try run.first?.decode("waiting_for", as: String?.self) == "task")
            #expect(try await indexedKeys(world, type: "purchase_order.created", path: "data.po_number") == ["PO-1001"])

            // From then on the insert trigger indexes each event as it is stored.
            let second = try example("goods_receipt.posted.json")
                .replacingOccurrences(of: "evt_gr_5001", with: "evt_gr_5002")
                .replacingOccurrences(of: "GR-5001", with: "GR-5002")
            #expect(try await world.post(second).status == 201)
            #expect(
                try await indexedKeys(world, type: "goods_receipt.posted", path: "data.po_number") == ["PO-1001", "PO-1001"])
        }
    }
}
