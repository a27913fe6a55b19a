import API
import ControlPlane
@testable import Engine
import Events
import Foundation
import HTTP
import Postgres
import TestSupport
import Testing

/// End to end: the landed-cost-allocation and cycle-count-variance templates
/// deployed into the ingest world's tenant, fed events through /v1/events,
/// run by the engine, read and decided through /v1/runs and /v1/tasks; and the
/// two steps' reading of documents, without a database. One outer suite, so
/// `--filter WorkflowTemplatesLandedCost` selects all of it.
@Suite("Workflow templates: landed cost allocation and cycle count variance")
enum WorkflowTemplatesLandedCostTests {}

/// One template deployed, with users of the tenant holding personal tokens.
private struct TemplateFlow {
    let world: IngestWorld
    let engine: WorkflowEngine
    /// Personal tokens by e-mail.
    let tokens: [String: String]
    let reader: String

    func call(_ method: HTTPMethod, _ target: String, as user: String, body: String = "") async throws -> IngestReply {
        var headers: HTTPHeaders = ["Host": "localhost", "Authorization": "Bearer \(tokens[user] ?? "")"]
        if !body.isEmpty { headers.add("Content-Type", "application/json") }
        return try await world.send(method, target, headers: headers, body: body)
    }

    func post(_ events: String...) async throws {
        for event in events {
            let reply = try await world.post(event)
            #expect(reply.status == 201, "\(reply.text)")
        }
    }

    func process() async throws { _ = try await engine.process(tenant: world.tenant) }

    func runs(_ query: String) async throws -> [[String: Any]] {
        try await call(.get, "/v1/runs?\(query)", as: reader).json["data"] as? [[String: Any]] ?? []
    }

    func run(_ id: String) async throws -> [String: Any] { try await call(.get, "/v1/runs/\(id)", as: reader).json }

    func timeline(_ id: String) async throws -> [String] {
        (try await run(id)["timeline"] as? [[String: Any]] ?? []).map { $0["step"] as? String ?? "" }
    }

    func result(_ id: String, step: String) async throws -> [String: Any] {
        try #require((try await run(id)["results"] as? [String: Any])?[step] as? [String: Any])
    }

    func openTasks() async throws -> [[String: Any]] {
        try await call(.get, "/v1/tasks?status=open", as: reader).json["data"] as? [[String: Any]] ?? []
    }

    func decide(_ task: String, as user: String, _ body: String) async throws -> IngestReply {
        try await call(.post, "/v1/tasks/\(task)/decision", as: user, body: body)
    }

    /// The event a run's emit step stored, as `/v1/events/{id}` shows it.
    func emitted(by run: String, step: String) async throws -> [String: Any] {
        let reply = try await world.get("/v1/events/evt_\(run.prefix(13))_\(step)")
        #expect(reply.status == 200, "\(reply.text)")
        return reply.json["event"] as? [String: Any] ?? [:]
    }
}

/// A user of the tenant: e-mail, roles, approval limit in USD cents.
private typealias TenantUser = (email: String, roles: [String], limitMinor: Int64)

private func withTemplate(
    _ slug: String, parameters: [String: JSONValue] = [:], users: [TenantUser],
    _ body: (TemplateFlow) async throws -> Void
) async throws {
    try await withIngestWorld { world in
        let catalog = try TemplateCatalog.load(
            from: repositoryRoot.appendingPathComponent("Templates"),
            knownEventTypes: Set(try EventCatalog.load(from: repositoryRoot.appendingPathComponent("Templates/events")).types.map(\.type)))
        _ = try await Deployments(databases: world.databases, catalog: catalog).deploy(
            tenant: world.tenant, slug: slug, version: nil, parameters: parameters, actor: "test")
        let tenantID = try await world.service.tenant(world.tenant).id
        var tokens: [String: String] = [:]
        let store = CredentialStore(pool: world.pool)
        for user in users {
            try await world.pool.query(
                """
                INSERT INTO control.users (scope, tenant_id, email, display_name, roles, approval_limit_minor, approval_currency)
                VALUES ('tenant', \(tenantID), \(user.email), \(user.email), \(user.roles), \(user.limitMinor), 'USD')
                """)
            let (_, key) = try await store.issue(
                for: .tenant(world.tenant), scopes: [.runsRead, .tasksRead, .tasksWrite], user: user.email, actor: "test")
            tokens[user.email] = key.reveal()
        }
        func cleanUp() async throws {
            try await world.pool.query(
                "DELETE FROM control.api_credentials WHERE user_id IN (SELECT id FROM control.users WHERE tenant_id = \(tenantID))")
            try await world.pool.query("DELETE FROM control.users WHERE tenant_id = \(tenantID)")
        }
        do {
            try await body(
                TemplateFlow(
                    world: world, engine: WorkflowEngine(databases: world.databases), tokens: tokens,
                    reader: users[0].email))
        } catch {
            try? await cleanUp()
            throw error
        }
        try await cleanUp()
    }
}

