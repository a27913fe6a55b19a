import Assistance
import ControlPlane
import Engine
import Finance
import Foundation
import Postgres
import Testing
import Triage

@Suite("Governance: the assistant acts alone only below both thresholds, and a person can reverse it")
struct GovernanceTests {
    @Test func belowBothThresholdsItResolvesAndAPersonCanRevert() async throws {
        try await withAssistWorld(template: try autoResolvingTemplate()) { world in
            let tenant = world.tenant
            try await world.seed(tenant, try history(tenant, prefix: "a", shortShipmentCause: .partialDelivery))
            try await world.postSharedExample(to: tenant)
            let (run, result) = try #require(try await world.assistResult(tenant))
            #expect(result["governance"]?["action"]?.stringValue == "auto_resolve")
            #expect(result["governance"]?["actor"]?.stringValue == "system:assistant")
            #expect(try await world.runStatus(tenant, run) == ("completed", nil))
            #expect(try await world.count(tenant, "SELECT count(*) FROM tasks") == 0)
            #expect(
                try await world.count(
                    tenant,
                    "SELECT count(*) FROM audit_log WHERE actor = 'system:assistant' AND action = 'assistant.auto_resolved'"
                )
                    == 1)

            let actionID = try #require(result["governance"]?["action_id"]?.stringValue.flatMap(UUID.init(uuidString:)))
            let reverted = try await AssistantActions.revert(
                actionID, tenant: tenant, actor: "user:ap.manager.max@client.example",
                reason: "supplier disputes the shortage",
                databases: world.databases, notifyChannel: WorkflowEngine.channel)
            #expect(reverted.status == "reverted")
            _ = try await world.engine.process(tenant: tenant)
            // Back to the person: the approval task the assistant had skipped is open now.
            #expect(try await world.runStatus(tenant, run) == ("waiting", "approve"))
            #expect(try await world.count(tenant, "SELECT count(*) FROM tasks WHERE status = 'open'") == 1)
            #expect(
                try await world.count(tenant, "SELECT count(*) FROM triage_cases WHERE overrode_recommendation") == 1)
            await #expect(throws: AssistanceError.self) {
                try await AssistantActions.revert(
                    actionID, tenant: tenant, actor: "user:someone", reason: "again", databases: world.databases,
                    notifyChannel: WorkflowEngine.channel)
            }
        }
    }

    @Test func atOrAboveMaterialityItNeverResolvesEvenWhenTheTemplateAllows() async throws {
        try await withAssistWorld(template: try autoResolvingTemplate()) { world in
            let tenant = world.tenant
            try await world.seed(tenant, try history(tenant, prefix: "a", shortShipmentCause: .partialDelivery))
            // The variance is USD 9.00: a materiality of 9.00 makes it material.
            try await world.databases.withTransaction(for: tenant) { tx in
                try await SettingsStore.setMateriality(
                    try Money.parse("9.00", currency: try Currency("USD")), tenant: tenant, actor: "test", on: tx)
            }
            try await world.postSharedExample(to: tenant)
            let (run, result) = try #require(try await world.assistResult(tenant))
            #expect(result["recommendation"]?["root_cause"]?.stringValue == "partial_delivery")
            #expect(result["governance"]?["action"]?.stringValue == "recommend")
            #expect(result["governance"]?["material"] == .bool(true))
            let reasons = (result["governance"]?["reasons"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(reasons.contains { $0.contains("materiality threshold") })
            #expect(try await world.runStatus(tenant, run) == ("waiting", "approve"))
            #expect(try await world.count(tenant, "SELECT count(*) FROM triage_actions") == 0)
        }
    }

    @Test func theStepsOwnBoundAlsoHolds() async throws {
        try await withAssistWorld(template: try autoResolvingTemplate(below: "5.00")) { world in
            let tenant = world.tenant
            try await world.seed(tenant, try history(tenant, prefix: "a", shortShipmentCause: .partialDelivery))
            try await world.postSharedExample(to: tenant)
            let (run, result) = try #require(try await world.assistResult(tenant))
            #expect(result["governance"]?["action"]?.stringValue == "recommend")
            #expect(result["governance"]?["material"] == .bool(false))
            #expect(try await world.runStatus(tenant, run) == ("waiting", "approve"))
        }
    }

    @Test func templatesWithAMalformedAssistStepAreRefused() throws {
        let text = try String(
            contentsOf: repositoryRoot.appendingPathComponent("Templates/three-way-match.json"), encoding: .utf8)
        let broken = text.replacingOccurrences(
            of: #""match": "match", "sla_hours""#,
            with:
                #""match": "match", "auto_resolve": {"below": "lots", "labels": ["bogus"], "next": "nowhere"}, "sla_hours""#
        )
        #expect(broken != text)
        do {
            _ = try WorkflowTemplate.parse(Data(broken.utf8))
            Issue.record("the template parsed")
        } catch {
            let messages = error.problems.map(\.description).joined(separator: "\n")
            #expect(messages.contains("auto_resolve.below"))
            #expect(messages.contains("minimum_confidence"))
            #expect(messages.contains("bogus"))
            #expect(messages.contains("no step has the id \"nowhere\""))
        }
    }
}
