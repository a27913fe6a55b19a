import API
import ControlPlane
import Foundation
import HTTP
import Testing

@Suite("Event ingest: /v1/events, /hooks, idempotency, dead letters")
struct EventIngestTests {
    @Test func theSharedExamplesAreAcceptedOnTheAPIAndReadBackWithLineage() async throws {
        try await withIngestWorld { world in
            for name in ["purchase_order.created.json", "goods_receipt.posted.json", "invoice.received.json"] {
                let reply = try await world.post(try example(name))
                #expect(reply.status == 201, "\(name): \(reply.text)")
                #expect(reply.json["status"] as? String == "accepted")
            }
            let stored = try await world.get("/v1/events/evt_inv_77-4410")
            #expect(stored.status == 200)
            #expect(stored.json["type"] as? String == "invoice.received")
            let lineage = try #require(stored.json["lineage"] as? [String: Any])
            #expect(lineage["ingress"] as? String == "api")
            #expect((lineage["traceparent"] as? String)?.hasPrefix("00-") == true)
            let event = try #require(stored.json["event"] as? [String: Any])
            #expect((event["data"] as? [String: Any])?["total"] as? String == "249.00")

            // The same three again as one batch: harmless re-sends, nothing new.
            let batch = "{\"events\": [" + (try ["purchase_order.created.json", "goods_receipt.posted.json", "invoice.received.json"].map(example).joined(separator: ",")) + "]}"
            let again = try await world.post(batch)
            #expect(again.status == 200, "\(again.text)")
            #expect(again.json["duplicates"] as? Int == 3)
            #expect(try await world.count("events") == 3)
            #expect(try await world.usage() == 3)

            let listed = try await world.get("/v1/events?type=goods_receipt.posted")
            #expect((listed.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == ["evt_gr_5001"])
            #expect(try await world.get("/v1/events/nope").status == 404)
        }
    }

    @Test func theSharedExamplesAreAcceptedAsSignedWebhooks() async throws {
        try await withIngestWorld { world in
            for name in ["purchase_order.created.json", "goods_receipt.posted.json", "invoice.received.json"] {
                let reply = try await world.hook(try example(name))
                #expect(reply.status == 201, "\(name): \(reply.text)")
            }
            let stored = try await world.get("/v1/events/evt_gr_5001")
            let lineage = try #require(stored.json["lineage"] as? [String: Any])
            #expect(lineage["ingress"] as? String == "webhook")
            #expect(lineage["via"] as? String == "erp")
        }
    }

    @Test func theSignatureMatrixAtTheRoute() async throws {
        try await withIngestWorld { world in
            let body = stockAdjusted(id: "adj-1")
            let wrong = try WebhookSecret.generate()
            #expect(try await world.hook(body, tamper: { $0 = $0.replacingOccurrences(of: "-3", with: "-4") }).errorCode == "invalid_webhook_signature")
            #expect(try await world.hook(body, signedWith: [wrong.key]).errorCode == "invalid_webhook_signature")
            #expect(try await world.hook(body, at: world.clock.now.addingTimeInterval(-360)).errorCode == "webhook_timestamp_out_of_tolerance")
            #expect(try await world.hook(body, at: world.clock.now.addingTimeInterval(360)).errorCode == "webhook_timestamp_out_of_tolerance")
            #expect(try await world.hook(body, source: "wms").status == 401)
            #expect(try await world.count("events") == 0)
            // Several signatures, the second one right.
            let accepted = try await world.hook(body, signedWith: [wrong.key, world.secret.key])
            #expect(accepted.status == 201, "\(accepted.text)")
            // Unsigned requests never reach storage, not even as dead letters.
            #expect(try await world.count("dead_letters") == 0)
        }
    }

    @Test func aRotatedSecretIsAcceptedDuringTheOverlapOnly() async throws {
        try await withIngestWorld { world in
            let newer = try await world.secretStore.create(
                tenant: world.tenant, source: "erp", overlap: .seconds(60), actor: "test")
            #expect(try await world.hook(stockAdjusted(id: "r-1"), signedWith: [newer.key]).status == 201)
            #expect(try await world.hook(stockAdjusted(id: "r-2"), signedWith: [world.secret.key]).status == 201)
            world.clock.advance(seconds: 120)
            let late = try await world.hook(stockAdjusted(id: "r-3"), signedWith: [world.secret.key])
            #expect(late.errorCode == "invalid_webhook_signature")
            #expect(try await world.hook(stockAdjusted(id: "r-4"), signedWith: [newer.key]).status == 201)
        }
    }

