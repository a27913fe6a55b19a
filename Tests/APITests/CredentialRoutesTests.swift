import API
import ControlPlane
import Cryptography
import Foundation
import HTTP
import Postgres
import SchemaMigration
import Synchronization
import TestSupport
import Testing

private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A clock the test moves by hand, so rotation overlaps end without sleeping.
private final class TestClock: Sendable {
    private let current = Mutex(Date())
    var now: Date { current.withLock { $0 } }
    func advance(seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Real API keys through ``CredentialAuthenticator``, plus one fixed token for
/// the provider (the credential store issues keys to partners and tenants only).
private struct KeysAndProvider: Authenticator {
    let keys: CredentialAuthenticator
    func authenticate(bearerToken: String, remoteAddress: String) async throws -> Principal {
        if bearerToken == "provider-token" {
            return Principal(organization: .provider, scopes: ["admin"], actor: "test:provider")
        }
        return try await keys.authenticate(bearerToken: bearerToken, remoteAddress: remoteAddress)
    }
}

private struct World {
    let application: Application
    let store: CredentialStore
    let pool: PostgresPool
    let clock: TestClock
    let a: (partner: Slug, tenant: Slug)
    let b: (partner: Slug, tenant: Slug)
}

private func suffix() -> String {
    String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(6))
}

/// Two partners with one tenant each, behind an application that authenticates real keys.
private func withWorld(_ body: (World) async throws -> Void) async throws {
    try await withTestPool(configuration: .init(maximumConnections: 4, checkoutTimeout: .seconds(30))) { pool in
        let migrator = try Migrator(pool: pool, migrationsDirectory: repository.appendingPathComponent("Migrations"))
        try await migrator.migrate()
        let keyRing = try KeyRing(currentKey: SymmetricKey(data: try SecureRandom.bytes(count: 32)), id: "test")
        let service = TenantService(pool: pool, migrator: migrator, keyRing: keyRing)
        let s = suffix()
        let a = (partner: try Slug("ca_\(s)"), tenant: try Slug("cta_\(s)"))
        let b = (partner: try Slug("cb_\(s)"), tenant: try Slug("ctb_\(s)"))
        do {
            for (partner, tenant) in [a, b] {
                _ = try await service.createPartner(
                    slug: partner, kind: .msp, displayName: "\(partner)", supportEmail: "x@\(partner).example",
                    actor: "test")
                _ = try await service.createTenant(
                    partner: partner, slug: tenant, legalName: "\(tenant) Ltd", actor: "test")
            }
            let store = CredentialStore(pool: pool)
            let clock = TestClock()
            var limits = CredentialAuthenticator.Configuration()
            limits.burst = 10_000
            let authenticator = KeysAndProvider(
                keys: try CredentialAuthenticator(store: store, configuration: limits, now: { clock.now }))
            let application = try Application(
                .init(
                    logger: .disabled, health: .init(database: { nil }, migrations: { nil }),
                    staticRoot: repository.appendingPathComponent("Portal/static"),
                    controlPlane: .init(service: service, authenticator: authenticator, credentials: store)))
            try await body(World(application: application, store: store, pool: pool, clock: clock, a: a, b: b))
        } catch {
            try? await dropRoles(pool, [a.tenant, b.tenant])
            throw error
        }
        try await dropRoles(pool, [a.tenant, b.tenant])
    }
}

private func dropRoles(_ pool: PostgresPool, _ tenants: [Slug]) async throws {
    for tenant in tenants {
        let role = try SQLIdentifier(tenant.tenantSchemaName)
        try await pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(role.name)")
        try await pool.query("DROP SCHEMA IF EXISTS \(identifier: role) CASCADE")
        try await pool.query("DROP OWNED BY \(identifier: role)")
        try await pool.query("DROP ROLE IF EXISTS \(identifier: role)")
    }
}

private struct Reply {
    let status: Int
    let text: String
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:] }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var errorField: String? { (json["error"] as? [String: Any])?["field"] as? String }
    var data: [[String: Any]] { json["data"] as? [[String: Any]] ?? [] }
}

