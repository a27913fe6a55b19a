import API
import ControlPlane
import Engine
import Events
import Foundation
import HTTP
import Postgres
import TestSupport
import Testing

/// The three-way-match template deployed into the ingest world's tenant, with
/// users of the tenant holding personal tokens.
private struct WorkflowWorld {
    let world: IngestWorld
    let engine: WorkflowEngine
    /// Personal tokens by e-mail.
    let tokens: [String: String]

    func call(_ method: HTTPMethod, _ target: String, as user: String, body: String = "") async throws -> IngestReply {
        var headers: HTTPHeaders = ["Host": "localhost", "Authorization": "Bearer \(tokens[user] ?? "")"]
        if !body.isEmpty { headers.add("Content-Type", "application/json") }
        return try await world.send(method, target, headers: headers, body: body)
    }
}

private func withWorkflow(_ body: (WorkflowWorld) async throws -> Void) async throws {
    try await withIngestWorld { world in
        try await world.deployShipped("three-way-match")
        let tenantID = try await world.service.tenant(world.tenant).id
        var tokens: [String: String] = [:]
        let users: [(String, [String], Int64)] = [
            ("ap.clerk.ana@client.example", ["ap_clerk"], 500_000),
            ("ap.clerk.bo@client.example", ["ap_clerk"], 500_000),
            ("ap.manager.max@client.example", ["ap_manager"], 5_000_000),
            ("dock.lee@client.example", ["ap_clerk", "warehouse_lead"], 500_000),
            ("low.limit@client.example", ["ap_clerk"], 100),
        ]
        let store = CredentialStore(pool: world.pool)
        for (email, roles, limit) in users {
            try await world.pool.query(
                """
                INSERT INTO control.users (scope, tenant_id, email, display_name, roles, approval_limit_minor, approval_currency)
                VALUES ('tenant', \(tenantID), \(email), \(email), \(roles), \(limit), 'USD')
                """)
            let (_, key) = try await store.issue(
                for: .tenant(world.tenant), scopes: [.runsRead, .tasksRead, .tasksWrite], user: email, actor: "test")
            tokens[email] = key.reveal()
        }
        do {
            try await body(WorkflowWorld(world: world, engine: WorkflowEngine(databases: world.databases), tokens: tokens))
        } catch {
            _ = try? await world.pool.query("DELETE FROM control.api_credentials WHERE user_id IN (SELECT id FROM control.users WHERE tenant_id = \(tenantID))")
            _ = try? await world.pool.query("DELETE FROM control.users WHERE tenant_id = \(tenantID)")
            throw error
        }
        try await world.pool.query("DELETE FROM control.api_credentials WHERE user_id IN (SELECT id FROM control.users WHERE tenant_id = \(tenantID))")
        try await world.pool.query("DELETE FROM control.users WHERE tenant_id = \(tenantID)")
    }
}