private func money(_ value: Any?) -> String? { (value as? [String: Any])?["amount"] as? String }

private func integer(_ value: Any?) -> Int? { (value as? Int) ?? (value as? NSNumber)?.intValue }

// MARK: Landed cost events

/// Three lines worth the same (10 × 10.00 each), so a charge splits in thirds.
private func purchaseOrder(_ number: String = "PO-LC-1") -> String {
    #"{"type":"purchase_order.created","id":"evt_po_\#(number)","occurred_at":"2026-11-02T09:15:00Z","source":"erp","data":{"po_number":"\#(number)","supplier":{"id":"SUP-020","name":"Harbor Imports"},"currency":"USD","created_by":"buyer.kim@client.example","order_date":"2026-11-02","lines":[{"line":1,"sku":"LAMP-01","quantity":"10","uom":"EA","unit_price":"10.00"},{"line":2,"sku":"SHADE-02","quantity":"10","uom":"EA","unit_price":"10.00"},{"line":3,"sku":"BULB-03","quantity":"10","uom":"EA","unit_price":"10.00"}]}}"#
}

private func goodsReceipt(_ number: String = "GR-LC-1", order: String = "PO-LC-1") -> String {
    #"{"type":"goods_receipt.posted","id":"evt_gr_\#(number)","occurred_at":"2026-11-12T07:58:31.250Z","source":"wms","data":{"receipt_number":"\#(number)","po_number":"\#(order)","warehouse":"DAL-1","received_by":"dock.lee@client.example","lines":[{"po_line":1,"sku":"LAMP-01","quantity":"10","uom":"EA"},{"po_line":2,"sku":"SHADE-02","quantity":"10","uom":"EA"},{"po_line":3,"sku":"BULB-03","quantity":"10","uom":"EA"}]}}"#
}

private func landedCharge(
    _ number: String, type: String = "freight", amount: String, submittedBy: String = "ap.clerk.ana@client.example",
    appliesTo: String = #"[{"po_number":"PO-LC-1"}]"#
) -> String {
    #"{"type":"landed_cost.charged","id":"evt_lc_\#(number)","occurred_at":"2026-11-15T10:00:00Z","source":"erp","data":{"charge_number":"\#(number)","charge_type":"\#(type)","vendor":{"id":"CAR-ODFL","name":"Old Dominion Freight Line"},"amount":"\#(amount)","currency":"USD","charge_date":"2026-11-14","submitted_by":"\#(submittedBy)","reference":"BOL 5550123","applies_to":\#(appliesTo)}}"#
}

private let apUsers: [TenantUser] = [
    ("ap.manager.max@client.example", ["ap_manager"], 5_000_000),
    ("ap.clerk.ana@client.example", ["ap_manager"], 5_000_000),
    ("controller.cy@client.example", ["controller"], 100_000_000),
]

