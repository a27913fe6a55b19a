import API
import ControlPlane
import Engine
import Events
import Foundation
import HTTP
import Postgres
import TestSupport
import Testing

private enum Users {
    static let manager = "ap.manager.max@client.example"
    static let receiver = "returns.patel@client.example"
    static let csRep = "cs.rep.moore@client.example"
    static let dock = "dock.lee@client.example"
    static let arClerk = "ar.clerk.ito@client.example"
    static let controller = "controller.kim@client.example"
    static let creditManager = "credit.ruiz@client.example"

    /// E-mail, roles, approval limit in USD cents.
    static let all: [(String, [String], Int64)] = [
        (manager, ["ap_manager"], 5_000_000),
        // Each of these could decide the task by role; segregation is what stops them.
        (receiver, ["ap_manager", "warehouse_lead"], 5_000_000),
        (csRep, ["ap_manager"], 5_000_000),
        (dock, ["ap_manager", "warehouse_lead"], 5_000_000),
        (arClerk, ["ap_manager"], 5_000_000),
        (controller, ["controller"], 100_000_000),
        (creditManager, ["controller"], 100_000_000),
    ]
}

/// One of the returns, claims or credit templates deployed into the ingest
/// world's tenant, with this file's users holding personal tokens.
private func withTemplate(
    _ slug: String, parameters: [String: JSONValue] = [:], _ body: (DeployedTemplates) async throws -> Void
) async throws {
    try await withTemplates([slug], parameters: [slug: parameters], people: Users.all, body)
}

// MARK: Events

private func timestamp(_ date: Date) -> String { date.formatted(.iso8601) }

private func day(_ date: Date) -> String { String(timestamp(date).prefix(10)) }

/// The UTC day `days` after `date`'s.
private func day(_ date: Date, plus days: Int) -> String { day(date.addingTimeInterval(Double(days) * 86_400)) }

