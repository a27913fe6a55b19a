import ControlPlane
import Engine
import Events
import Foundation
import HTTP
import Postgres
import Telemetry
import Testing

@Suite("Tracing: the run an event starts logs under that event's trace")
struct TracingTests {
    static let traceID = "0af7651916cd43dd8448eb211c80319c"
    static let traceparent = "00-\(traceID)-b7ad6b7169203331-01"

    @Test func runStepTaskAndDecisionLinesCarryTheTriggerEventsTraceID() async throws {
        try await withIngestWorld { world in
            try await world.deployShipped("three-way-match")
            // The order and receipt come with traces of their own; the invoice (the trigger) with the caller's.
            for name in ["purchase_order.created.json", "goods_receipt.posted.json"] {
                #expect(try await world.post(try example(name)).status == 201)
            }
            let invoice = try await world.send(
                .post, "/v1/events",
                headers: [
                    "Host": "localhost", "Authorization": "Bearer \(world.key)", "Content-Type": "application/json",
                    "traceparent": Self.traceparent,
                ],
                body: try example("invoice.received.json"))
            #expect(invoice.status == 201, "\(invoice.text)")

            let logs = InMemoryLogHandler()
            let logger = Logger(label: "engine", minimumLevel: .debug, handler: logs)
            let engine = WorkflowEngine(databases: world.databases, logger: logger)
            try await engine.process(tenant: world.tenant)
            let schema = try SQLIdentifier(world.tenant.tenantSchemaName)
            let open = try await world.pool.query(
                "SELECT id FROM \(identifier: schema, try SQLIdentifier("tasks")) WHERE status = 'open'")
            let task = try #require(try open.first?.decode("id", as: UUID.self))
            let bo = Decider(
                user: "ap.clerk.bo@client.example", roles: ["ap_clerk"], approvalLimitMinor: 500_000, approvalCurrency: "USD")
            // Decided inside another request's trace: the line still names the run's.
            let request = TraceContext.start()
            _ = try await TraceContext.$current.withValue(request) {
                try await Tasks(databases: world.databases, logger: logger).decide(
                    tenant: world.tenant, task: task, decision: .approve, comment: nil, decider: bo, requestID: "req_1")
            }
            try await engine.process(tenant: world.tenant)

            let records = logs.records
            for message in ["run created", "step started", "step finished", "task created", "task decided", "run completed"] {
                let lines = records.filter { $0.message == message }
                #expect(!lines.isEmpty, "no \"\(message)\" line")
                for line in lines {
                    #expect(line.metadata["trace_id"] == Self.traceID, "\(message): \(line.metadata)")
                    #expect(line.metadata["span_id"]?.count == 16, "\(message): \(line.metadata)")
                }
            }
            #expect(records.allSatisfy { $0.metadata["trace_id"] == Self.traceID }, "\(records.map(\.metadata))")
            // Each step is a span of its own within the trace, child of the span the invoice arrived with.
            let spans = Set(records.filter { $0.message == "step started" }.compactMap { $0.metadata["span_id"] })
            #expect(spans.count == records.filter { $0.message == "step started" }.count)
            #expect(!spans.contains("b7ad6b7169203331"))

            // The event the run emits carries the invoice's stored trace onward to endpoints.
            let run = try await world.pool.query("SELECT id FROM \(identifier: schema, try SQLIdentifier("runs"))")
            let runID = try #require(try run.first?.decode("id", as: UUID.self)).uuidString.lowercased()
            let emitted = try await world.get("/v1/events/evt_\(runID.prefix(13))_release")
            let lineage = (emitted.json["lineage"] as? [String: Any])?["traceparent"] as? String
            let emittedTrace = try #require(lineage.flatMap(TraceParent.init(parsing:)), "\(emitted.text)")
            #expect(emittedTrace.traceID == Self.traceID)
            // Its parent is the emit step's span, which the step's own lines name.
            #expect(records.contains { $0.metadata["step"] == "release" && $0.metadata["span_id"] == emittedTrace.parentID })
        }
    }
}
