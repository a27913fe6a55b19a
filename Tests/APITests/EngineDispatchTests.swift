import ControlPlane
import Engine
import Events
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Workflows: the engine dispatches every stored event")
struct EngineDispatchTests {
    /// Sequence values are taken at insert but transactions commit in any order: an event whose
    /// transaction commits after a later event was dispatched must still start its run.
    @Test func anEventCommittedAfterALaterOneWasDispatchedStillStartsItsRun() async throws {
        try await withIngestWorld { world in
            try await world.deployShipped("three-way-match")
            for name in ["purchase_order.created.json", "goods_receipt.posted.json"] {
                #expect(try await world.post(try example(name)).status == 201)
            }
            let engine = WorkflowEngine(databases: world.databases)
            let invoice = try example("invoice.received.json")
            try await world.databases.withTransaction(for: world.tenant) { tx in
                // Stored like ingest stores it, but not committed until the end of this block.
                try await tx.query(
                    """
                    INSERT INTO events (event_id, type, schema_version, source, occurred_at, ingress, content_hash, document)
                    VALUES ('evt_late_invoice', 'invoice.received', 1, 'erp', now(), 'api', 'late', \(invoice)::jsonb)
                    """)
                // A later event commits and is dispatched while the invoice's transaction is still open.
                #expect(try await world.post(stockAdjusted(id: "evt_adj_later")).status == 201)
                _ = try await engine.process(tenant: world.tenant)
            }
            _ = try await engine.process(tenant: world.tenant)
            let runs = try await world.databases.withConnection(for: world.tenant) { connection in
                try await connection.query("SELECT status, waiting_for FROM runs")
            }
            #expect(runs.count == 1)
            #expect(try runs.first?.decode("waiting_for", as: String?.self) == "task")
        }
    }
}