    @Test func aRepeatedIdempotencyKeyReturnsTheFirstAnswerAndADifferentBodyIsRefused() async throws {
        try await withIngestWorld { world in
            let first = try await world.post(stockAdjusted(id: "k-1"), idempotencyKey: "key-1")
            let second = try await world.post(stockAdjusted(id: "k-1"), idempotencyKey: "key-1")
            #expect(first.status == 201)
            #expect(second.status == first.status)
            #expect(second.text == first.text)
            let reused = try await world.post(stockAdjusted(id: "k-2"), idempotencyKey: "key-1")
            #expect(reused.status == 409)
            #expect(reused.errorCode == "idempotency_key_reused")
            #expect(try await world.count("events") == 1)

            // The same for webhook-id.
            let hookID = "msg_repeat"
            let a = try await world.hook(stockAdjusted(id: "h-1"), id: hookID)
            let b = try await world.hook(stockAdjusted(id: "h-1"), id: hookID)
            #expect(a.status == 201)
            #expect(b.text == a.text)
            #expect(try await world.hook(stockAdjusted(id: "h-2"), id: hookID).errorCode == "idempotency_key_reused")
            #expect(try await world.count("events") == 2)
            #expect(try await world.usage() == 2)
        }
    }

    @Test func twentyConcurrentIdenticalRequestsStoreOneEvent() async throws {
        try await withIngestWorld { world in
            let body = stockAdjusted(id: "c-1")
            let replies = try await withThrowingTaskGroup(of: IngestReply.self) { group in
                for _ in 0..<20 { group.addTask { try await world.hook(body, id: "msg_concurrent") } }
                var all: [IngestReply] = []
                for try await reply in group { all.append(reply) }
                return all
            }
            #expect(Set(replies.map(\.text)).count == 1)
            #expect(replies.allSatisfy { $0.status == 201 })
            let viaAPI = try await withThrowingTaskGroup(of: IngestReply.self) { group in
                for _ in 0..<20 { group.addTask { try await world.post(stockAdjusted(id: "c-2"), idempotencyKey: "k") } }
                var all: [IngestReply] = []
                for try await reply in group { all.append(reply) }
                return all
            }
            #expect(Set(viaAPI.map(\.text)).count == 1)
            #expect(try await world.count("events") == 2)
            #expect(try await world.count("ingest_requests") == 2)
            #expect(try await world.usage() == 2)
        }
    }

