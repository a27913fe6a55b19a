import Engine
import Events
import Foundation
import Postgres
import Testing

private func timestamp(_ date: Date) -> String { date.formatted(.iso8601) }

private func goodsReceipt(_ receipt: String, receivedBy: String) -> String {
    #"""
    {"type":"goods_receipt.posted","id":"evt_\#(receipt)","occurred_at":"2026-11-06T09:00:00Z","source":"wms","data":{"receipt_number":"\#(receipt)","po_number":"PO-1001","warehouse":"DAL-1","received_by":"\#(receivedBy)","lines":[{"po_line":2,"sku":"NUT-M8","quantity":"2","uom":"BOX","condition":"good"}]}}
    """#
}

private func disputed(_ dispute: String, invoice: String, amount: String, customer: String = "CUST-204") -> String {
    #"""
    {"type":"customer_invoice.disputed","id":"evt_\#(dispute)","occurred_at":"2026-11-20T09:00:00Z","source":"ar-portal","data":{"dispute_number":"\#(dispute)","invoice_number":"\#(invoice)","customer":{"id":"\#(customer)","name":"Harbor Hardware"},"reason":"damaged","currency":"USD","invoice_amount":"20000.00","disputed_amount":"\#(amount)","recorded_by":"\#(People.arClerk)"}}
    """#
}

private func chargeback(_ number: String, invoice: String) -> String {
    let raised = Date().addingTimeInterval(-2 * 86_400)
    let deadline = raised.addingTimeInterval(30 * 86_400)
    return #"""
        {"type":"chargeback.raised","id":"evt_\#(number)","occurred_at":"\#(timestamp(raised))","source":"ar-remittance","data":{"chargeback_number":"\#(number)","customer":{"id":"CUST-204","name":"Harbor Hardware"},"reason":"late_delivery","amount":"150.00","currency":"USD","invoice_number":"\#(invoice)","raised_date":"\#(timestamp(raised).prefix(10))","dispute_deadline":"\#(timestamp(deadline).prefix(10))","recorded_by":"\#(People.arClerk)"}}
        """#
}

private func creditHold(_ hold: String, customer: String) -> String {
    #"""
    {"type":"credit_hold.placed","id":"evt_\#(hold)","occurred_at":"2026-11-21T06:00:00Z","source":"erp","data":{"hold_number":"\#(hold)","customer":{"id":"\#(customer)","name":"Harbor Hardware"},"reason":"over_credit_limit","placed_by":"\#(People.creditManager)","currency":"USD","credit_limit":"25000.00","open_balance":"27315.40","orders_held":["SO-88131"]}}
    """#
}

private func message(_ reply: IngestReply) -> String {
    (reply.json["error"] as? [String: Any])?["message"] as? String ?? ""
}

@Suite("Segregation of duties across documents and cases, enforced by the engine")
struct SegregationOfDutiesTests {
    @Test func whoeverReceivedGoodsMayNotApproveTheInvoiceEvenWhenTheReceiptCameAfterTheTaskOpened() async throws {
        try await withTemplates(["three-way-match"]) { flow in
            for name in ["purchase_order.created.json", "goods_receipt.posted.json", "invoice.received.json"] {
                try await flow.post(try example(name))
            }
            try await flow.process()
            let run = try await flow.run("three-way-match", key: "PO-1001")
            let task = try await flow.openTask(of: run)
            #expect(task["role"] as? String == "ap_clerk")
            let refused = try await flow.decide(task, "approve", as: People.receiver)
            #expect(refused.status == 403)
            #expect(refused.errorCode == "segregation_of_duties")
            #expect(message(refused) == "\(People.receiver) may not decide this task: whoever received the goods may not approve the invoice")

            // The two missing boxes arrive while the task is open, received by a clerk who could otherwise approve.
            try await flow.post(goodsReceipt("GR-5002", receivedBy: People.clerk))
            try await flow.process()
            let late = try await flow.decide(task, "approve", as: People.clerk)
            #expect(late.status == 403)
            #expect(message(late) == "\(People.clerk) may not decide this task: whoever received the goods may not approve the invoice")
            #expect(try await flow.world.count("audit_log", where: "action = 'task.approve'") == 0)

            let approved = try await flow.decide(task, "approve", as: People.secondClerk)
            #expect(approved.status == 200, "\(approved.text)")
        }
    }

    @Test func whoeverApprovedSettlingADisputeMayNotAcceptItsChargebackNorReleaseTheCustomersHold() async throws {
        let templates = ["customer-billing-exception", "supplier-chargeback", "credit-hold-release"]
        try await withTemplates(templates) { flow in
            // A controller approves a credit note on INV-55020 for CUST-204.
            try await flow.post(disputed("DSP-10", invoice: "INV-55020", amount: "18000.00"))
            try await flow.process()
            let dispute = try await flow.run("customer-billing-exception", key: "INV-55020")
            let disputeTask = try await flow.openTask(of: dispute)
            #expect(disputeTask["role"] as? String == "controller")
            #expect(try await flow.decide(disputeTask, "approve", as: People.controller).status == 200)
            try await flow.process()
            let disputeID = try #require(dispute["id"] as? String)

            // The customer's chargeback on that invoice: the controller (an AP manager too) may not accept it.
            try await flow.post(chargeback("CB-1", invoice: "INV-55020"))
            try await flow.post(chargeback("CB-2", invoice: "INV-77777"))
            try await flow.process()
            let related = try await flow.openTask(of: try await flow.run("supplier-chargeback", key: "CB-1"))
            for decision in ["approve", "reject"] {
                let refused = try await flow.decide(related, decision, as: People.controller, comment: "looks fine")
                #expect(refused.status == 403)
                #expect(refused.errorCode == "segregation_of_duties")
                #expect(
                    message(refused)
                        == "\(People.controller) may not decide this task: whoever approved settling a dispute of the invoice"
                        + " may not accept its chargeback (they approved run \(disputeID))")
            }
            // The portal shows who is excluded, and why, from when the task opened.
            let excluded = try await flow.world.count(
                "tasks", where: "excluded_users @> '[{\"user\": \"\(People.controller)\", \"related_run\": \"\(disputeID)\"}]'")
            #expect(excluded == 1)
            #expect(try await flow.decide(related, "approve", as: People.manager).status == 200)
            // A chargeback on another invoice is no conflict.
            let unrelated = try await flow.openTask(of: try await flow.run("supplier-chargeback", key: "CB-2"))
            #expect(try await flow.decide(unrelated, "approve", as: People.controller).status == 200)

            // The customer's credit hold: not the controller who approved the credit note; a customer without one, yes.
            try await flow.post(creditHold("CH-1", customer: "CUST-204"))
            try await flow.post(creditHold("CH-2", customer: "CUST-999"))
            try await flow.process()
            let hold = try await flow.openTask(of: try await flow.run("credit-hold-release", key: "CH-1"))
            let release = try await flow.decide(hold, "approve", as: People.controller, comment: "paid")
            #expect(release.status == 403)
            #expect(message(release).contains("whoever approved settling a dispute for the customer may not release its hold"))
            #expect(try await flow.decide(hold, "approve", as: People.secondController, comment: "paid").status == 200)
            let other = try await flow.openTask(of: try await flow.run("credit-hold-release", key: "CH-2"))
            #expect(try await flow.decide(other, "approve", as: People.controller, comment: "paid").status == 200)

            // And the other way round: who accepted the chargeback may not settle a later dispute of the invoice.
            try await flow.post(disputed("DSP-11", invoice: "INV-55020", amount: "4800.00"))
            try await flow.process()
            let again = try await flow.openTask(of: try await flow.run("customer-billing-exception", key: "INV-55020"))
            #expect(again["role"] as? String == "ap_manager")
            let refused = try await flow.decide(again, "approve", as: People.manager)
            #expect(message(refused).contains("whoever accepted a chargeback on the invoice may not settle its dispute"))
            #expect(try await flow.decide(again, "approve", as: People.secondManager).status == 200)
            try await flow.process()
            #expect(try await flow.world.count("runs", where: "status = 'completed'") == 6)
        }
    }

    @Test func malformedRulesAreRefusedWhenPublished() throws {
        let template = #"""
            {"slug": "sod-check", "version": "1.0.0", "title": "SoD", "trigger": "chargeback.raised",
             "correlation": {"key": "data.chargeback_number", "documents": {}},
             "steps": [{"id": "review", "kind": "approval", "routing": [{"role": "ap_manager"}], "on_approve": "done", "on_reject": "done",
               "segregation": [
                 {"rule": "ok", "users": "trigger.data.recorded_by"},
                 {"rule": "Bad Name", "users": "trigger.data.recorded_by"},
                 {"rule": "both", "users": "x", "approvers_of": {}},
                 {"rule": "related", "approvers_of": {"template": "Not A Slug", "step": "approve", "where": "data.invoice_number[0]", "equals": ""}}
               ]},
              {"id": "done", "kind": "set", "values": {}}]}
            """#
        var messages: [String] = []
        do {
            _ = try WorkflowTemplate.parse(Data(template.utf8))
            Issue.record("the template should have been refused")
        } catch {
            messages = error.problems.map(\.message)
        }
        #expect(
            messages == [
                "segregation[1] needs rule: a name of lower-case letters, digits and _ that says why",
                "segregation[2] needs either users (a path) or approvers_of (a related template's approvers)",
                "segregation[3].approvers_of needs template: the slug of the related template",
                "segregation[3].approvers_of needs where: a path in its trigger event such as data.invoice_number",
                "segregation[3].approvers_of needs equals: a path in this run such as trigger.data.invoice_number",
            ])
    }
}
