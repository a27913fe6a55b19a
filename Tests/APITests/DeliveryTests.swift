import API
import ControlPlane
import Cryptography
import Delivery
import Foundation
import HTTP
import Postgres
import Synchronization
import Telemetry
import TestSupport
import Testing
import Webhooks

/// A webhook receiver that records what it gets and answers with the
/// statuses it is told to (200 once the script runs out).
final class Receiver: Sendable {
    struct Received: Sendable {
        let id: String
        let timestamp: String
        let signature: String
        let body: [UInt8]
        var traceparent: String? = nil
        var eventID: String? {
            (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["id"] as? String
        }
    }

    private let state = Mutex<(script: [Int], received: [Received])>(([], []))

    func fail(_ times: Int, with status: Int = 500) { state.withLock { $0.script += Array(repeating: status, count: times) } }
    var received: [Received] { state.withLock { $0.received } }

    var responder: ClosureResponder {
        ClosureResponder { request in
            let status = self.state.withLock { state in
                state.received.append(
                    Received(
                        id: request.headers["webhook-id"] ?? "", timestamp: request.headers["webhook-timestamp"] ?? "",
                        signature: request.headers["webhook-signature"] ?? "", body: request.body,
                        traceparent: request.headers["traceparent"]))
                return state.script.isEmpty ? 200 : state.script.removeFirst()
            }
            return HTTPResponse(status: HTTPStatus(code: status), contentType: "text/plain", body: "status \(status)")
        }
    }
}

private func withDelivery(
    configure: (inout DeliveryWorker.Configuration) -> Void = { _ in }, logger: Logger = .disabled,
    _ body: (IngestWorld, Receiver, DeliveryWorker, String) async throws -> Void
) async throws {
    try await withIngestWorld { world in
        let receiver = Receiver()
        try await withTestServer(responder: receiver.responder) { port in
            var configuration = DeliveryWorker.Configuration()
            configure(&configuration)
            var client = HTTPClient.Configuration()
            client.allowPrivateNetworks = true
            let worker = DeliveryWorker(
                databases: world.databases, keyRing: world.keyRing, client: HTTPClient(configuration: client),
                configuration: configuration, now: { world.clock.now }, jitter: { 0.5 }, logger: logger)
            let created = try await world.send(
                .post, "/v1/endpoints",
                headers: ["Host": "localhost", "Authorization": "Bearer \(world.key)", "Content-Type": "application/json"],
                body: #"{"url": "http://127.0.0.1:\#(port)/hooks", "event_types": ["stock.adjusted"], "description": "ERP"}"#)
            #expect(created.status == 201, "\(created.text)")
            let secret = try #require(created.json["secret"] as? String)
            try await body(world, receiver, worker, secret)
        }
    }
}

private func verify(_ received: Receiver.Received, secret: String, at now: Date) throws {
    let key = try WebhookSecret(parsing: secret).key
    _ = try StandardWebhooks.verify(
        headers: ["webhook-id": received.id, "webhook-timestamp": received.timestamp, "webhook-signature": received.signature],
        body: received.body, keys: [key], now: now)
}

@Suite("Outbound delivery: signed, ordered, retried, dead-lettered, replayable")
struct DeliveryTests {
    @Test func aReceiverThatFailsThenRecoversGetsEveryMessageInOrderWithTheSameWebhookID() async throws {
        try await withDelivery { world, receiver, worker, secret in
            receiver.fail(3)
            for index in 1...3 { #expect(try await world.post(stockAdjusted(id: "o-\(index)")).status == 201) }
            // A type the endpoint does not subscribe to is not queued.
            #expect(try await world.post(try example("goods_receipt.posted.json")).status == 201)

            var pass = try await worker.deliverDue(tenant: world.tenant)
            #expect(pass.delivered == 0 && pass.failed == 1)
            // Not due yet: nothing happens until the clock reaches the retry.
            #expect(try await worker.deliverDue(tenant: world.tenant).attempts == 0)
            world.clock.advance(seconds: 6)
            #expect(try await worker.deliverDue(tenant: world.tenant).failed == 1)
            world.clock.advance(seconds: 301)
            #expect(try await worker.deliverDue(tenant: world.tenant).failed == 1)
            world.clock.advance(seconds: 1_801)
            pass = try await worker.deliverDue(tenant: world.tenant)
            #expect(pass.delivered == 3)

            let received = receiver.received
            #expect(received.map(\.eventID) == ["o-1", "o-1", "o-1", "o-1", "o-2", "o-3"])
            #expect(Set(received.prefix(4).map(\.id)).count == 1)
            #expect(Set(received.map(\.id)).count == 3)
            for message in received { try verify(message, secret: secret, at: Date(timeIntervalSince1970: Double(message.timestamp) ?? 0)) }

            let list = try await world.get("/v1/deliveries?state=delivered")
            let data = try #require(list.json["data"] as? [[String: Any]])
            #expect(data.count == 3)
            let first = try #require(data.first?["id"] as? String)
            let detail = try await world.get("/v1/deliveries/\(first)")
            let attempts = try #require(detail.json["attempts"] as? [[String: Any]])
            #expect(attempts.map { $0["status_code"] as? Int } == [500, 500, 500, 200])
            #expect(attempts.last?["response_excerpt"] as? String == "status 200")
        }
    }

    @Test func theEventsTraceContextTravelsWithItsWebhook() async throws {
        let logs = InMemoryLogHandler()
        try await withDelivery(logger: Logger(label: "delivery", handler: logs)) { world, receiver, worker, _ in
            let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            let event = String(stockAdjusted(id: "traced").dropLast()) + #","traceparent":"\#(traceparent)"}"#
            let stored = try await world.post(event)
            #expect(stored.status == 201)
            #expect(try await world.post(stockAdjusted(id: "untraced")).status == 201)
            #expect(try await worker.deliverDue(tenant: world.tenant).delivered == 2)
            let received = receiver.received
            #expect(received.first { $0.eventID == "traced" }?.traceparent == traceparent)
            // Without one in the event, the ingest request's own trace (begun by the server) is passed on.
            let begun = try #require(received.first { $0.eventID == "untraced" }?.traceparent)
            #expect(begun.hasPrefix("00-") && begun.count == 55 && begun != traceparent)
            // Each delivery's log line names the span its receiver sees as parent.
            let lines = logs.records.filter { $0.message == "delivered" }
            let logged = Set(lines.map { "00-\($0.metadata["trace_id"] ?? "")-\($0.metadata["span_id"] ?? "")-01" })
            #expect(logged == [traceparent, begun], "\(lines.map(\.metadata))")
        }
    }

    @Test func theCircuitBreakerOpensOnRepeatedFailureAndClosesOnSuccess() async throws {
        try await withDelivery(configure: {
            $0.breaker.failureThreshold = 2
            $0.breaker.coolDown = .seconds(600)
        }) { world, receiver, worker, _ in
            receiver.fail(2)
            #expect(try await world.post(stockAdjusted(id: "b-1")).status == 201)
            _ = try await worker.deliverDue(tenant: world.tenant)
            world.clock.advance(seconds: 6)
            _ = try await worker.deliverDue(tenant: world.tenant)
            let endpoints = try await world.get("/v1/endpoints")
            let circuit = try #require((endpoints.json["data"] as? [[String: Any]])?.first?["circuit"] as? [String: Any])
            #expect(circuit["state"] as? String == "open")
            // The retry is due after 5 minutes, but the breaker holds it for its 10-minute cool-down.
            world.clock.advance(seconds: 301)
            #expect(try await worker.deliverDue(tenant: world.tenant).attempts == 0)
            world.clock.advance(seconds: 300)
            #expect(try await worker.deliverDue(tenant: world.tenant).delivered == 1)
            let after = try await world.get("/v1/endpoints")
            let closed = try #require((after.json["data"] as? [[String: Any]])?.first?["circuit"] as? [String: Any])
            #expect(closed["state"] as? String == "closed")
            #expect(closed["consecutive_failures"] as? Int == 0)
        }
    }

    @Test func theLastFailedTryDeadLettersTheMessageAndAReplayDeliversItWithTheSameID() async throws {
        try await withDelivery(configure: { $0.retry = RetrySchedule(delays: [.zero, .seconds(1)], jitterFraction: 0) }) {
            world, receiver, worker, _ in
            receiver.fail(2, with: 503)
            #expect(try await world.post(stockAdjusted(id: "d-1")).status == 201)
            _ = try await worker.deliverDue(tenant: world.tenant)
            world.clock.advance(seconds: 2)
            let pass = try await worker.deliverDue(tenant: world.tenant)
            #expect(pass.deadLettered == 1)
            let letters = try await world.get("/v1/dead-letters?kind=delivery")
            let letter = try #require((letters.json["data"] as? [[String: Any]])?.first)
            #expect(letter["reason_code"] as? String == "delivery_exhausted")
            let id = try #require(letter["id"] as? String)

            let replay = try await world.send(
                .post, "/v1/dead-letters/\(id)/replay", headers: ["Host": "localhost", "Authorization": "Bearer \(world.key)"],
                body: "")
            #expect(replay.status == 202, "\(replay.text)")
            #expect(try await worker.deliverDue(tenant: world.tenant).delivered == 1)
            #expect(Set(receiver.received.map(\.id)).count == 1)
            #expect(receiver.received.count == 3)
            let open = try await world.get("/v1/dead-letters?kind=delivery")
            #expect((open.json["data"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func anEndpointFailingForTooLongIsDisabledWithAnAuditEntry() async throws {
        try await withDelivery(configure: {
            $0.breaker.failureThreshold = 100
            $0.breaker.disableAfter = .seconds(60)
        }) { world, receiver, worker, _ in
            receiver.fail(10)
            #expect(try await world.post(stockAdjusted(id: "x-1")).status == 201)
            _ = try await worker.deliverDue(tenant: world.tenant)
            world.clock.advance(seconds: 6)
            _ = try await worker.deliverDue(tenant: world.tenant)
            world.clock.advance(seconds: 301)
            let pass = try await worker.deliverDue(tenant: world.tenant)
            #expect(pass.endpointsDisabled == 1)
            let endpoint = try #require((try await world.get("/v1/endpoints").json["data"] as? [[String: Any]])?.first)
            #expect(endpoint["enabled"] as? Bool == false)
            #expect(try await world.count("audit_log", where: "action = 'endpoint.disabled'") == 1)
            // Disabled endpoints are not delivered to, and get no new messages.
            world.clock.advance(seconds: 3_600)
            #expect(try await worker.deliverDue(tenant: world.tenant).attempts == 0)
            #expect(try await world.post(stockAdjusted(id: "x-2")).status == 201)
            #expect(try await world.count("outbox") == 1)
        }
    }

    @Test func endpointsAreManagedThroughTheAPIAndRotationSignsWithBothSecrets() async throws {
        try await withDelivery { world, receiver, worker, secret in
            let headers: HTTPHeaders = ["Host": "localhost", "Authorization": "Bearer \(world.key)", "Content-Type": "application/json"]
            let list = try await world.get("/v1/endpoints")
            let id = try #require((list.json["data"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(list.text.contains("whsec_") == false)

            let bad = try await world.send(.patch, "/v1/endpoints/\(id)", headers: headers, body: #"{"event_types": ["no.such"]}"#)
            #expect(bad.status == 422)
            #expect(bad.errorField == "event_types")
            let ftp = try await world.send(.patch, "/v1/endpoints/\(id)", headers: headers, body: #"{"url": "ftp://x.example/"}"#)
            #expect(ftp.errorField == "url")

            let rotated = try await world.send(.post, "/v1/endpoints/\(id)/rotate-secret", headers: headers, body: #"{"overlap_seconds": 3600}"#)
            let newer = try #require(rotated.json["secret"] as? String)
            #expect(try await world.post(stockAdjusted(id: "rot-1")).status == 201)
            #expect(try await worker.deliverDue(tenant: world.tenant).delivered == 1)
            let message = try #require(receiver.received.last)
            let at = Date(timeIntervalSince1970: Double(message.timestamp) ?? 0)
            try verify(message, secret: secret, at: at)
            try verify(message, secret: newer, at: at)

            let replay = try await world.send(
                .post, "/v1/endpoints/\(id)/replay", headers: headers,
                body: #"{"from": "2000-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z", "only_failed": false}"#)
            #expect(replay.json["requeued"] as? Int == 1)
            #expect(try await worker.deliverDue(tenant: world.tenant).delivered == 1)
            #expect(receiver.received.count == 2)
            #expect(receiver.received[0].id == receiver.received[1].id)

            let deleted = try await world.send(.delete, "/v1/endpoints/\(id)", headers: headers, body: "")
            #expect(deleted.status == 204)
            #expect(try await world.get("/v1/endpoints/\(id)").status == 404)
            // Created, rotated, deleted: the refused changes left no trace.
            #expect(try await world.count("audit_log", where: "action LIKE 'endpoint.%'") == 3)
        }
    }
}