    /// Concurrent group commits race to store one event under different keys:
    /// whichever loses the race aborts its write whole and is planned again,
    /// so every request is answered and the event is stored and counted once.
    @Test func oneEventSentConcurrentlyUnderManyKeysIsStoredOnce() async throws {
        try await withIngestWorld { world in
            let body = stockAdjusted(id: "race-1")
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<40 { group.addTask { try await world.hook(body, id: "msg_race_\(index)").status } }
                var all: [Int] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.filter { $0 == 201 }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == 200 }.count == 39, "\(statuses)")
            #expect(try await world.count("events") == 1)
            #expect(try await world.count("ingest_requests") == 40)
            #expect(try await world.usage() == 1)
        }
    }

    @Test func manyConcurrentDistinctRequestsAreAllStoredAndCounted() async throws {
        try await withIngestWorld { world in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<300 {
                    group.addTask { try await world.hook(stockAdjusted(id: "many-\(index)")).status }
                }
                var all: [Int] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.allSatisfy { $0 == 201 })
            #expect(try await world.count("events") == 300)
            #expect(try await world.usage() == 300)
        }
    }

    @Test func aConflictingEventIDRefusesTheWholeBatch() async throws {
        try await withIngestWorld { world in
            #expect(try await world.post(stockAdjusted(id: "x-1")).status == 201)
            let conflicting = try await world.post(stockAdjusted(id: "x-1", quantity: "-9"))
            #expect(conflicting.status == 409)
            #expect(conflicting.errorCode == "event_id_conflict")
            let batch = "{\"events\": [\(stockAdjusted(id: "x-2")), \(stockAdjusted(id: "x-1", quantity: "-9"))]}"
            let refused = try await world.post(batch)
            #expect(refused.status == 409)
            #expect(try await world.get("/v1/events/x-2").status == 404)
            #expect(try await world.count("events") == 1)
        }
    }

    @Test func invalidEventsAreRefusedWithTheirPathAndKeptAsDeadLetters() async throws {
        try await withIngestWorld { world in
            let invalid = stockAdjusted(id: "bad-1", quantity: "lots")
            let reply = try await world.post(invalid)
            #expect(reply.status == 422)
            #expect(reply.errorCode == "invalid_event")
            #expect(reply.errorField == "$.data.lines[0].quantity")
            let unknown = try await world.post(#"{"type":"no.such","id":"u1","occurred_at":"2026-11-20T10:00:00Z","source":"x","data":{}}"#)
            #expect(unknown.errorCode == "unknown_event_type")
            let batch = try await world.post("{\"events\": [\(stockAdjusted(id: "ok")), \(invalid)]}")
            #expect(batch.errorField == "$.events[1].data.lines[0].quantity")
            #expect(try await world.post("{not json").errorCode == "invalid_json")
            #expect(try await world.count("events") == 0)

            let letters = try await world.get("/v1/dead-letters")
            let data = try #require(letters.json["data"] as? [[String: Any]])
            #expect(data.count == 4)
            #expect(data.first?["reason_code"] as? String == "invalid_event")
            #expect(data.first?["event_id"] as? String == "bad-1")
            let id = try #require(data.first?["id"] as? String)
            let detail = try await world.get("/v1/dead-letters/\(id)")
            #expect(detail.json["payload"] as? String == invalid)

            // Replaying a still-invalid event fails again and leaves the letter open.
            let replay = try await world.send(
                .post, "/v1/dead-letters/\(id)/replay",
                headers: ["Host": "localhost", "Authorization": "Bearer \(world.key)"], body: "")
            #expect(replay.status == 422)
            #expect(try await world.get("/v1/dead-letters/\(id)").json["replay_count"] as? Int == 1)
            #expect(try await world.count("dead_letters", where: "replayed_at IS NULL") == 4)
        }
    }

    @Test func aSuspendedTenantsWebhooksAreRefused() async throws {
        try await withIngestWorld { world in
            _ = try await world.service.suspend(world.tenant, actor: "test")
            let reply = try await world.hook(stockAdjusted(id: "s-1"))
            #expect(reply.status == 403)
            #expect(reply.errorCode == "tenant_suspended")
            let viaAPI = try await world.post(stockAdjusted(id: "s-2"))
            #expect(viaAPI.status == 403)
        }
    }

    @Test func eventRoutesNeedATenantKeyWithTheRightScope() async throws {
        try await withIngestWorld { world in
            let (_, readOnly) = try await CredentialStore(pool: world.pool).issue(
                for: .tenant(world.tenant), scopes: [.eventsRead], actor: "test")
            let reply = try await world.send(
                .post, "/v1/events",
                headers: ["Host": "localhost", "Authorization": "Bearer \(readOnly.reveal())", "Content-Type": "application/json"],
                body: stockAdjusted(id: "scope-1"))
            #expect(reply.status == 403)
            #expect(reply.errorCode == "insufficient_scope")
            let types = try await world.get("/v1/event-types")
            #expect((types.json["data"] as? [[String: Any]])?.count ?? 0 >= 14)
            let one = try await world.get("/v1/event-types/invoice.received")
            #expect(((one.json["versions"] as? [[String: Any]])?.first?["schema"] as? [String: Any]) != nil)
        }
    }

    @Test func anotherTenantsKeySeesNoneOfTheseEventsAndAPartnerKeyIsRefused() async throws {
        try await withIngestWorld { world in
            #expect(try await world.post(stockAdjusted(id: "mine-1")).status == 201)
            let partner = try await world.service.tenant(world.tenant).partnerSlug
            let other = try Slug("io_\(UUID().uuidString.prefix(6).lowercased())")
            _ = try await world.service.createTenant(partner: partner, slug: other, legalName: "Other Co", actor: "test")
            do {
                let store = CredentialStore(pool: world.pool)
                let (_, otherKey) = try await store.issue(for: .tenant(other), scopes: [.admin], actor: "test")
                let (_, partnerKey) = try await store.issue(for: .partner(partner), scopes: [.admin], actor: "test")
                for target in ["/v1/events/mine-1", "/v1/events", "/v1/dead-letters", "/v1/endpoints", "/v1/deliveries"] {
                    let reply = try await world.send(
                        .get, target, headers: ["Host": "localhost", "Authorization": "Bearer \(otherKey.reveal())"], body: "")
                    #expect(target.hasSuffix("mine-1") || !reply.text.contains("mine-1"), "\(target)")
                    let asPartner = try await world.send(
                        .get, target, headers: ["Host": "localhost", "Authorization": "Bearer \(partnerKey.reveal())"], body: "")
                    #expect(asPartner.status == 403 && asPartner.errorCode == "tenant_key_required", "\(target)")
                }
                #expect(try await world.send(
                    .get, "/v1/events/mine-1", headers: ["Host": "localhost", "Authorization": "Bearer \(otherKey.reveal())"],
                    body: "").status == 404)
            } catch {
                try? await dropTenantRole(world.pool, other)
                throw error
            }
            try await dropTenantRole(world.pool, other)
        }
    }
}