private func call(
    _ application: Application, _ method: HTTPMethod, _ target: String, token: String?, json: String? = nil
) async throws -> Reply {
    var headers: HTTPHeaders = ["Host": "localhost"]
    if let token { headers.add("Authorization", "Bearer \(token)") }
    if json != nil { headers.add("Content-Type", "application/json") }
    let parts = target.split(separator: "?", maxSplits: 1)
    let path = String(parts[0])
    let query: [(name: String, value: String)] =
        parts.count > 1
        ? parts[1].split(separator: "&").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1)
            return (String(kv[0]), kv.count > 1 ? String(kv[1]).removingPercentEncoding ?? "" : "")
        } : []
    let response = try await application.responder.respond(
        to: HTTPRequest(
            method: method, target: target, path: path, query: query, headers: headers,
            body: Array((json ?? "").utf8), remoteAddress: "10.9.8.7"))
    return Reply(status: response.status.code, text: String(decoding: response.body, as: UTF8.self))
}

@Suite("/v1 credentials, webhook secrets and audit")
struct CredentialRoutesTests {
    @Test func createUseListAndRevokeAKey() async throws {
        try await withWorld { world in
            let app = world.application
            let (_, admin) = try await world.store.issue(
                for: .partner(world.a.partner), scopes: [.credentialsWrite, .tenantsRead], actor: "test")
            let base = "/v1/tenants/\(world.a.tenant)/credentials"

            let created = try await call(
                app, .post, base, token: admin.reveal(),
                json: #"{"scopes": ["tenants:read"], "ip_allow": ["10.0.0.0/8"], "name": "ci"}"#)
            #expect(created.status == 201)
            let key = try #require(created.json["key"] as? String)
            let prefix = try #require(created.json["prefix"] as? String)
            #expect(key.hasPrefix(prefix + "_"))
            #expect(created.json["scopes"] as? [String] == ["tenants:read"])
            #expect(created.json["ip_allow"] as? [String] == ["10.0.0.0/8"])

            // The new key works, as the tenant.
            let read = try await call(app, .get, "/v1/tenants/\(world.a.tenant)", token: key)
            #expect(read.status == 200)
            // ...within its scopes only.
            #expect(try await call(app, .get, base, token: key).status == 403)

            let listed = try await call(app, .get, base, token: admin.reveal())
            #expect(listed.status == 200)
            #expect(listed.data.map { $0["prefix"] as? String } == [prefix])
            #expect(listed.data.first?["key"] == nil)
            #expect(!listed.text.contains(key))

            let revoked = try await call(app, .post, "\(base)/\(prefix)/revoke", token: admin.reveal())
            #expect(revoked.status == 200)
            #expect(revoked.json["revoked_at"] is String)
            let refused = try await call(app, .get, "/v1/tenants/\(world.a.tenant)", token: key)
            #expect(refused.status == 401)
            #expect(refused.errorCode == "api_key_revoked")
            let twice = try await call(app, .post, "\(base)/\(prefix)/revoke", token: admin.reveal())
            #expect(twice.status == 404)
            #expect(twice.errorCode == "credential_not_found")
        }
    }

    @Test func creationValidatesItsFieldsAndNeverGrantsMoreThanTheCaller() async throws {
        try await withWorld { world in
            let app = world.application
            let (_, writer) = try await world.store.issue(
                for: .partner(world.a.partner), scopes: [.credentialsWrite, .tenantsRead], actor: "test")
            let base = "/v1/tenants/\(world.a.tenant)/credentials"
            let cases: [(body: String, status: Int, field: String?)] = [
                (#"{"ip_allow": []}"#, 422, "scopes"),
                (#"{"scopes": ["nope"]}"#, 422, "scopes"),
                (#"{"scopes": []}"#, 422, "scopes"),
                (#"{"scopes": ["tenants:read"], "ip_allow": ["10.0.0.1/8"]}"#, 422, "ip_allow"),
                (#"{"scopes": ["tenants:read"], "expires_at": "tomorrow"}"#, 422, "expires_at"),
                (#"{"scopes": ["tenants:read"], "expires_at": "2001-01-01T00:00:00Z"}"#, 422, "expires_at"),
                (#"{"scopes": ["tenants:read"], "name": 7}"#, 422, "name"),
                (#"{"scopes": ["admin"]}"#, 403, "scope"),
                (#"{"scopes": ["events:write"]}"#, 403, "scope"),
            ]
            for example in cases {
                let reply = try await call(app, .post, base, token: writer.reveal(), json: example.body)
                #expect(reply.status == example.status, "\(example.body): \(reply.text)")
                #expect(reply.errorField == example.field, "\(example.body): \(reply.text)")
            }
            // Without credentials:write: 403; on another partner's tenant: 404.
            let (_, reader) = try await world.store.issue(
                for: .partner(world.a.partner), scopes: [.tenantsRead], actor: "test")
            #expect(
                try await call(app, .post, base, token: reader.reveal(), json: #"{"scopes": ["tenants:read"]}"#).status
                    == 403)
            #expect(try await call(app, .get, base, token: reader.reveal()).status == 403)
            let foreign = try await call(
                app, .post, "/v1/tenants/\(world.b.tenant)/credentials", token: writer.reveal(),
                json: #"{"scopes": ["bad"]}"#)
            #expect(foreign.status == 404)

            // A tenant key with credentials:write manages its own tenant's keys only.
            let (_, tenantKey) = try await world.store.issue(
                for: .tenant(world.a.tenant), scopes: [.credentialsWrite, .eventsWrite], actor: "test")
            let own = try await call(
                app, .post, base, token: tenantKey.reveal(), json: #"{"scopes": ["events:write"]}"#)
            #expect(own.status == 201)
            #expect(try await call(app, .get, base, token: tenantKey.reveal()).data.count == 2)
            #expect(
                try await call(app, .get, "/v1/tenants/\(world.b.tenant)/credentials", token: tenantKey.reveal()).status
                    == 404)
        }
    }

    @Test func rotationKeepsBothKeysForTheOverlapThenOnlyTheNewOne() async throws {
        try await withWorld { world in
            let app = world.application
            let (_, admin) = try await world.store.issue(
                for: .partner(world.a.partner), scopes: [.credentialsWrite, .tenantsRead], actor: "test")
            let base = "/v1/tenants/\(world.a.tenant)/credentials"
            let created = try await call(
                app, .post, base, token: admin.reveal(), json: #"{"scopes": ["tenants:read"]}"#)
            let oldKey = try #require(created.json["key"] as? String)
            let oldPrefix = try #require(created.json["prefix"] as? String)

            let invalid = try await call(
                app, .post, "\(base)/\(oldPrefix)/rotate", token: admin.reveal(), json: #"{"overlap_seconds": -1}"#)
            #expect(invalid.status == 422)
            #expect(invalid.errorField == "overlap_seconds")
            let missing = try await call(app, .post, "\(base)/\(oldPrefix)/rotate", token: admin.reveal(), json: "{}")
            #expect(missing.status == 422)
            #expect(missing.errorField == "overlap_seconds")

            let rotated = try await call(
                app, .post, "\(base)/\(oldPrefix)/rotate", token: admin.reveal(), json: #"{"overlap_seconds": 60}"#)
            #expect(rotated.status == 201)
            let newKey = try #require(rotated.json["key"] as? String)
            #expect(rotated.json["replaces"] as? String == oldPrefix)
            #expect(rotated.json["replaced_key_valid_until"] is String)
            #expect(!newKey.hasPrefix(oldPrefix))

            let tenantPath = "/v1/tenants/\(world.a.tenant)"
            #expect(try await call(app, .get, tenantPath, token: oldKey).status == 200)
            #expect(try await call(app, .get, tenantPath, token: newKey).status == 200)
            // Well past the overlap: the database set valid_until from its own clock, which may run
            // ahead of the test's by however long a loaded machine took to get here.
            world.clock.advance(seconds: 600)
            let expired = try await call(app, .get, tenantPath, token: oldKey)
            #expect(expired.status == 401)
            #expect(expired.errorCode == "api_key_rotated")
            #expect(try await call(app, .get, tenantPath, token: newKey).status == 200)

            let again = try await call(
                app, .post, "\(base)/\(oldPrefix)/rotate", token: admin.reveal(), json: #"{"overlap_seconds": 0}"#)
            #expect(again.status == 409)
            // A key the caller could not have issued cannot be rotated into the caller's hands.
            let (_, powerful) = try await world.store.issue(
                for: .tenant(world.a.tenant), scopes: [.admin], actor: "test")
            let escalation = try await call(
                app, .post, "\(base)/\(powerful.prefix)/rotate", token: admin.reveal(), json: #"{"overlap_seconds": 0}"#
            )
            #expect(escalation.status == 403)
            let unknown = try await call(
                app, .post, "\(base)/cs_live_000000000000/rotate", token: admin.reveal(),
                json: #"{"overlap_seconds": 0}"#)
            #expect(unknown.status == 404)
            #expect(unknown.errorCode == "credential_not_found")
        }
    }

    @Test func webhookSecretsAreShownOnceAndNoOtherResponseCarriesASecret() async throws {
        try await withWorld { world in
            let app = world.application
            let (_, admin) = try await world.store.issue(
                for: .partner(world.a.partner), scopes: [.admin], actor: "test")
            let hooks = "/v1/tenants/\(world.a.tenant)/webhook-secrets"
            let first = try await call(app, .post, hooks, token: admin.reveal(), json: #"{"source": "netsuite"}"#)
            #expect(first.status == 201)
            let secret = try #require(first.json["secret"] as? String)
            #expect(secret.hasPrefix("whsec_"))
            let second = try await call(
                app, .post, hooks, token: admin.reveal(), json: #"{"source": "netsuite", "overlap_seconds": 0}"#)
            #expect(second.status == 201)
            let secret2 = try #require(second.json["secret"] as? String)
            #expect(secret2 != secret)
            let badSource = try await call(app, .post, hooks, token: admin.reveal(), json: #"{"source": "Bad Source"}"#)
            #expect(badSource.status == 422)
            #expect(badSource.errorField == "source")
            let badOverlap = try await call(
                app, .post, hooks, token: admin.reveal(), json: #"{"source": "x", "overlap_seconds": -5}"#)
            #expect(badOverlap.errorField == "overlap_seconds")
            let (_, noScope) = try await world.store.issue(
                for: .partner(world.a.partner), scopes: [.credentialsWrite], actor: "test")
            #expect(
                try await call(app, .post, hooks, token: noScope.reveal(), json: #"{"source": "netsuite"}"#).status
                    == 403)
            #expect(
                try await call(
                    app, .post, "/v1/tenants/\(world.b.tenant)/webhook-secrets", token: admin.reveal(),
                    json: #"{"source": "netsuite"}"#
                ).status == 404)

            let issued = try await call(
                app, .post, "/v1/tenants/\(world.a.tenant)/credentials", token: admin.reveal(),
                json: #"{"scopes": ["runs:read"]}"#)
            let key = try #require(issued.json["key"] as? String)
            let prefix = try #require(issued.json["prefix"] as? String)
            let rotated = try await call(
                app, .post, "/v1/tenants/\(world.a.tenant)/credentials/\(prefix)/rotate", token: admin.reveal(),
                json: #"{"overlap_seconds": 30}"#)
            let rotatedKey = try #require(rotated.json["key"] as? String)

            let secrets = [secret, secret2, key, rotatedKey, admin.reveal()]
            var others: [Reply] = []
            for target in [
                "/v1/tenants/\(world.a.tenant)/credentials", "/v1/audit?limit=200", "/v1/tenants/\(world.a.tenant)",
                "/v1/partners/\(world.a.partner)/tenants",
            ] {
                others.append(try await call(app, .get, target, token: admin.reveal()))
            }
            others.append(try await call(app, .get, "/v1/audit?limit=200", token: "provider-token"))
            others.append(
                try await call(
                    app, .post, "/v1/tenants/\(world.a.tenant)/credentials/\(prefix)/revoke", token: admin.reveal()))
            for reply in others {
                #expect(reply.status == 200, "\(reply.text)")
                for secret in secrets {
                    #expect(!reply.text.contains(secret))
                    // Not even the secret part without its prefix.
                    #expect(!reply.text.contains(String(secret.suffix(24))))
                }
            }
            // The audit log records the secret's creation, without it.
            let audit = try await call(app, .get, "/v1/audit?limit=200", token: "provider-token")
            let actions = audit.data.compactMap { $0["action"] as? String }
            #expect(actions.contains("webhook_secret.created"))
            #expect(actions.contains("webhook_secret.rotated"))
            #expect(actions.contains("credential.rotated"))
        }
    }

    @Test func auditListingPaginatesAndIsScopedToTheCallersOrganisation() async throws {
        try await withWorld { world in
            let app = world.application
            let (_, auditorA) = try await world.store.issue(
                for: .partner(world.a.partner), scopes: [.auditRead, .credentialsWrite], actor: "test")
            // Some history on both sides.
            let (_, auditorB) = try await world.store.issue(
                for: .partner(world.b.partner), scopes: [.auditRead], actor: "test")
            for _ in 0..<3 {
                _ = try await call(
                    app, .post, "/v1/tenants/\(world.a.tenant)/credentials", token: auditorA.reveal(),
                    json: #"{"scopes": ["audit:read"]}"#)
            }

            func everything(_ token: String, limit: Int) async throws -> [[String: Any]] {
                var entries: [[String: Any]] = []
                var cursor: String?
                var pages = 0
                repeat {
                    let query = "limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? "")
                    let page = try await call(app, .get, "/v1/audit?\(query)", token: token)
                    #expect(page.status == 200, "\(page.text)")
                    #expect(page.data.count <= limit)
                    entries += page.data
                    cursor = page.json["next_cursor"] as? String
                    pages += 1
                } while cursor != nil && pages < 100
                return entries
            }

            let seenByA = try await everything(auditorA.reveal(), limit: 2)
            let ids = seenByA.compactMap { ($0["id"] as? NSNumber)?.int64Value }
            #expect(ids.count == seenByA.count)
            #expect(ids == ids.sorted(by: >), "newest first, no repeats")
            #expect(Set(ids).count == ids.count)
            let subjectsA = Set(seenByA.compactMap { $0["subject"] as? String })
            #expect(subjectsA.contains("partner:\(world.a.partner)"))
            #expect(subjectsA.contains("tenant:\(world.a.tenant)"))
            #expect(subjectsA.contains("credential:\(auditorA.prefix)"))
            #expect(seenByA.filter { $0["action"] as? String == "credential.created" }.count == 4)
            for entry in seenByA {
                let text = "\(entry)"
                #expect(!text.contains(world.b.partner.value) && !text.contains(world.b.tenant.value), "\(text)")
                #expect(!text.contains(auditorB.prefix))
            }
            // The same listing in one page agrees with the paginated one.
            let single = try await call(app, .get, "/v1/audit?limit=200", token: auditorA.reveal())
            #expect(single.data.compactMap { ($0["id"] as? NSNumber)?.int64Value } == ids)
            #expect(single.json["next_cursor"] is NSNull)

            // B sees its own side only; the provider sees both.
            let subjectsB = Set(
                try await everything(auditorB.reveal(), limit: 50).compactMap { $0["subject"] as? String })
            #expect(subjectsB.contains("tenant:\(world.b.tenant)"))
            #expect(subjectsB.isDisjoint(with: subjectsA))
            let provider = Set(
                try await everything("provider-token", limit: 200).compactMap { $0["subject"] as? String })
            #expect(provider.isSuperset(of: subjectsA.union(subjectsB)))

            // A tenant reads its own tenant log.
            let (_, tenantAuditor) = try await world.store.issue(
                for: .tenant(world.a.tenant), scopes: [.auditRead], actor: "test")
            let tenantLog = try await everything(tenantAuditor.reveal(), limit: 1)
            #expect(!tenantLog.isEmpty)
            #expect(tenantLog.allSatisfy { $0["subject"] as? String == "tenant:\(world.a.tenant)" })
            #expect(tenantLog.contains { $0["action"] as? String == "tenant.provisioned" })

            // Bad input and missing scope.
            for query in ["limit=0", "limit=201", "limit=x"] {
                let reply = try await call(app, .get, "/v1/audit?\(query)", token: auditorA.reveal())
                #expect(reply.status == 422)
                #expect(reply.errorField == "limit")
            }
            for cursor in ["nonsense", "YXVkaXQ6djE6LTE", String(repeating: "A", count: 100)] {
                let reply = try await call(app, .get, "/v1/audit?cursor=\(cursor)", token: auditorA.reveal())
                #expect(reply.status == 422)
                #expect(reply.errorField == "cursor")
            }
            let (_, noAudit) = try await world.store.issue(
                for: .partner(world.a.partner), scopes: [.tenantsRead], actor: "test")
            #expect(try await call(app, .get, "/v1/audit", token: noAudit.reveal()).status == 403)
            #expect(try await call(app, .get, "/v1/audit", token: nil).status == 401)
        }
    }
}
