import Assistance
import ControlPlane
import Foundation
import Postgres
import Testing
import Triage

@Suite("Each tenant's assistant learns from its own cases only")
struct TenantIsolationTests {
    @Test func theSameExceptionGetsEachTenantsOwnAnswer() async throws {
        try await withAssistWorld(tenantCount: 2) { world in
            let (a, b) = (world.tenants[0], world.tenants[1])
            try await world.seed(a, try history(a, prefix: "a", shortShipmentCause: .partialDelivery))
            try await world.seed(b, try history(b, prefix: "b", shortShipmentCause: .receivingNotPosted))
            try await world.postSharedExample(to: a)
            try await world.postSharedExample(to: b)

            let resultA = try #require(try await world.assistResult(a)).result["recommendation"]
            let resultB = try #require(try await world.assistResult(b)).result["recommendation"]
            #expect(resultA?["root_cause"]?.stringValue == "partial_delivery")
            #expect(resultB?["root_cause"]?.stringValue == "receiving_not_posted")
            let similarA = (resultA?["similar_cases"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            let similarB = (resultB?["similar_cases"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
            #expect(!similarA.isEmpty && similarA.allSatisfy { $0.hasPrefix("a-") })
            #expect(!similarB.isEmpty && similarB.allSatisfy { $0.hasPrefix("b-") })
            let reasonsA = (resultA?["reasons"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " ")
            #expect(reasonsA.contains("\(a)'s 80 resolved cases"))
        }
    }

    @Test func aModelRefusesAnotherTenantsCase() async throws {
        try await withAssistWorld(tenantCount: 2) { world in
            let (a, b) = (world.tenants[0], world.tenants[1])
            try await world.seed(a, try history(a, prefix: "a", shortShipmentCause: .partialDelivery))
            var knowledge = try #require(
                try await world.databases.withConnection(for: a) {
                    try await ModelCache.shared.knowledge(for: a, on: $0)
                })
            let foreign = try history(b, prefix: "b", shortShipmentCause: .receivingNotPosted, count: 1)[0]
            #expect(throws: TriageError.self) { try knowledge.learn(foreign) }
            #expect(knowledge.model.caseCount == 80)
        }
    }
}