private func returnRequested(
    _ rma: String, openedAt: String, soldOn: String?, reason: String = "no_longer_needed",
    quantity: String = "3", unitPrice: String = "7.9000"
) -> String {
    let sold = soldOn.map { #""sold_on":"\#($0)","# } ?? ""
    return #"""
        {"type":"return.requested","id":"evt_\#(rma)","occurred_at":"\#(openedAt)","source":"crm","data":{"rma_number":"\#(rma)",\#(sold)"customer":{"id":"CUST-204","name":"Harbor Hardware"},"reason":"\#(reason)","resolution":"credit","created_by":"\#(Users.csRep)","currency":"USD","lines":[{"line":1,"sku":"NUT-M8","quantity":"\#(quantity)","uom":"BOX","unit_price":"\#(unitPrice)"}]}}
        """#
}

private func returnReceived(_ rma: String, receipt: String, at time: String, lines: String) -> String {
    #"""
    {"type":"return.received","id":"evt_\#(receipt)","occurred_at":"\#(time)","source":"wms","data":{"receipt_number":"\#(receipt)","rma_number":"\#(rma)","warehouse":"DAL-1","received_by":"\#(Users.receiver)","lines":\#(lines)}}
    """#
}

private let threeGoodBoxes = #"[{"rma_line":1,"sku":"NUT-M8","quantity":"3","uom":"BOX","condition":"good"}]"#

private func goodsReceipt(_ receipt: String, at time: Date) -> String {
    #"""
    {"type":"goods_receipt.posted","id":"evt_\#(receipt)","occurred_at":"\#(timestamp(time))","source":"wms","data":{"receipt_number":"\#(receipt)","po_number":"PO-7001","warehouse":"DAL-1","received_by":"\#(Users.receiver)","supplier":{"id":"SUP-1"},"lines":[{"po_line":1,"sku":"CARTON-40","quantity":"100","uom":"EA"}]}}
    """#
}

private func damageReported(
    _ report: String, receipt: String, at time: Date, responsibleParty: String = "carrier",
    evidence: [String] = ["pallet.jpg", "pod.pdf"]
) -> String {
    let links = evidence.map { #""https://files.client.example/dmg/\#(report)/\#($0)""# }.joined(separator: ",")
    return #"""
        {"type":"damage.reported","id":"evt_\#(report)","occurred_at":"\#(timestamp(time))","source":"wms","data":{"report_number":"\#(report)","warehouse":"DAL-1","stage":"inbound","responsible_party":"\#(responsibleParty)","reported_by":"\#(Users.dock)","po_number":"PO-7001","receipt_number":"\#(receipt)","carrier":{"id":"SCAC-ODFL","name":"Old Dominion"},"currency":"USD","lines":[{"sku":"CARTON-40","quantity":"20","uom":"EA","damage_type":"crushed","estimated_cost":"170.00"}],"evidence":[\#(links)]}}
        """#
}

private func chargebackRaised(_ number: String, raised: Date, deadline: Date, amount: String = "150.00") -> String {
    #"""
    {"type":"chargeback.raised","id":"evt_\#(number)","occurred_at":"\#(timestamp(raised))","source":"ar-remittance","data":{"chargeback_number":"\#(number)","customer":{"id":"CUST-204","name":"Harbor Hardware"},"reason":"late_delivery","amount":"\#(amount)","currency":"USD","invoice_number":"INV-55020","shipment_number":"SH-77120","raised_date":"\#(day(raised))","dispute_deadline":"\#(day(deadline))","recorded_by":"\#(Users.arClerk)"}}
    """#
}

private func creditHoldPlaced(_ hold: String, reason: String, placedBy: String) -> String {
    #"""
    {"type":"credit_hold.placed","id":"evt_\#(hold)","occurred_at":"2026-11-21T06:00:00Z","source":"erp","data":{"hold_number":"\#(hold)","customer":{"id":"CUST-204","name":"Harbor Hardware"},"reason":"\#(reason)","placed_by":"\#(placedBy)","currency":"USD","credit_limit":"25000.00","open_balance":"27315.40","past_due_amount":"4120.00","orders_held":["SO-88131","SO-88140"]}}
    """#
}




private func codes(_ findings: Any?) -> [String] {
    (findings as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
}

// MARK: Tests

@Suite("Workflow templates: returns, damage claims, chargebacks and credit holds from events to outcomes")
struct WorkflowTemplatesReturnsClaimsTests {
    @Test func aReturnInsideItsWindowIsCreditedLessTheRestockingFee() async throws {
        try await withTemplate("returns-disposition") { flow in
            try await flow.post(returnRequested("RMA-1", openedAt: "2026-10-25T09:00:00Z", soldOn: "2026-10-20"))
            try await flow.post(returnReceived("RMA-1", receipt: "RR-1", at: "2026-11-10T10:00:00Z", lines: threeGoodBoxes))
            _ = try await flow.engine().process(tenant: flow.world.tenant)

            let run = try await flow.run("returns-disposition", key: "RMA-1")
            #expect(run["status"] as? String == "completed", "\(run)")
            #expect(DeployedTemplates.timeline(run) == ["await_rma", "disposition", "route", "credit"])
            let disposition = DeployedTemplates.results(run, "disposition")
            #expect(disposition["decision"] as? String == "approved")
            #expect(disposition["deadline"] as? String == "2026-11-19")
            let credit = try #require(disposition["credit"] as? [String: Any])
            // 3 × 7.90 = 23.70; "no longer needed" carries the 15 % fee: 3.555 → 3.56.
            #expect(DeployedTemplates.money(credit["gross"]) == "23.70 USD")
            #expect(DeployedTemplates.money(credit["fee"]) == "3.56 USD")
            #expect(DeployedTemplates.money(credit["credit"]) == "20.14 USD")
            let line = try #require((disposition["lines"] as? [[String: Any]])?.first)
            #expect(line["disposition"] as? String == "restock")
            let event = try #require(try await flow.emitted(by: run, step: "credit"))
            #expect(DeployedTemplates.money(event["credit"]) == "20.14 USD")
            #expect(try await flow.emitted(by: run, step: "reject") == nil)
        }
    }

    @Test func theReturnWindowIncludesItsLastDayAndNotTheDayAfter() async throws {
        try await withTemplate("returns-disposition", parameters: ["window_days": .string("10")]) { flow in
            // Sold on 2026-11-01 with a 10-day window: the last day is 2026-11-11.
            for rma in ["RMA-ON-TIME", "RMA-LATE"] {
                try await flow.post(returnRequested(rma, openedAt: "2026-11-02T09:00:00Z", soldOn: "2026-11-01"))
            }
            // Days are UTC days: 17:59:59 in Dallas is 23:59:59Z, 18:00:00 is the next day.
            try await flow.post(
                returnReceived("RMA-ON-TIME", receipt: "RR-ON-TIME", at: "2026-11-11T17:59:59-06:00", lines: threeGoodBoxes))
            try await flow.post(
                returnReceived("RMA-LATE", receipt: "RR-LATE", at: "2026-11-11T18:00:00-06:00", lines: threeGoodBoxes))
            _ = try await flow.engine().process(tenant: flow.world.tenant)

            let onTime = try await flow.run("returns-disposition", key: "RMA-ON-TIME")
            #expect(DeployedTemplates.results(onTime, "disposition")["decision"] as? String == "approved")
            #expect(DeployedTemplates.results(onTime, "disposition")["deadline"] as? String == "2026-11-11")
            #expect(DeployedTemplates.timeline(onTime).last == "credit")
            #expect(try await flow.emitted(by: onTime, step: "credit") != nil)

            let late = try await flow.run("returns-disposition", key: "RMA-LATE")
            #expect(late["status"] as? String == "completed")
            let disposition = DeployedTemplates.results(late, "disposition")
            #expect(disposition["decision"] as? String == "rejected")
            #expect(disposition["within_window"] as? Bool == false)
            #expect(codes(disposition["findings"]).contains("rma_expired"))
            #expect(DeployedTemplates.money((disposition["credit"] as? [String: Any])?["credit"]) == "0.00 USD")
            #expect(DeployedTemplates.timeline(late).last == "reject")
            let event = try #require(try await flow.emitted(by: late, step: "reject"))
            #expect(event["decision"] as? String == "rejected")
            #expect(event["deadline"] as? String == "2026-11-11")
        }
    }

    @Test func anOverReceivedReturnWaitsForItsRMAThenForAnApproverWhoNeitherReceivedNorAuthorisedIt() async throws {
        try await withTemplate("returns-disposition") { flow in
            // The receipt arrives first and waits for its RMA.
            let lines = #"""
                [{"rma_line":1,"sku":"NUT-M8","quantity":"2","uom":"BOX","condition":"damaged","disposition":"scrap"},{"rma_line":1,"sku":"NUT-M8","quantity":"2","uom":"BOX","condition":"good","disposition":"restock"}]
                """#
            try await flow.post(returnReceived("RMA-3003", receipt: "RR-3003-1", at: "2026-11-24T09:12:00Z", lines: lines))
            _ = try await flow.engine().process(tenant: flow.world.tenant)
            let waiting = try await flow.run("returns-disposition", key: "RMA-3003")
            #expect(waiting["status"] as? String == "waiting")
            #expect(waiting["waiting_for"] as? String == "documents")

            try await flow.post(returnRequested("RMA-3003", openedAt: "2026-11-18T15:05:00Z", soldOn: nil, reason: "damaged"))
            _ = try await flow.engine().process(tenant: flow.world.tenant)
            let run = try await flow.run("returns-disposition", key: "RMA-3003")
            #expect(run["waiting_for"] as? String == "task", "\(run)")
            let disposition = DeployedTemplates.results(run, "disposition")
            #expect(disposition["decision"] as? String == "needs_review")
            // No sale date: the window counts from the RMA, and the result says so.
            #expect(codes(disposition["findings"]).contains("sale_date_unknown"))
            #expect(codes(disposition["findings"]).contains("over_authorised"))
            #expect(codes(disposition["findings"]).contains("restocking_fee_waived"))
            // Four boxes came back against three authorised: three are credited, without a fee.
            #expect(DeployedTemplates.money((disposition["credit"] as? [String: Any])?["credit"]) == "23.70 USD")

            let task = try await flow.openTask(of: run)
            #expect(task["role"] as? String == "ap_manager")
            #expect(DeployedTemplates.money(task["amount"]) == "23.70 USD")
            for user in [Users.receiver, Users.csRep] {
                let refused = try await flow.decide(task, "approve", as: user)
                #expect(refused.status == 403)
                #expect(refused.errorCode == "segregation_of_duties", "\(refused.text)")
            }
            let approved = try await flow.decide(task, "approve", as: Users.manager, comment: "extra box goes to scrap")
            #expect(approved.status == 200, "\(approved.text)")
            _ = try await flow.engine().process(tenant: flow.world.tenant)

            let finished = try await flow.run("returns-disposition", key: "RMA-3003")
            #expect(finished["status"] as? String == "completed")
            #expect(DeployedTemplates.timeline(finished) == ["await_rma", "disposition", "route", "review", "review", "credit"])
            let event = try #require(try await flow.emitted(by: finished, step: "credit"))
            #expect(event["approved_by"] as? String == Users.manager)
            #expect(DeployedTemplates.money(event["credit"]) == "23.70 USD")
        }
    }

    @Test func aCarrierClaimInTimeIsFiledOnceAManagerWhoDidNotReportItApproves() async throws {
        try await withTemplate("damaged-goods-claim") { flow in
            let now = Date()
            let delivered = now.addingTimeInterval(-3 * 86_400)
            try await flow.post(goodsReceipt("GR-7001", at: delivered))
            try await flow.post(damageReported("DMG-7001", receipt: "GR-7001", at: delivered.addingTimeInterval(3600)))
            _ = try await flow.engine().process(tenant: flow.world.tenant)

            let run = try await flow.run("damaged-goods-claim", key: "GR-7001")
            #expect(run["waiting_for"] as? String == "task", "\(run)")
            let claim = DeployedTemplates.results(run, "claim")
            #expect(claim["status"] as? String == "open")
            #expect(claim["can_file"] as? Bool == true)
            #expect(DeployedTemplates.money(claim["amount"]) == "170.00 USD")
            #expect((claim["counterparty"] as? [String: Any])?["role"] as? String == "carrier")
            #expect((claim["counterparty"] as? [String: Any])?["id"] as? String == "SCAC-ODFL")
            // Carrier claims count from the delivery: 30 days to file, 270 to the time bar.
            #expect(claim["filing_deadline"] as? String == day(delivered, plus: 30))
            #expect(claim["time_bar"] as? String == day(delivered, plus: 270))
            #expect(claim["evidence_count"] as? Int == 2)

            let task = try await flow.openTask(of: run)
            #expect(task["role"] as? String == "ap_manager")
            for user in [Users.dock, Users.receiver] {
                let refused = try await flow.decide(task, "approve", as: user)
                #expect(refused.errorCode == "segregation_of_duties", "\(refused.text)")
            }
            #expect(try await flow.decide(task, "approve", as: Users.manager).status == 200)
            _ = try await flow.engine().process(tenant: flow.world.tenant)

            let finished = try await flow.run("damaged-goods-claim", key: "GR-7001")
            #expect(finished["status"] as? String == "completed")
            #expect(DeployedTemplates.timeline(finished) == ["await_delivery", "claim", "route", "approve", "approve", "file"])
            let event = try #require(try await flow.emitted(by: finished, step: "file"))
            #expect(DeployedTemplates.money(event["amount"]) == "170.00 USD")
            #expect(event["approved_by"] as? String == Users.manager)
        }
    }

    @Test func aClaimPastItsTimeBarIsRecordedAsTimeBarredWithoutATask() async throws {
        try await withTemplate("damaged-goods-claim") { flow in
            let now = Date()
            let delivered = now.addingTimeInterval(-3 * 86_400)
            try await flow.post(goodsReceipt("GR-7002", at: delivered))
            try await flow.post(damageReported("DMG-7002", receipt: "GR-7002", at: delivered))
            // 400 days on, past the 270-day carrier time bar.
            _ = try await flow.engine(ahead: 400 * 86_400).process(tenant: flow.world.tenant)

            let run = try await flow.run("damaged-goods-claim", key: "GR-7002")
            #expect(run["status"] as? String == "completed", "\(run)")
            #expect(DeployedTemplates.timeline(run) == ["await_delivery", "claim", "route", "time_barred"])
            let claim = DeployedTemplates.results(run, "claim")
            #expect(claim["status"] as? String == "time_barred")
            #expect(claim["can_file"] as? Bool == false)
            #expect(codes(claim["findings"]).contains("time_barred"))
            let event = try #require(try await flow.emitted(by: run, step: "time_barred"))
            #expect(event["time_bar"] as? String == day(delivered, plus: 270))
            let tasks = try await flow.call(.get, "/v1/tasks", as: Users.manager)
            #expect((tasks.json["data"] as? [[String: Any]])?.isEmpty == true)
        }
    }

    @Test func aClaimShortOfEvidenceOrAgainstNoOneIsNotFileable() async throws {
        try await withTemplate("damaged-goods-claim") { flow in
            let delivered = Date().addingTimeInterval(-86_400)
            for receipt in ["GR-7003", "GR-7004"] { try await flow.post(goodsReceipt(receipt, at: delivered)) }
            // A carrier claim needs two pieces of evidence; this has one.
            try await flow.post(damageReported("DMG-7003", receipt: "GR-7003", at: delivered, evidence: ["pallet.jpg"]))
            // Damage the warehouse caused is no carrier's or supplier's to pay.
            try await flow.post(damageReported("DMG-7004", receipt: "GR-7004", at: delivered, responsibleParty: "warehouse"))
            _ = try await flow.engine().process(tenant: flow.world.tenant)

            let thin = try await flow.run("damaged-goods-claim", key: "GR-7003")
            #expect(DeployedTemplates.timeline(thin) == ["await_delivery", "claim", "route", "not_fileable"], "\(thin)")
            #expect(DeployedTemplates.results(thin, "claim")["status"] as? String == "open")
            #expect(codes(DeployedTemplates.results(thin, "claim")["findings"]) == ["insufficient_evidence"])
            let event = try #require(try await flow.emitted(by: thin, step: "not_fileable"))
            #expect(codes(event["findings"]) == ["insufficient_evidence"])

            let warehouseDamage = try await flow.run("damaged-goods-claim", key: "GR-7004")
            #expect(DeployedTemplates.timeline(warehouseDamage).last == "not_fileable")
            let claim = DeployedTemplates.results(warehouseDamage, "claim")
            #expect(claim["status"] as? String == "not_claimable")
            #expect(claim["counterparty"] is NSNull)
            #expect(DeployedTemplates.money(claim["amount"]) == "170.00 USD")
            #expect(codes(claim["findings"]) == ["no_counterparty"])
            let tasks = try await flow.call(.get, "/v1/tasks", as: Users.manager)
            #expect((tasks.json["data"] as? [[String: Any]])?.isEmpty == true)
        }
    }

    @Test func aChargebackIsAcceptedOrDisputedByAManagerWhoDidNotRecordItAndAcceptedOnceItsWindowCloses() async throws {
        try await withTemplate("supplier-chargeback") { flow in
            let now = Date()
            let raised = now.addingTimeInterval(-2 * 86_400)
            try await flow.post(chargebackRaised("CB-ACCEPT", raised: raised, deadline: raised.addingTimeInterval(30 * 86_400)))
            try await flow.post(chargebackRaised("CB-DISPUTE", raised: raised, deadline: raised.addingTimeInterval(30 * 86_400)))
            let old = now.addingTimeInterval(-40 * 86_400)
            try await flow.post(chargebackRaised("CB-OLD", raised: old, deadline: old.addingTimeInterval(30 * 86_400)))
            _ = try await flow.engine().process(tenant: flow.world.tenant)

            let accept = try await flow.run("supplier-chargeback", key: "CB-ACCEPT")
            let assessment = DeployedTemplates.results(accept, "assess")
            #expect(assessment["status"] as? String == "open", "\(accept)")
            #expect(assessment["time_bar"] as? String == day(raised, plus: 30))
            // The review target is 10 days after the chargeback was raised.
            #expect(assessment["filing_deadline"] as? String == day(raised, plus: 10))
            let acceptTask = try await flow.openTask(of: accept)
            #expect(DeployedTemplates.money(acceptTask["amount"]) == "150.00 USD")
            let refused = try await flow.decide(acceptTask, "approve", as: Users.arClerk)
            #expect(refused.status == 403)
            #expect(refused.errorCode == "segregation_of_duties", "\(refused.text)")
            #expect(try await flow.decide(acceptTask, "approve", as: Users.manager).status == 200)

            let dispute = try await flow.run("supplier-chargeback", key: "CB-DISPUTE")
            let disputeTask = try await flow.openTask(of: dispute)
            let disputed = try await flow.decide(
                disputeTask, "reject", as: Users.manager, comment: "delivered on the promised date, POD attached")
            #expect(disputed.status == 200, "\(disputed.text)")
            _ = try await flow.engine().process(tenant: flow.world.tenant)

            let accepted = try #require(
                try await flow.emitted(by: try await flow.run("supplier-chargeback", key: "CB-ACCEPT"), step: "accept"))
            #expect(accepted["basis"] as? String == "approved")
            #expect(accepted["accepted_by"] as? String == Users.manager)
            #expect(DeployedTemplates.money(accepted["amount"]) == "150.00 USD")
            let disputeEvent = try #require(
                try await flow.emitted(by: try await flow.run("supplier-chargeback", key: "CB-DISPUTE"), step: "dispute"))
            #expect(disputeEvent["reason"] as? String == "delivered on the promised date, POD attached")
            #expect(disputeEvent["disputed_by"] as? String == Users.manager)

            let closed = try await flow.run("supplier-chargeback", key: "CB-OLD")
            #expect(DeployedTemplates.results(closed, "assess")["status"] as? String == "time_barred")
            #expect(DeployedTemplates.timeline(closed) == ["assess", "route", "accept_time_barred"])
            let barred = try #require(try await flow.emitted(by: closed, step: "accept_time_barred"))
            #expect(barred["basis"] as? String == "dispute_window_closed")
        }
    }

    @Test func aCreditHoldIsReleasedOnlyByAControllerWhoDidNotPlaceIt() async throws {
        try await withTemplate("credit-hold-release") { flow in
            try await flow.post(creditHoldPlaced("CH-1187", reason: "over_credit_limit", placedBy: Users.creditManager))
            try await flow.post(creditHoldPlaced("CH-1190", reason: "manual", placedBy: Users.controller))
            _ = try await flow.engine().process(tenant: flow.world.tenant)

            let overLimit = try await flow.run("credit-hold-release", key: "CH-1187")
            #expect(DeployedTemplates.timeline(overLimit) == ["assess", "route", "release"], "\(overLimit)")
            let task = try await flow.openTask(of: overLimit)
            #expect(task["role"] as? String == "controller")
            #expect((task["title"] as? String)?.contains("open balance 27315.40 against a limit of 25000.00 USD") == true)
            let refused = try await flow.decide(task, "approve", as: Users.creditManager)
            #expect(refused.status == 403)
            #expect(refused.errorCode == "segregation_of_duties", "\(refused.text)")
            #expect(try await flow.decide(task, "approve", as: Users.manager).errorCode == "role_required")
            #expect(try await flow.decide(task, "approve", as: Users.controller, comment: "payment received").status == 200)

            // A manual hold goes to the override task; its placer may not decide it either way.
            let manual = try await flow.run("credit-hold-release", key: "CH-1190")
            #expect(DeployedTemplates.timeline(manual) == ["assess", "route", "override"])
            let overrideTask = try await flow.openTask(of: manual)
            let own = try await flow.decide(overrideTask, "reject", as: Users.controller, comment: "keep it")
            #expect(own.errorCode == "segregation_of_duties")
            #expect(
                try await flow.decide(overrideTask, "reject", as: Users.creditManager, comment: "still 4,120 past due").status == 200)
            _ = try await flow.engine().process(tenant: flow.world.tenant)

            let released = try #require(
                try await flow.emitted(by: try await flow.run("credit-hold-release", key: "CH-1187"), step: "released"))
            #expect(released["released_by"] as? String == Users.controller)
            #expect(released["by_override"] as? Bool == false)
            #expect(released["orders_released"] as? [String] == ["SO-88131", "SO-88140"])
            let kept = try #require(
                try await flow.emitted(by: try await flow.run("credit-hold-release", key: "CH-1190"), step: "kept"))
            #expect(kept["kept_by"] as? String == Users.creditManager)
            #expect(kept["reason"] as? String == "still 4,120 past due")
        }
    }
}