extension WorkflowTemplatesLandedCostTests {
    @Suite("Landed cost: from a charge to posted, exact allocations")
    struct LandedCost {
        @Test func aChargeBeforeItsReceiptWaitsThenSplitsOneHundredOverThreeLinesToTheCent() async throws {
            try await withTemplate("landed-cost-allocation", users: apUsers) { flow in
                try await flow.post(purchaseOrder(), landedCharge("LC-100", amount: "100.00"))
                try await flow.process()
                let waiting = try #require(try await flow.runs("template=landed-cost-allocation").first)
                #expect(waiting["status"] as? String == "waiting")
                #expect(waiting["waiting_for"] as? String == "documents")
                #expect(waiting["correlation_key"] as? String == "PO-LC-1")
                let id = try #require(waiting["id"] as? String)

                try await flow.post(goodsReceipt())
                try await flow.process()
                let finished = try await flow.run(id)
                #expect(finished["status"] as? String == "completed", "\(finished)")
                #expect(try await flow.timeline(id) == ["documents", "allocate", "route", "post"])

                let allocation = try await flow.result(id, step: "allocate")
                #expect(allocation["outcome"] as? String == "allocated")
                #expect(allocation["basis"] as? String == "value")
                #expect(allocation["requires_approval"] as? Bool == false)
                #expect(money(allocation["total_charged"]) == "100.00")
                #expect(money(allocation["total_allocated"]) == "100.00")
                let lines = try #require(allocation["lines"] as? [[String: Any]])
                let shares = lines.compactMap { money($0["allocated"]) }
                #expect(shares.sorted() == ["33.33", "33.33", "33.34"])
                let cents = shares.compactMap { Int($0.replacingOccurrences(of: ".", with: "")) }.reduce(0, +)
                #expect(cents == 100_00)
                for line in lines {
                    let charges = try #require(line["allocations"] as? [[String: Any]])
                    #expect(charges.count == 1)
                    #expect(charges.first?["charge_number"] as? String == "LC-100")
                    #expect(money(charges.first?["amount"]) == money(line["allocated"]))
                    #expect((line["allocated"] as? [String: Any])?["currency"] as? String == "USD")
                    #expect(line["unit_cost"] as? String == "10")
                    #expect(line["unit_cost_source"] as? String == "purchase_order")
                    // (10 × 10.00 + share) / 10, to four decimals.
                    let expected = money(line["allocated"]) == "33.34" ? "13.334" : "13.333"
                    #expect(line["landed_unit_cost"] as? String == expected)
                }
                #expect(lines.map { $0["reference"] as? String } == ["GR-LC-1/1", "GR-LC-1/2", "GR-LC-1/3"])

                let posted = try await flow.emitted(by: id, step: "post")
                #expect(posted["type"] as? String == "landed_cost.allocated")
                let data = try #require(posted["data"] as? [String: Any])
                #expect(data["charge_number"] as? String == "LC-100")
                #expect(money(data["total_charged"]) == "100.00")
                #expect((data["lines"] as? [[String: Any]])?.compactMap { money($0["allocated"]) }.sorted() == ["33.33", "33.33", "33.34"])
                #expect(data["approved_by"] is NSNull)
                #expect(posted["caused_by"] as? String == "evt_lc_LC-100")
            }
        }

