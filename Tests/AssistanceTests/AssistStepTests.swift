import Assistance
import ControlPlane
import Engine
import Events
import Foundation
import Postgres
import TestSupport
import Testing
import Triage

@Suite("The assist step on the shared three-way-match example")
struct AssistStepTests {
    @Test func withoutHistoryTheStepLabelsAndScoresButDoesNotRecommend() async throws {
        try await withAssistWorld { world in
            try await world.postSharedExample(to: world.tenant)
            let (run, result) = try #require(try await world.assistResult(world.tenant))
            #expect(result["labels"]?.arrayValue?.compactMap(\.stringValue) == ["short_shipment"])
            let evidence = try #require(result["findings"]?.arrayValue?.first?["evidence"]?.arrayValue?.first)
            #expect(evidence["line"] == .number("2"))
            #expect(evidence["amount"]?["amount"]?.stringValue == "9.00")
            #expect(result["recommendation"] == .null)
            #expect(result["governance"]?["action"]?.stringValue == "recommend")
            let parts = result["priority"]?["parts"]?.arrayValue?.compactMap { $0["factor"]?.stringValue }
            #expect(parts == ["financial_exposure", "sla_risk", "age", "supplier_history"])
            // The run still goes to the person's approval, as before the assistant existed.
            #expect(try await world.runStatus(world.tenant, run) == ("waiting", "approve"))
            #expect(try await world.count(world.tenant, "SELECT count(*) FROM triage_recommendations") == 0)
        }
    }

    @Test func withHistoryTheRecommendationIsStoredAuditedAndShown() async throws {
        try await withAssistWorld { world in
            try await world.seed(
                world.tenant, try history(world.tenant, prefix: "a", shortShipmentCause: .partialDelivery))
            try await world.postSharedExample(to: world.tenant)
            let (run, result) = try #require(try await world.assistResult(world.tenant))
            let recommendation = try #require(result["recommendation"])
            #expect(recommendation["root_cause"]?.stringValue == "partial_delivery")
            #expect(recommendation["resolution"]?.stringValue == "hold_for_second_receipt")
            #expect(
                recommendation["sentence"]?.stringValue?.contains("hold the invoice until the rest is received") == true
            )
            #expect(recommendation["model"]?["name"]?.stringValue == TenantModel.identity.name)
            #expect(recommendation["answered_by"]?.stringValue == "built_in")
            let similar = recommendation["similar_cases"]?.arrayValue ?? []
            #expect(!similar.isEmpty)
            #expect(similar.allSatisfy { $0["id"]?.stringValue?.hasPrefix("a-short-") == true })
            #expect(result["governance"]?["action"]?.stringValue == "recommend")
            #expect(try await world.runStatus(world.tenant, run) == ("waiting", "approve"))

            let stored = try #require(
                try await world.databases.withConnection(for: world.tenant) {
                    try await RecommendationStore.latest(runID: run, on: $0)
                })
            let record = try JSONParser().parse(stored.record)
            #expect(record["inputs"]?["supplier"]?.stringValue == "SUP-007")
            #expect(record["inputs"]?["amount_band"]?.stringValue == "lt_100")
            #expect(record["model"]?["version"]?.stringValue == TenantModel.identity.version)
            #expect(
                try await world.count(
                    world.tenant,
                    "SELECT count(*) FROM audit_log WHERE actor = 'system:assistant' AND action = 'assistant.recommended'"
                )
                    == 1)
        }
    }

    @Test(arguments: [true, false])
    func aDecisionBecomesAResolvedCaseByTheFeedbackRule(approve: Bool) async throws {
        try await withAssistWorld { world in
            try await world.seed(
                world.tenant, try history(world.tenant, prefix: "a", shortShipmentCause: .partialDelivery))
            try await world.postSharedExample(to: world.tenant)
            let (run, _) = try #require(try await world.assistResult(world.tenant))
            let task = try #require(
                try await Tasks(databases: world.databases).list(
                    tenant: world.tenant, status: "open", role: nil, limit: 10
                ).first)
            let decider = Decider(
                user: "ap.clerk.bo@client.example", roles: ["ap_clerk"], approvalLimitMinor: 1_000_000,
                approvalCurrency: "USD")
            _ = try await Tasks(databases: world.databases).decide(
                tenant: world.tenant, task: task.id, decision: approve ? .approve : .reject,
                comment: approve ? nil : "the rest was never shipped", decider: decider, requestID: nil)

            let cases = try await world.databases.withConnection(for: world.tenant) { connection in
                try await connection.query(
                    "SELECT root_cause, overrode_recommendation, decided_by FROM triage_cases WHERE run_id = \(run)")
            }
            #expect(cases.count == 1)
            let row = try #require(cases.first)
            // Agreement keeps the recommended root cause; a rejection learns the runner-up, counted as an override.
            #expect(
                try row.decode("root_cause", as: String.self)
                    == (approve ? "partial_delivery" : "supplier_price_increase"))
            #expect(try row.decode("overrode_recommendation", as: Bool.self) == !approve)
            #expect(try row.decode("decided_by", as: String.self) == "ap.clerk.bo@client.example")

            // The next model build learns it: one case more than the seeded history.
            let knowledge = try #require(
                try await world.databases.withConnection(for: world.tenant) {
                    try await ModelCache.shared.knowledge(for: world.tenant, on: $0)
                })
            #expect(knowledge.model.caseCount == 81)
        }
    }
}