@Suite("Workflows: three-way match from events to an approved, audited outcome")
struct WorkflowTests {
    @Test func theSharedExamplesProduceAQuantityVarianceOnLineTwoAndAnApprovalTask() async throws {
        try await withWorkflow { flow in
            let world = flow.world
            for name in ["purchase_order.created.json", "goods_receipt.posted.json", "invoice.received.json"] {
                #expect(try await world.post(try example(name)).status == 201)
            }
            _ = try await flow.engine.process(tenant: world.tenant)

            let runs = try await flow.call(.get, "/v1/runs?template=three-way-match", as: "ap.clerk.bo@client.example")
            let run = try #require((runs.json["data"] as? [[String: Any]])?.first)
            #expect(run["status"] as? String == "waiting")
            #expect(run["waiting_for"] as? String == "task")
            let id = try #require(run["id"] as? String)
            let detail = try await flow.call(.get, "/v1/runs/\(id)", as: "ap.clerk.bo@client.example")
            let match = try #require((detail.json["results"] as? [String: Any])?["match"] as? [String: Any])
            let lines = try #require(match["lines"] as? [[String: Any]])
            #expect(lines.count == 2)
            #expect(lines.first?["outcome"] as? String == "matched")
            let variance = try #require((lines.last?["reasons"] as? [[String: Any]])?.first { $0["code"] as? String == "quantity_variance" })
            #expect(variance["quantity"] as? String == "2")
            #expect((variance["amount"] as? [String: Any])?["amount"] as? String == "9.00")
            #expect((variance["amount"] as? [String: Any])?["currency"] as? String == "USD")

            let tasks = try await flow.call(.get, "/v1/tasks?status=open", as: "ap.clerk.bo@client.example")
            let task = try #require((tasks.json["data"] as? [[String: Any]])?.first)
            #expect(task["role"] as? String == "ap_clerk")
            let taskID = try #require(task["id"] as? String)

            // The submitter and the receiver may not approve; the engine says why.
            for user in ["ap.clerk.ana@client.example", "dock.lee@client.example"] {
                let refused = try await flow.call(
                    .post, "/v1/tasks/\(taskID)/decision", as: user, body: #"{"decision": "approve"}"#)
                #expect(refused.status == 403)
                #expect(refused.errorCode == "segregation_of_duties")
            }
            let overLimit = try await flow.call(
                .post, "/v1/tasks/\(taskID)/decision", as: "low.limit@client.example", body: #"{"decision": "approve"}"#)
            #expect(overLimit.errorCode == "approval_limit_exceeded")
            let noComment = try await flow.call(
                .post, "/v1/tasks/\(taskID)/decision", as: "ap.clerk.bo@client.example", body: #"{"decision": "reject"}"#)
            #expect(noComment.errorCode == "comment_required")

            let approved = try await flow.call(
                .post, "/v1/tasks/\(taskID)/decision", as: "ap.clerk.bo@client.example",
                body: #"{"decision": "approve", "comment": "short shipment credited separately"}"#)
            #expect(approved.status == 200, "\(approved.text)")
            #expect(approved.json["status"] as? String == "approved")
            _ = try await flow.engine.process(tenant: world.tenant)

            let finished = try await flow.call(.get, "/v1/runs/\(id)", as: "ap.clerk.bo@client.example")
            #expect(finished.json["status"] as? String == "completed")
            let timeline = (finished.json["timeline"] as? [[String: Any]] ?? []).map { $0["step"] as? String ?? "" }
            #expect(timeline == ["documents", "match", "route", "assist", "approve", "approve", "release"])
            #expect(try await world.get("/v1/events/evt_\(id.prefix(13))_release").status == 200)
            #expect(try await world.count("audit_log", where: "action = 'task.approve'") == 1)
            let steps = try await world.pool.query(
                "SELECT sum(quantity)::int AS n FROM \(identifier: try SQLIdentifier(world.tenant.tenantSchemaName), try SQLIdentifier("usage_counters")) WHERE metric = 'engine.steps'")
            #expect(try steps[0].decode("n", as: Int.self) == 6)

            // The evidence bundle verifies offline, and a tampered one does not.
            let evidence = try await flow.call(.get, "/v1/runs/\(id)/evidence", as: "ap.clerk.bo@client.example")
            #expect(evidence.status == 200)
            let bundle = try JSONParser().parse(evidence.text)
            #expect(try Evidence.verify(bundle).isEmpty)
            #expect((bundle["events"]?.arrayValue ?? []).count == 3)
            #expect(bundle["decisions"]?.arrayValue?.first?["decided_by"]?.stringValue == "ap.clerk.bo@client.example")
            #expect((bundle["audit"]?.arrayValue ?? []).contains { $0["action"]?.stringValue == "task.approve" })
            let tampered = try JSONParser().parse(evidence.text.replacingOccurrences(of: "ap.clerk.bo@client.example", with: "someone@else.example"))
            #expect(!(try Evidence.verify(tampered)).isEmpty)
        }
    }

    @Test func anInvoiceBeforeItsReceiptWaitsAndAnOverdueTaskEscalates() async throws {
        try await withWorkflow { flow in
            let world = flow.world
            #expect(try await world.post(try example("purchase_order.created.json")).status == 201)
            #expect(try await world.post(try example("invoice.received.json")).status == 201)
            _ = try await flow.engine.process(tenant: world.tenant)
            let waiting = try await flow.call(.get, "/v1/runs?status=waiting", as: "ap.clerk.bo@client.example")
            #expect((waiting.json["data"] as? [[String: Any]])?.first?["waiting_for"] as? String == "documents")

            #expect(try await world.post(try example("goods_receipt.posted.json")).status == 201)
            _ = try await flow.engine.process(tenant: world.tenant)
            let tasks = try await flow.call(.get, "/v1/tasks?status=open", as: "ap.clerk.bo@client.example")
            let task = try #require((tasks.json["data"] as? [[String: Any]])?.first)
            #expect(task["role"] as? String == "ap_clerk")
            #expect((task["amount"] as? [String: Any])?["amount"] as? String == "249.00")
            let open = try await flow.call(.get, "/v1/exceptions", as: "ap.clerk.bo@client.example")
            let item = try #require((open.json["data"] as? [[String: Any]])?.first)
            #expect(item["kind"] as? String == "approval")
            #expect((item["amount"] as? [String: Any])?["currency"] as? String == "USD")
            #expect(item["sla"] as? String == "on_time")

            // 25 hours later the 24-hour SLA has passed: the task goes to the AP manager.
            let later = WorkflowEngine(databases: world.databases, now: { Date().addingTimeInterval(25 * 3600) })
            _ = try await later.process(tenant: world.tenant)
            let escalated = try await flow.call(.get, "/v1/tasks?status=open", as: "ap.clerk.bo@client.example")
            let moved = try #require((escalated.json["data"] as? [[String: Any]])?.first)
            #expect(moved["role"] as? String == "ap_manager")
            #expect(moved["escalated_at"] as? String != nil)
            #expect(try await world.count("audit_log", where: "action = 'task.escalated'") == 1)
            let clerk = try await flow.call(
                .post, "/v1/tasks/\(moved["id"] as? String ?? "")/decision", as: "ap.clerk.bo@client.example",
                body: #"{"decision": "approve"}"#)
            #expect(clerk.errorCode == "role_required")
        }
    }

    @Test func anOrganisationKeyCannotDecideTasks() async throws {
        try await withWorkflow { flow in
            let world = flow.world
            let reply = try await world.send(
                .post, "/v1/tasks/00000000-0000-0000-0000-000000000000/decision",
                headers: ["Host": "localhost", "Authorization": "Bearer \(world.key)", "Content-Type": "application/json"],
                body: #"{"decision": "approve"}"#)
            #expect(reply.status == 403)
        }
    }

    @Test func aRunParkedAsAnExceptionIsRetriedOrCancelledByAPersonWithAnAuditEntry() async throws {
        try await withWorkflow { flow in
            let world = flow.world
            #expect(try await world.post(try example("purchase_order.created.json")).status == 201)
            #expect(try await world.post(try example("invoice.received.json")).status == 201)
            _ = try await flow.engine.process(tenant: world.tenant)
            let schema = try SQLIdentifier(world.tenant.tenantSchemaName)
            try await world.pool.query(
                "UPDATE \(identifier: schema, try SQLIdentifier("runs")) SET status = 'exception', error = 'test: parked'")
            let (_, key) = try await CredentialStore(pool: world.pool).issue(
                for: .tenant(world.tenant), scopes: [.runsRead, .runsWrite], actor: "test")
            let headers: HTTPHeaders = ["Host": "localhost", "Authorization": "Bearer \(key.reveal())"]
            let open = try await world.send(.get, "/v1/exceptions", headers: headers, body: "")
            let item = try #require((open.json["data"] as? [[String: Any]])?.first)
            #expect(item["kind"] as? String == "exception")
            let id = try #require((item["run"] as? [String: Any])?["id"] as? String)

            let retried = try await world.send(.post, "/v1/runs/\(id)/retry", headers: headers, body: "")
            #expect(retried.json["status"] as? String == "runnable")
            let again = try await world.send(.post, "/v1/runs/\(id)/retry", headers: headers, body: "")
            #expect(again.status == 409)
            _ = try await flow.engine.process(tenant: world.tenant)
            try await world.pool.query(
                "UPDATE \(identifier: schema, try SQLIdentifier("runs")) SET status = 'exception', error = 'test: parked'")
            let cancelled = try await world.send(.post, "/v1/runs/\(id)/cancel", headers: headers, body: "")
            #expect(cancelled.json["status"] as? String == "cancelled")
            #expect(try await world.count("audit_log", where: "action IN ('run.retry', 'run.cancel')") == 2)
        }
    }
}