        @Test func aChargeAboveTheLimitNeedsAnApproverWhoDidNotEnterIt() async throws {
            try await withTemplate("landed-cost-allocation", users: apUsers) { flow in
                try await flow.post(
                    purchaseOrder(), goodsReceipt(), landedCharge("LC-DUTY", type: "duty", amount: "2500.00"))
                try await flow.process()
                let run = try #require(try await flow.runs("template=landed-cost-allocation").first)
                #expect(run["waiting_for"] as? String == "task")
                let id = try #require(run["id"] as? String)
                let allocation = try await flow.result(id, step: "allocate")
                #expect(allocation["requires_approval"] as? Bool == true)
                #expect(allocation["approval_threshold"] as? String == "1000")

                let task = try #require(try await flow.openTasks().first)
                #expect(task["role"] as? String == "ap_manager")
                let taskID = try #require(task["id"] as? String)
                let refused = try await flow.decide(taskID, as: "ap.clerk.ana@client.example", #"{"decision": "approve"}"#)
                #expect(refused.status == 403)
                #expect(refused.errorCode == "segregation_of_duties")
                let approved = try await flow.decide(
                    taskID, as: "ap.manager.max@client.example", #"{"decision": "approve", "comment": "customs entry checked"}"#)
                #expect(approved.status == 200, "\(approved.text)")
                try await flow.process()

                #expect(try await flow.run(id)["status"] as? String == "completed")
                #expect(try await flow.timeline(id) == ["documents", "allocate", "route", "approve", "approve", "post"])
                let posted = try await flow.emitted(by: id, step: "post")
                let data = try #require(posted["data"] as? [String: Any])
                #expect(data["approved_by"] as? String == "ap.manager.max@client.example")
                #expect(data["charge_type"] as? String == "duty")
                #expect((data["lines"] as? [[String: Any]])?.compactMap { money($0["allocated"]) }.sorted() == ["833.33", "833.33", "833.34"])
            }
        }

        @Test func aChargeSpanningTwoOrdersIsAnExceptionNotAGuess() async throws {
            try await withTemplate("landed-cost-allocation", users: apUsers) { flow in
                try await flow.post(
                    purchaseOrder(), goodsReceipt(),
                    landedCharge("LC-BOTH", amount: "90.00", appliesTo: #"[{"po_number":"PO-LC-1"},{"po_number":"PO-LC-9"}]"#))
                try await flow.process()
                let run = try #require(try await flow.runs("template=landed-cost-allocation").first)
                #expect(run["status"] as? String == "exception")
                let error = run["error"] as? String ?? ""
                #expect(error.hasPrefix("charge_spans_orders: "), "\(error)")
                #expect(error.contains("PO-LC-9"))
            }
        }

        @Test func aWeightBasisWithoutWeightsIsAnExceptionNamingTheLines() async throws {
            try await withTemplate(
                "landed-cost-allocation", parameters: ["freight_basis": .string("weight")], users: apUsers
            ) { flow in
                try await flow.post(purchaseOrder(), goodsReceipt(), landedCharge("LC-KG", amount: "75.00"))
                try await flow.process()
                let run = try #require(try await flow.runs("template=landed-cost-allocation").first)
                #expect(run["status"] as? String == "exception")
                #expect((run["error"] as? String)?.hasPrefix("zero_basis: PO-LC-1: charge LC-KG is allocated by weight") == true, "\(run)")
            }
        }
    }
}

// MARK: Cycle count events

private func cycleCount(
    _ number: String, at time: String = "2026-11-16T18:20:00+01:00", countedBy: String = "counter.ortiz@client.example",
    type: String = "cycle", lines: String
) -> String {
    #"{"type":"cycle_count.completed","id":"evt_cc_\#(number)","occurred_at":"\#(time)","source":"wms","data":{"count_number":"\#(number)","warehouse":"DAL-1","count_type":"\#(type)","counted_by":"\#(countedBy)","currency":"USD","lines":\#(lines)}}"#
}

/// A bolt bin 1 short of 1200 at 0.1240: 0.12 and 0.08 %, well within tolerance.
private let smallVariance =
    #"[{"sku":"BOLT-M8-40","location":"B-02-01","uom":"EA","system_quantity":"1200","counted_quantity":"1199","unit_cost":"0.1240"},{"sku":"NUT-M8","location":"B-02-02","uom":"EA","system_quantity":"500","counted_quantity":"500","unit_cost":"0.05"}]"#

private let warehouseUsers: [TenantUser] = [
    ("lead.lena@client.example", ["warehouse_lead"], 1_000_000),
    ("counter.ortiz@client.example", ["warehouse_lead"], 1_000_000),
    ("controller.cy@client.example", ["controller"], 100_000_000),
]

extension WorkflowTemplatesLandedCostTests {
    @Suite("Cycle count: variances reviewed, segregated and adjusted")
    struct CycleCount {
        @Test func aCountWithinToleranceIsAdjustedWithoutAnyone() async throws {
            try await withTemplate("cycle-count-variance", users: warehouseUsers) { flow in
                try await flow.post(cycleCount("CC-1", lines: smallVariance))
                try await flow.process()
                let run = try #require(try await flow.runs("template=cycle-count-variance").first)
                let id = try #require(run["id"] as? String)
                #expect(run["status"] as? String == "completed", "\(run)")
                #expect(try await flow.timeline(id) == ["review", "route", "adjust"])

                let review = try await flow.result(id, step: "review")
                #expect(review["classification"] as? String == "within_tolerance")
                #expect(money(review["net_value"]) == "-0.12")
                let lines = try #require(review["lines"] as? [[String: Any]])
                #expect(lines.first?["variance_quantity"] as? String == "-1")
                #expect(money(lines.first?["variance_value"]) == "-0.12")
                #expect(lines.first?["variance_percent"] as? String == "-0.08")
                #expect(lines.first?["repeat_offender"] as? Bool == false)
                #expect(lines.last?["classification"] as? String == "within_tolerance")

                let adjusted = try await flow.emitted(by: id, step: "adjust")
                #expect(adjusted["type"] as? String == "stock.adjustment_approved")
                #expect((adjusted["data"] as? [String: Any])?["count_number"] as? String == "CC-1")
            }
        }

        @Test func aReviewGoesToAWarehouseLeadButNeverToWhoeverCounted() async throws {
            try await withTemplate("cycle-count-variance", users: warehouseUsers) { flow in
                // 60 short of 1000 at 0.50: 6 % and 30.00, beyond the 5 % review limit only.
                try await flow.post(
                    cycleCount(
                        "CC-2",
                        lines: #"[{"sku":"TAPE-48","location":"C-01-01","uom":"EA","system_quantity":"1000","counted_quantity":"940","unit_cost":"0.50"}]"#))
                try await flow.process()
                let run = try #require(try await flow.runs("template=cycle-count-variance").first)
                let id = try #require(run["id"] as? String)
                #expect(run["waiting_for"] as? String == "task")
                let review = try await flow.result(id, step: "review")
                #expect(review["classification"] as? String == "review")
                let line = try #require((review["lines"] as? [[String: Any]])?.first)
                #expect(line["variance_percent"] as? String == "-6")
                #expect(money(line["variance_value"]) == "-30.00")
                #expect((line["findings"] as? [[String: Any]])?.map { $0["code"] as? String } == ["percent_exceeds_review"])

                let task = try #require(try await flow.openTasks().first)
                #expect(task["role"] as? String == "warehouse_lead")
                let taskID = try #require(task["id"] as? String)
                let refused = try await flow.decide(taskID, as: "counter.ortiz@client.example", #"{"decision": "approve"}"#)
                #expect(refused.status == 403)
                #expect(refused.errorCode == "segregation_of_duties")
                #expect((refused.json["error"] as? [String: Any])?["message"] as? String != nil)
                let approved = try await flow.decide(taskID, as: "lead.lena@client.example", #"{"decision": "approve"}"#)
                #expect(approved.status == 200, "\(approved.text)")
                try await flow.process()

                #expect(try await flow.run(id)["status"] as? String == "completed")
                #expect(try await flow.timeline(id) == ["review", "route", "lead_review", "lead_review", "adjust"])
                let data = try #require(try await flow.emitted(by: id, step: "adjust")["data"] as? [String: Any])
                #expect(data["approved_by"] as? String == "lead.lena@client.example")
                #expect(money(data["net_value"]) == "-30.00")
            }
        }

        @Test func aBinThatKeepsDriftingEscalatesAndARejectionAsksForARecount() async throws {
            try await withTemplate("cycle-count-variance", users: warehouseUsers) { flow in
                // Two earlier small variances in the bolt bin inside 90 days, one long before,
                // and a recount, which re-measures rather than finds a new variance.
                try await flow.post(
                    cycleCount("CC-OLD", at: "2026-05-01T10:00:00Z", lines: smallVariance),
                    cycleCount("CC-SEP", at: "2026-09-01T10:00:00Z", lines: smallVariance),
                    cycleCount("CC-SEP-R", at: "2026-09-02T10:00:00Z", type: "recount", lines: smallVariance),
                    cycleCount("CC-OCT", at: "2026-10-15T10:00:00Z", lines: smallVariance))
                try await flow.process()
                // Those counts were reviewed as they came, each within tolerance or already flagged.
                #expect(try await flow.runs("template=cycle-count-variance").count == 4)
                let before = Set(try await flow.runs("template=cycle-count-variance").compactMap { $0["id"] as? String })

                try await flow.post(cycleCount("CC-NOV", countedBy: "lead.lena@client.example", lines: smallVariance))
                try await flow.process()
                let run = try #require(
                    try await flow.runs("template=cycle-count-variance").first { !before.contains($0["id"] as? String ?? "") })
                let id = try #require(run["id"] as? String)
                let review = try await flow.result(id, step: "review")
                #expect(review["classification"] as? String == "escalate", "\(review)")
                #expect(review["previous_counts"] as? [String] == ["CC-OLD", "CC-SEP", "CC-OCT"])
                let bolt = try #require((review["lines"] as? [[String: Any]])?.first)
                #expect(bolt["repeat_offender"] as? Bool == true)
                #expect(integer(bolt["occurrences_in_window"]) == 3)
                #expect(bolt["classification"] as? String == "escalate")
                #expect(review["repeat_offender_lines"] as? [String] == ["BOLT-M8-40@B-02-01"])

                let task = try #require(try await flow.openTasks().first { $0["run_id"] as? String == id })
                #expect(task["role"] as? String == "controller")
                let taskID = try #require(task["id"] as? String)
                // The lead counted this time, and may not decide it either.
                let refused = try await flow.decide(
                    taskID, as: "lead.lena@client.example", #"{"decision": "reject", "comment": "mine"}"#)
                #expect(refused.errorCode == "segregation_of_duties")
                let rejected = try await flow.decide(
                    taskID, as: "controller.cy@client.example",
                    #"{"decision": "reject", "comment": "third drift in the bolt bin: recount with a second counter"}"#)
                #expect(rejected.status == 200, "\(rejected.text)")
                try await flow.process()

                #expect(try await flow.timeline(id) == ["review", "route", "controller_review", "controller_review", "recount"])
                let recount = try await flow.emitted(by: id, step: "recount")
                #expect(recount["type"] as? String == "stock.recount_requested")
                let data = try #require(recount["data"] as? [String: Any])
                #expect((data["reason"] as? String)?.hasPrefix("third drift") == true)
                #expect((data["lines"] as? [[String: Any]])?.map { $0["sku"] as? String } == ["BOLT-M8-40"])
            }
        }
    }
}

// MARK: Step logic without a database

extension WorkflowTemplatesLandedCostTests {
    @Suite("Steps: landed cost and variance review read their documents")
    struct Steps {
        private func json(_ text: String) throws -> JSONValue { try JSONParser().parse(text) }

        private func environment(
            trigger: String, documents: [String: JSONValue], parameters: [String: JSONValue] = [:]
        ) throws -> Engine.Environment {
            Engine.Environment(
                trigger: try json(trigger), documents: documents, steps: [:], variables: [:], parameters: parameters)
        }

        private func step(_ kind: WorkflowTemplate.Step.Kind, _ definition: [String: JSONValue] = [:]) -> WorkflowTemplate.Step {
            WorkflowTemplate.Step(id: "s", kind: kind, next: "after", definition: definition)
        }

        private func result(_ outcome: StepOutcome) throws -> JSONValue {
            guard case .advance(let result, let next) = outcome else {
                Issue.record("expected the step to complete, got \(outcome)")
                return .null
            }
            #expect(next == "after")
            return result
        }

        @Test func onlyTheTriggerKeyMayPickAListElement() throws {
            func problems(key: String, documentKey: String) -> [String] {
                let template =
                    #"{"slug":"tt","version":"1.0.0","title":"T","trigger":"landed_cost.charged","correlation":{"key":"\#(key)","documents":{"receipts":{"event":"goods_receipt.posted","key":"\#(documentKey)","many":true}}},"steps":[{"id":"a","kind":"landed_cost_allocation"}]}"#
                do {
                    _ = try WorkflowTemplate.parse(Data(template.utf8))
                    return []
                } catch {
                    return error.problems.map(\.path)
                }
            }
            #expect(problems(key: "data.applies_to[0].po_number", documentKey: "data.po_number").isEmpty)
            #expect(problems(key: "data.applies_to[12][3].po_number", documentKey: "data.po_number").isEmpty)
            for key in ["data.applies_to[].po_number", "data.applies_to[x].po_number", "data.applies_to[0]x", "data[0"] {
                #expect(problems(key: key, documentKey: "data.po_number") == ["$.correlation.key"], "\(key)")
            }
            #expect(problems(key: "data.po_number", documentKey: "data.lines[0].po_number") == ["$.correlation.documents.receipts.key"])
        }

        @Test func unitCostsComeFromTheOrderInItsOwnOrItsBaseUnitAndRejectedLinesGetNoShare() throws {
            let order = try json(
                #"{"data":{"po_number":"PO-9","currency":"USD","lines":[{"line":1,"sku":"TAPE","quantity":"2","uom":"CS","uom_factor":"36","unit_price":"36.00","unit_weight":"9"},{"line":2,"sku":"BOX","quantity":"5","uom":"EA","unit_price":"2.00","unit_weight":"1"}]}}"#)
            let receipt = try json(
                #"{"data":{"receipt_number":"GR-9","po_number":"PO-9","lines":[{"po_line":1,"sku":"TAPE","quantity":"36","uom":"EA"},{"po_line":1,"sku":"TAPE","quantity":"1","uom":"CS"},{"po_line":2,"sku":"BOX","quantity":"5","uom":"EA","condition":"rejected"},{"po_line":2,"sku":"BOX","quantity":"4","uom":"EA","unit_cost":"2.50","weight":"3"}]}}"#)
            let charge =
                #"{"id":"c1","data":{"charge_number":"LC-9","charge_type":"freight","amount":"10.00","currency":"USD","allocation_basis":"weight","applies_to":[{"po_number":"PO-9"}]}}"#
            let outcome = try LandedCostStep.allocate(
                step(.landedCostAllocation), environment: environment(
                    trigger: charge, documents: ["purchase_order": order, "receipts": .array([receipt])]),
                correlationKey: "PO-9", createdAt: Date())
            let result = try self.result(outcome)
            let lines = result["lines"]?.arrayValue ?? []
            #expect(lines.map { $0["reference"]?.stringValue } == ["GR-9/1", "GR-9/2", "GR-9/4"])
            // 36 EA of a 36-pack at 36.00 a case: 1.00 each, 9 kg; one case: 36.00, 9 kg; 4 boxes at their own 2.50, 3 kg.
            #expect(lines.map { $0["unit_cost"]?.stringValue } == ["1", "36", "2.5"])
            #expect(lines.map { $0["weight"]?.stringValue } == ["9", "9", "3"])
            #expect(lines.map { $0["unit_cost_source"]?.stringValue } == ["purchase_order", "purchase_order", "receipt"])
            // 10.00 by weight 9:9:3 → 4.285…, 4.285…, 1.428… → 4.29, 4.28, 1.43 (largest remainder).
            let shares = lines.compactMap { $0["allocated"]?["amount"]?.stringValue }
            #expect(shares.compactMap { Decimal(string: $0) }.reduce(0, +) == Decimal(10))
            #expect(shares.last == "1.43")
            #expect(result["excluded_lines"]?.arrayValue?.first?["reason"]?.stringValue == "rejected")
            #expect(result["total_allocated"]?["amount"]?.stringValue == "10.00")
        }

        @Test func aChargeNamingAReceiptNotYetArrivedWaitsForIt() throws {
            let receipt = try json(
                #"{"data":{"receipt_number":"GR-1","po_number":"PO-1","lines":[{"po_line":1,"sku":"A","quantity":"1","uom":"EA","unit_cost":"5"}]}}"#)
            let charge =
                #"{"id":"c2","data":{"charge_number":"LC-2","charge_type":"handling","amount":"3.00","currency":"USD","applies_to":[{"po_number":"PO-1","receipt_number":"GR-2"}]}}"#
            let created = Date(timeIntervalSince1970: 1_800_000_000)
            let outcome = try LandedCostStep.allocate(
                step(.landedCostAllocation, ["timeout_seconds": .string("params.wait"), "on_timeout": .string("late")]),
                environment: environment(trigger: charge, documents: ["receipts": .array([receipt])], parameters: ["wait": .string("60")]),
                correlationKey: "PO-1", createdAt: created)
            guard case .waitForDocuments(let missing, let until, let onTimeout) = outcome else {
                Issue.record("expected a wait, got \(outcome)")
                return
            }
            #expect(missing == ["receipts (GR-2)"])
            #expect(until == created.addingTimeInterval(60))
            #expect(onTimeout == "late")
        }

        @Test func badDataIsAStepFailureWithACode() throws {
            let receipt = try json(
                #"{"data":{"receipt_number":"GR-1","po_number":"PO-1","lines":[{"po_line":1,"sku":"A","quantity":"1","uom":"EA"}]}}"#)
            let cases: [(String, [String: JSONValue], String)] = [
                // No unit cost on the receipt and no order to take one from.
                (#"{"data":{"charge_number":"L","charge_type":"duty","amount":"1.00","currency":"USD","applies_to":[{"po_number":"PO-1"}]}}"#,
                 ["receipts": .array([receipt])], "unit_cost_missing"),
                // More decimals than the currency has.
                (#"{"data":{"charge_number":"L","charge_type":"duty","amount":"1.005","currency":"USD","applies_to":[{"po_number":"PO-1"}]}}"#,
                 ["receipts": .array([receipt])], "invalid_amount"),
                (#"{"data":{"charge_number":"L","charge_type":"tip","amount":"1.00","currency":"USD","applies_to":[{"po_number":"PO-1"}]}}"#,
                 ["receipts": .array([receipt])], "document_incomplete"),
            ]
            for (charge, documents, code) in cases {
                #expect {
                    _ = try LandedCostStep.allocate(
                        step(.landedCostAllocation), environment: environment(trigger: charge, documents: documents),
                        correlationKey: "PO-1", createdAt: Date())
                } throws: { error in
                    (error as? StepFailure)?.code == code
                }
            }
            #expect {
                _ = try LandedCostStep.policy(["freight_basis": .string("pallets")])
            } throws: { error in
                (error as? StepFailure)?.code == "invalid_parameter"
            }
        }

        @Test func varianceHistoryLeavesOutTheCountItselfLaterCountsAndRecounts() throws {
            let line = #"[{"sku":"S","location":"L","uom":"EA","system_quantity":"10","counted_quantity":"9","unit_cost":"1.00"}]"#
            func count(_ id: String, _ number: String, _ time: String, type: String = "cycle") -> String {
                #"{"type":"cycle_count.completed","id":"\#(id)","occurred_at":"\#(time)","data":{"count_number":"\#(number)","warehouse":"W","count_type":"\#(type)","counted_by":"u","lines":\#(line)}}"#
            }
            let trigger = count("e3", "C3", "2026-03-01T00:30:00+01:00")  // 2026-02-28 in UTC
            let history = try [
                count("e1", "C1", "2025-12-01T10:00:00Z"), count("e1b", "C1", "2025-12-02T10:00:00Z"),
                count("e2", "C2", "2026-02-10T10:00:00Z", type: "recount"), trigger,
                count("e4", "C4", "2026-03-05T10:00:00Z"),
            ].map(json)
            let parameters: [String: JSONValue] = [
                "review_value": .string("50.00"), "review_pct": .string("20"), "escalation_value": .string("500.00"),
                "escalation_pct": .string("50"), "repeat_occurrences": .string("2"), "repeat_window_days": .string("90"),
                "repeat_classification": .string("review"),
            ]
            let result = try self.result(
                VarianceReviewStep.review(
                    step(.varianceReview),
                    environment: environment(trigger: trigger, documents: ["previous_counts": .array(history)], parameters: parameters),
                    triggerID: "e3", time: Date()))
            #expect(result["previous_counts"] == .array([.string("C1")]))
            #expect(result["assessed_as_of"]?.stringValue == "2026-02-28")
            // C1 (its latest version, 2025-12-02) is 88 days back: inside 90 days, so 2 of 2 → a repeat, classified review.
            #expect(result["classification"]?.stringValue == "review")
            #expect(result["lines"]?.arrayValue?.first?["repeat_offender"] == .bool(true))

            let off = try self.result(
                VarianceReviewStep.review(
                    step(.varianceReview),
                    environment: environment(
                        trigger: trigger, documents: ["previous_counts": .array(history)],
                        parameters: parameters.merging(["repeat_occurrences": .string("0")]) { $1 }),
                    triggerID: "e3", time: Date()))
            #expect(off["classification"]?.stringValue == "within_tolerance")
            #expect {
                _ = try VarianceReviewStep.review(
                    step(.varianceReview),
                    environment: environment(trigger: trigger, documents: [:], parameters: ["review_value": .string("1.005")]),
                    triggerID: "e3", time: Date())
            } throws: { error in
                (error as? StepFailure)?.code == "invalid_parameter"
            }
        }
    }
}
