import Foundation
import Testing

private func disputed(
    _ dispute: String, invoice: String, reason: String, amount: String, of invoiceAmount: String,
    customer: String = "CUST-204", recordedBy: String = People.arClerk
) -> String {
    #"""
    {"type":"customer_invoice.disputed","id":"evt_\#(dispute)","occurred_at":"2026-11-20T09:00:00Z","source":"ar-portal","data":{"dispute_number":"\#(dispute)","invoice_number":"\#(invoice)","customer":{"id":"\#(customer)","name":"Harbor Hardware"},"reason":"\#(reason)","currency":"USD","invoice_amount":"\#(invoiceAmount)","disputed_amount":"\#(amount)","recorded_by":"\#(recordedBy)","lines":[{"line":2,"sku":"NUT-M8","quantity":"4","uom":"BOX","amount":"\#(amount)"}]}}
    """#
}

private let slug = "customer-billing-exception"

@Suite("Workflow template: customer billing exceptions from dispute to credit note or rebill")
struct WorkflowTemplatesBillingTests {
    @Test func aSmallPricingDisputeIsRebilledAtOnceAndASecondDisputeOnTheInvoiceWaitsForAnApprover() async throws {
        try await withTemplates([slug]) { flow in
            // 30.00 of 1,200.00 is 2.5 %: under both the 50.00 and the 5 % auto-settle limits.
            try await flow.post(disputed("DSP-1", invoice: "INV-9001", reason: "pricing", amount: "30.00", of: "1200.00"))
            try await flow.process()
            let run = try await flow.run(slug, key: "INV-9001")
            #expect(run["status"] as? String == "completed", "\(run)")
            #expect(DeployedTemplates.timeline(run) == ["classify", "route", "settle", "rebill"])
            let figures = DeployedTemplates.results(run, "classify")
            #expect((figures["disputed_pct"] as? NSNumber)?.stringValue == "2.5")
            #expect(figures["billing_error"] as? Bool == true)
            let rebill = try #require(try await flow.emitted(by: run, step: "rebill"))
            #expect(DeployedTemplates.money(rebill["original_amount"]) == "1200.00 USD")
            #expect(DeployedTemplates.money(rebill["corrected_amount"]) == "1170.00 USD")
            #expect(rebill["basis"] as? String == "within_auto_settle_limit")
            #expect(rebill["approved_by"] is NSNull)
            let none = try await flow.call(.get, "/v1/tasks", as: People.manager)
            #expect((none.json["data"] as? [[String: Any]])?.isEmpty == true)

            // The same invoice disputed again: small, but a repeat needs a person.
            try await flow.post(disputed("DSP-2", invoice: "INV-9001", reason: "pricing", amount: "12.00", of: "1200.00"))
            try await flow.process()
            let repeated = try await flow.run(slug, key: "INV-9001")
            #expect(DeployedTemplates.timeline(repeated) == ["classify", "route", "approve"], "\(repeated)")
            #expect(DeployedTemplates.results(repeated, "classify")["disputes_on_invoice"] as? Int == 2)
            let task = try await flow.openTask(of: repeated)
            #expect(task["role"] as? String == "ap_manager")
            #expect(DeployedTemplates.money(task["amount"]) == "12.00 USD")
        }
    }

    @Test func aLargeDamageDisputeIsCreditedOnlyByAnApproverWhoDidNotRecordItAfterItsSLAEscalates() async throws {
        try await withTemplates([slug]) { flow in
            try await flow.post(disputed("DSP-3", invoice: "INV-9002", reason: "damaged", amount: "4800.00", of: "12000.00"))
            try await flow.process()
            let run = try await flow.run(slug, key: "INV-9002")
            #expect(run["waiting_for"] as? String == "task", "\(run)")
            #expect(DeployedTemplates.results(run, "classify")["billing_error"] as? Bool == false)
            let task = try await flow.openTask(of: run)
            #expect(task["role"] as? String == "ap_manager")
            #expect((task["title"] as? String)?.hasPrefix("Dispute DSP-3 on invoice INV-9002 from CUST-204 (damaged)") == true)
            let refused = try await flow.decide(task, "approve", as: People.arClerk)
            #expect(refused.status == 403)
            #expect(refused.errorCode == "segregation_of_duties", "\(refused.text)")

            // 49 hours on, the 48-hour SLA has passed: the task moves to a controller, once.
            try await flow.process(ahead: 49 * 3600)
            try await flow.process(ahead: 49 * 3600)
            let escalated = try await flow.openTask(of: run)
            #expect(escalated["role"] as? String == "controller")
            #expect(try await flow.world.count("audit_log", where: "action = 'task.escalated'") == 1)
            #expect(try await flow.decide(escalated, "approve", as: People.manager).errorCode == "role_required")
            let approved = try await flow.decide(escalated, "approve", as: People.controller, comment: "photos confirm")
            #expect(approved.status == 200, "\(approved.text)")
            try await flow.process()

            let finished = try await flow.run(slug, key: "INV-9002")
            #expect(finished["status"] as? String == "completed")
            #expect(DeployedTemplates.timeline(finished) == ["classify", "route", "approve", "approve", "settle", "credit_note"])
            let note = try #require(try await flow.emitted(by: finished, step: "credit_note"))
            #expect(DeployedTemplates.money(note["amount"]) == "4800.00 USD")
            #expect(note["approved_by"] as? String == People.controller)
            #expect(note["basis"] as? String == "approve")
            #expect((note["lines"] as? [[String: Any]])?.first?["sku"] as? String == "NUT-M8")
        }
    }

    @Test func anUnexplainedDisputeAboveTheManagerLimitIsUpheldByAControllerWithAReason() async throws {
        try await withTemplates([slug]) { flow in
            // Only 20.00, but "other" is never settled without a person.
            try await flow.post(disputed("DSP-4", invoice: "INV-9003", reason: "other", amount: "20.00", of: "20000.00"))
            try await flow.post(disputed("DSP-5", invoice: "INV-9004", reason: "quantity", amount: "18000.00", of: "20000.00"))
            try await flow.process()
            let unexplained = try await flow.run(slug, key: "INV-9003")
            #expect(DeployedTemplates.timeline(unexplained) == ["classify", "route", "approve"])

            let large = try await flow.run(slug, key: "INV-9004")
            let task = try await flow.openTask(of: large)
            #expect(task["role"] as? String == "controller")
            let silent = try await flow.decide(task, "reject", as: People.controller)
            #expect(silent.errorCode == "comment_required")
            let rejected = try await flow.decide(task, "reject", as: People.controller, comment: "signed POD shows full quantity")
            #expect(rejected.status == 200, "\(rejected.text)")
            try await flow.process()

            let finished = try await flow.run(slug, key: "INV-9004")
            #expect(DeployedTemplates.timeline(finished).last == "uphold")
            let upheld = try #require(try await flow.emitted(by: finished, step: "uphold"))
            #expect(upheld["reason"] as? String == "signed POD shows full quantity")
            #expect(upheld["rejected_by"] as? String == People.controller)
            #expect(DeployedTemplates.money(upheld["amount"]) == "18000.00 USD")
            #expect(try await flow.emitted(by: finished, step: "credit_note") == nil)
        }
    }
}
