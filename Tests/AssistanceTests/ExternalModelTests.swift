import Assistance
import ControlPlane
import Cryptography
import Events
import Foundation
import HTTP
import Postgres
import Synchronization
import TestSupport
import Testing
import Triage
import Webhooks

/// Serialized: ``ExternalModelAccess`` is process-wide, so these tests enable it one at a time.
@Suite("An external model is asked first and replaced by the built-in model when it fails", .serialized)
struct ExternalModelTests {
    /// Configures `tenant`'s external model at `url`, returning its signing key.
    private func configure(_ world: AssistWorld, url: String, timeoutMilliseconds: Int = 300) async throws
        -> SymmetricKey
    {
        let tenant = world.tenant
        let secret = try await world.databases.withTransaction(for: tenant) { tx in
            try await SettingsStore.setExternal(
                url: url, timeout: .milliseconds(timeoutMilliseconds), tenant: tenant, keyRing: sharedKeyRing,
                actor: "test", on: tx)
        }
        var client = HTTPClient.Configuration()
        client.allowPrivateNetworks = true
        ExternalModelAccess.shared.enable(keyRing: sharedKeyRing, client: HTTPClient(configuration: client))
        return secret.key
    }

    @Test func aSignedValidAnswerFromTheExternalModelIsUsed() async throws {
        let received = Mutex<(headers: [String: String], body: [UInt8])?>(nil)
        let answer = ExternalModelResponse(
            rootCause: try RootCause("carrier_short_loaded"), resolution: .requestCreditMemo, confidence: 0.77,
            reasons: ["the carrier's manifest shows 18 boxes"],
            model: ModelIdentity(name: "partner-llm", version: "2026-02"))
        let responder = ClosureResponder { request in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.lowercased()] = field.value }
            received.withLock { $0 = (headers, request.body) }
            return HTTPResponse(status: .ok, contentType: "application/json", body: answer.json.serialized())
        }
        try await withTestServer(responder: responder) { port in
            try await withAssistWorld { world in
                try await world.seed(
                    world.tenant, try history(world.tenant, prefix: "a", shortShipmentCause: .partialDelivery))
                let key = try await configure(world, url: "http://127.0.0.1:\(port)/recommend")
                defer { ExternalModelAccess.shared.disable() }
                try await world.postSharedExample(to: world.tenant)
                let recommendation = try #require(try await world.assistResult(world.tenant)?.result["recommendation"])
                #expect(recommendation["answered_by"]?.stringValue == "external")
                #expect(recommendation["root_cause"]?.stringValue == "carrier_short_loaded")
                #expect(recommendation["model"]?["name"]?.stringValue == "partner-llm")

                let request = try #require(received.withLock { $0 })
                let verified = try StandardWebhooks.verify(
                    headers: { request.headers[$0] }, body: request.body, keys: [key], now: Date())
                #expect(!verified.id.isEmpty)
                let sent = try ExternalModelRequest.decode(Data(request.body))
                #expect(sent.tenant.slug == world.tenant.value)
                #expect(sent.features.labels == [.shortShipment])
                #expect(sent.features.supplier == "SUP-007")
            }
        }
    }

    @Test func aHungEndpointTimesOutAndTheBuiltInModelAnswers() async throws {
        let release = AsyncStream<Void>.makeStream()
        let responder = ClosureResponder { _ in
            // Answers only when the test is done: as far as the assistant can tell, the endpoint hangs.
            for await _ in release.stream { break }
            return HTTPResponse(status: .ok, contentType: "application/json", body: "{}")
        }
        try await withTestServer(responder: responder) { port in
            defer { release.continuation.finish() }
            try await withAssistWorld { world in
                try await world.seed(
                    world.tenant, try history(world.tenant, prefix: "a", shortShipmentCause: .partialDelivery))
                _ = try await configure(world, url: "http://127.0.0.1:\(port)/recommend", timeoutMilliseconds: 100)
                defer { ExternalModelAccess.shared.disable() }
                try await world.postSharedExample(to: world.tenant)
                let recommendation = try #require(try await world.assistResult(world.tenant)?.result["recommendation"])
                #expect(recommendation["answered_by"]?.stringValue == "built_in")
                #expect(recommendation["fallback_reason"]?.stringValue == "timeout")
                #expect(recommendation["root_cause"]?.stringValue == "partial_delivery")
            }
        }
    }

    @Test func aDownEndpointFallsBackWithTheErrorRecorded() async throws {
        // A port that was listening a moment ago and is closed now: connections are refused.
        let port = try await withTestServer(responder: constantResponder()) { port in port }
        try await withAssistWorld { world in
            try await world.seed(
                world.tenant, try history(world.tenant, prefix: "a", shortShipmentCause: .partialDelivery))
            _ = try await configure(world, url: "http://127.0.0.1:\(port)/recommend", timeoutMilliseconds: 5_000)
            defer { ExternalModelAccess.shared.disable() }
            try await world.postSharedExample(to: world.tenant)
            let (run, result) = try #require(try await world.assistResult(world.tenant))
            let recommendation = try #require(result["recommendation"])
            #expect(recommendation["answered_by"]?.stringValue == "built_in")
            #expect(recommendation["fallback_reason"]?.stringValue?.hasPrefix("external_error:") == true)
            #expect(recommendation["root_cause"]?.stringValue == "partial_delivery")
            let stored = try #require(
                try await world.databases.withConnection(for: world.tenant) {
                    try await RecommendationStore.latest(runID: run, on: $0)
                })
            #expect(
                try JSONParser().parse(stored.record)["fallback_reason"]?.stringValue?.hasPrefix("external_error:")
                    == true)
        }
    }

    @Test func anInvalidAnswerFallsBack() async throws {
        let responder = ClosureResponder { _ in
            HTTPResponse(status: .ok, contentType: "application/json", body: #"{"root_cause": "x", "confidence": 7}"#)
        }
        try await withTestServer(responder: responder) { port in
            try await withAssistWorld { world in
                try await world.seed(
                    world.tenant, try history(world.tenant, prefix: "a", shortShipmentCause: .partialDelivery))
                _ = try await configure(world, url: "http://127.0.0.1:\(port)/recommend", timeoutMilliseconds: 5_000)
                defer { ExternalModelAccess.shared.disable() }
                try await world.postSharedExample(to: world.tenant)
                let recommendation = try #require(try await world.assistResult(world.tenant)?.result["recommendation"])
                #expect(recommendation["answered_by"]?.stringValue == "built_in")
                #expect(recommendation["fallback_reason"]?.stringValue?.hasPrefix("invalid_answer:") == true)
            }
        }
    }
}
