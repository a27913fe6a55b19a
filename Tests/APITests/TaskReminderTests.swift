import Engine
import Foundation
import Postgres
import Testing

private func disputed(_ dispute: String, invoice: String) -> String {
    #"""
    {"type":"customer_invoice.disputed","id":"evt_\#(dispute)","occurred_at":"2026-11-20T09:00:00Z","source":"ar-portal","data":{"dispute_number":"\#(dispute)","invoice_number":"\#(invoice)","customer":{"id":"CUST-204"},"reason":"damaged","currency":"USD","invoice_amount":"12000.00","disputed_amount":"4800.00","recorded_by":"\#(People.arClerk)"}}
    """#
}

private let hour: TimeInterval = 3600

/// Opens a 48-hour approval task (reminders 24 and 4 hours before it is due)
/// with an endpoint subscribed to every event (endpoints name only catalog
/// types), and returns the task.
private func openTask(_ flow: DeployedTemplates, invoice: String = "INV-7001") async throws -> [String: Any] {
    let endpoint = try await flow.world.send(
        .post, "/v1/endpoints",
        headers: ["Host": "localhost", "Authorization": "Bearer \(flow.world.key)", "Content-Type": "application/json"],
        body: #"{"url": "https://erp.client.example/hooks", "description": "ERP, every event"}"#)
    #expect(endpoint.status == 201, "\(endpoint.text)")
    try await flow.post(disputed("DSP-\(invoice)", invoice: invoice))
    try await flow.process()
    return try await flow.openTask(of: try await flow.run("customer-billing-exception", key: invoice))
}

@Suite("Task reminders before the SLA, sent once through the outbox and audited")
struct TaskReminderTests {
    @Test func eachReminderIsSentOnceAtItsTimeThenTheTaskEscalates() async throws {
        try await withTemplates(["customer-billing-exception"]) { flow in
            let task = try await openTask(flow)
            let taskID = try #require(task["id"] as? String)
            let world = flow.world
            #expect(try await world.count("task_reminders", where: "sent_at IS NULL") == 2)

            // Nothing is due yet, nor 23 hours on.
            try await flow.process(ahead: 23 * hour)
            #expect(try await world.count("events", where: "type = 'task.reminder'") == 0)

            // 25 hours on: the first reminder (24 hours before the 48-hour SLA), once however often the sweep runs.
            try await flow.process(ahead: 25 * hour)
            try await flow.process(ahead: 25 * hour)
            #expect(try await world.count("events", where: "type = 'task.reminder'") == 1)
            let first = try await world.get("/v1/events/evt_\(taskID.prefix(13))_remind_86400")
            #expect(first.status == 200, "\(first.text)")
            let data = try #require((first.json["event"] as? [String: Any])?["data"] as? [String: Any])
            #expect(data["task_id"] as? String == taskID)
            #expect(data["role"] as? String == "ap_manager")
            #expect(DeployedTemplates.money(data["amount"]) == "4800.00 USD")
            #expect(data["remind_before_seconds"] as? Int == 86_400)
            #expect(try await world.count("outbox", where: "event_type = 'task.reminder'") == 1)
            #expect(try await world.count("audit_log", where: "action = 'task.reminded'") == 1)

            // Two sweeps at once, 45 hours on: the second reminder goes out once.
            async let one: Void = flow.process(ahead: 45 * hour)
            async let two: Void = flow.process(ahead: 45 * hour)
            _ = try await (one, two)
            #expect(try await world.count("events", where: "type = 'task.reminder'") == 2)
            #expect(try await world.count("outbox", where: "event_type = 'task.reminder'") == 2)
            #expect(try await world.count("audit_log", where: "action = 'task.reminded'") == 2)

            // A reminder marked unsent again raises no second event, message or audit entry.
            let schema = try SQLIdentifier(world.tenant.tenantSchemaName)
            try await world.pool.query(
                "UPDATE \(identifier: schema, try SQLIdentifier("task_reminders")) SET sent_at = NULL WHERE before_seconds = 14400")
            try await flow.process(ahead: 46 * hour)
            #expect(try await world.count("outbox", where: "event_type = 'task.reminder'") == 2)
            #expect(try await world.count("audit_log", where: "action = 'task.reminded'") == 2)

            // Past the SLA the task escalates, once.
            try await flow.process(ahead: 49 * hour)
            #expect((try await flow.openTask(of: try await flow.run("customer-billing-exception", key: "INV-7001")))["role"] as? String == "controller")
            #expect(try await world.count("audit_log", where: "action = 'task.escalated'") == 1)
            #expect(try await world.count("events", where: "type = 'task.reminder'") == 2)
        }
    }

    @Test func aDecidedTaskIsNotReminded() async throws {
        try await withTemplates(["customer-billing-exception"]) { flow in
            let task = try await openTask(flow, invoice: "INV-7002")
            #expect(try await flow.decide(task, "approve", as: People.manager).status == 200)
            #expect(try await flow.world.count("task_reminders") == 0)
            try await flow.process(ahead: 47 * hour)
            #expect(try await flow.world.count("events", where: "type = 'task.reminder'") == 0)
        }
    }

    @Test func remindersAreCheckedWhenPublished() throws {
        let template = #"""
            {"slug": "remind-check", "version": "1.0.0", "title": "Reminders", "trigger": "chargeback.raised",
             "correlation": {"key": "data.chargeback_number", "documents": {}},
             "steps": [
              {"id": "a", "kind": "approval", "routing": [{"role": "ap_manager"}], "on_approve": "b", "on_reject": "b", "remind_before_hours": "4"},
              {"id": "b", "kind": "approval", "routing": [{"role": "ap_manager"}], "on_approve": "c", "on_reject": "c", "sla_hours": "8", "remind_before_hours": ["2", "-1", true]},
              {"id": "c", "kind": "set", "values": {}}]}
            """#
        var messages: [String] = []
        do {
            _ = try WorkflowTemplate.parse(Data(template.utf8))
            Issue.record("the template should have been refused")
        } catch {
            messages = error.problems.map { "\($0.step ?? "-"): \($0.message)" }
        }
        #expect(
            messages == [
                "a: remind_before_hours needs sla_hours: reminders come before the due time",
                "b: remind_before_hours: -1 is not a number of hours above 0 and at most 8760",
                "b: remind_before_hours takes hours such as \"4\" or [\"24\", \"2\"], or a params.name",
            ])
    }
}
