import API
import Engine
import Events
import Ingest
import ControlPlane
import Cryptography
import Foundation
import HTTP
import Postgres
import SchemaMigration
import TestSupport
import Testing

private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Maps fixed bearer tokens to principals: the routes' authorization is what
/// is under test here, not credential verification (tested in ControlPlane).
private struct TokenTable: Authenticator {
    let principals: [String: Principal]
    func authenticate(bearerToken: String, remoteAddress: String) async throws -> Principal {
        guard let principal = principals[bearerToken] else {
            throw HTTPError(.unauthorized, code: "invalid_api_key", message: "The API key is not valid.")
        }
        return principal
    }
}

private func suffix() -> String { String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(6)) }

/// Two partners, each with one tenant, and an application whose tokens act as
/// partner A, partner B, tenant a1, and the provider.
private func withTwoPartners(
    withIngest: Bool = false,
    _ body: (Application, _ a: (partner: Slug, tenant: Slug), _ b: (partner: Slug, tenant: Slug), PostgresPool) async throws -> Void
) async throws {
    try await withTestPool(configuration: .init(maximumConnections: 4, checkoutTimeout: .seconds(30))) { pool in
        let migrator = try Migrator(pool: pool, migrationsDirectory: repository.appendingPathComponent("Migrations"))
        try await migrator.migrate()
        let keyRing = try KeyRing(currentKey: SymmetricKey(data: try SecureRandom.bytes(count: 32)), id: "test")
        let service = TenantService(pool: pool, migrator: migrator, keyRing: keyRing)
        let s = suffix()
        let a = (partner: try Slug("pa_\(s)"), tenant: try Slug("ta_\(s)"))
        let b = (partner: try Slug("pb_\(s)"), tenant: try Slug("tb_\(s)"))
        for (partner, tenant) in [a, b] {
            _ = try await service.createPartner(slug: partner, kind: .msp, displayName: "\(partner)", supportEmail: "x@\(partner).example", actor: "test")
            _ = try await service.createTenant(partner: partner, slug: tenant, legalName: "\(tenant) Ltd", actor: "test")
        }
        let tokens = TokenTable(principals: [
            "partner-a": Principal(organization: .partner(a.partner), scopes: ["admin"], actor: "test:a"),
            "partner-a-readonly": Principal(organization: .partner(a.partner), scopes: ["tenants:read"], actor: "test:ar"),
            "tenant-a": Principal(organization: .tenant(a.tenant, partner: a.partner), scopes: ["admin"], actor: "test:ta"),
            "provider": Principal(organization: .provider, scopes: ["admin"], actor: "test:p"),
        ])
        let application = try Application(
            .init(
                logger: .disabled, health: .init(database: { nil }, migrations: { nil }),
                staticRoot: repository.appendingPathComponent("Portal/static"),
                controlPlane: .init(
                    service: service, authenticator: tokens,
                    ingest: withIngest
                        ? IngestService(
                            catalog: try EventCatalog.load(from: repository.appendingPathComponent("Templates/events")),
                            databases: TenantDatabases(service: service)) : nil,
                    templates: withIngest
                        ? try TemplateCatalog.load(from: repository.appendingPathComponent("Templates"), knownEventTypes: [])
                        : nil)))
        do {
            try await body(application, a, b, pool)
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

private func call(
    _ application: Application, _ method: HTTPMethod, _ path: String, token: String?, json: String? = nil
) async throws -> (status: Int, body: [String: Any]) {
    var headers: HTTPHeaders = ["Host": "localhost"]
    if let token { headers.add("Authorization", "Bearer \(token)") }
    if json != nil { headers.add("Content-Type", "application/json") }
    let response = try await application.responder.respond(
        to: HTTPRequest(method: method, target: path, path: path, headers: headers, body: Array((json ?? "").utf8)))
    let body = (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
    return (response.status.code, body)
}

/// Fills a route pattern with one organisation's objects.
private func path(_ pattern: String, partner: Slug, tenant: Slug, credential: String) -> String {
    pattern.replacingOccurrences(of: ":partner", with: partner.value).replacingOccurrences(of: ":slug", with: tenant.value)
        .replacingOccurrences(of: ":prefix", with: credential)
}

/// A valid body for each route that takes one, so that a refusal is the
/// authorization's and not the body's.
private func validBody(_ method: HTTPMethod, _ pattern: String) -> String? {
    guard method == .post else { return nil }
    if pattern.hasSuffix("/tenants") { return #"{"slug": "x_\#(suffix())", "legal_name": "X"}"# }
    if pattern.hasSuffix("/credentials") { return #"{"scopes": ["tenants:read"]}"# }
    if pattern.hasSuffix("/rotate") { return #"{"overlap_seconds": 0}"# }
    if pattern.hasSuffix("/webhook-secrets") { return #"{"source": "netsuite"}"# }
    if pattern.hasSuffix("/users") { return #"{"email": "u\#(suffix())@x.example", "display_name": "U", "roles": ["partner_admin"]}"# }
    return nil
}

@Suite("/v1 control-plane routes")
struct ControlPlaneRoutesTests {
    /// Every authenticated /v1 route, called by partner A on partner B's objects, answers 404
    /// and changes nothing; the same call on A's own objects is allowed.
    @Test func aPartnerCannotReachAnotherPartnersTenantsThroughAnyRoute() async throws {
        try await withTwoPartners { application, a, b, pool in
            let store = CredentialStore(pool: pool)
            let (_, keyOfA) = try await store.issue(for: .tenant(a.tenant), scopes: [.tenantsRead], actor: "test")
            let (_, keyOfB) = try await store.issue(for: .tenant(b.tenant), scopes: [.tenantsRead], actor: "test")
            let routes = application.routes.filter { $0.pattern.hasPrefix("/v1/") && $0.pattern != "/v1/openapi.json" }
            #expect(routes.count >= 10)
            for route in routes {
                let body = validBody(route.method, route.pattern)
                let unauthenticated = try await call(
                    application, route.method, path(route.pattern, partner: a.partner, tenant: a.tenant, credential: keyOfA.prefix),
                    token: nil, json: body)
                #expect(unauthenticated.status == 401, "\(route.method) \(route.pattern) without a key")
                guard route.pattern.contains(":") else {
                    if route.pattern.hasPrefix("/v1/billing/") {
                        // Provider operations only: a partner is not even told the route exists.
                        let hidden = try await call(application, route.method, route.pattern, token: "partner-a", json: body)
                        #expect(hidden.status == 404, "\(route.method) \(route.pattern) as a partner: \(hidden.status)")
                        continue
                    }
                    if route.method == .post && route.pattern == "/v1/partners" {
                        // Only the provider creates partners.
                        let refused = try await call(application, route.method, route.pattern, token: "partner-a", json: body)
                        #expect(refused.status == 403, "\(route.method) \(route.pattern) as a partner: \(refused.status)")
                        continue
                    }
                    // Routes without an object in the path (the audit log) answer for the
                    // caller's own organisation; they must not show the other partner's.
                    let own = try await call(application, route.method, route.pattern, token: "partner-a", json: body)
                    #expect([200, 201].contains(own.status), "\(route.method) \(route.pattern): \(own.status)")
                    let text = String(describing: own.body)
                    #expect(!text.contains(b.partner.value) && !text.contains(b.tenant.value) && !text.contains(keyOfB.prefix))
                    continue
                }
                let foreign = try await call(
                    application, route.method, path(route.pattern, partner: b.partner, tenant: b.tenant, credential: keyOfB.prefix),
                    token: "partner-a", json: body)
                #expect(foreign.status == 404, "\(route.method) \(route.pattern) on another partner: \(foreign.status)")
                // Another tenant's key named under one's own tenant is just as invisible.
                if route.pattern.contains(":prefix") {
                    let smuggled = try await call(
                        application, route.method, path(route.pattern, partner: a.partner, tenant: a.tenant, credential: keyOfB.prefix),
                        token: "partner-a", json: body)
                    #expect(smuggled.status == 404, "\(route.method) \(route.pattern) with B's key under A's tenant")
                }
            }
            // B's tenant and key are untouched, and nothing was issued for B.
            let provider = try await call(application, .get, "/v1/tenants/\(b.tenant)", token: "provider")
            #expect(provider.body["status"] as? String == "active")
            #expect(try await store.authenticate(keyOfB.reveal(), remoteAddress: "::1").principal.actor == "credential:\(keyOfB.prefix)")
            #expect(try await store.list(owner: .tenant(b.tenant)).map(\.prefix) == [keyOfB.prefix])
            let secrets = try await pool.query(
                "SELECT count(*) AS n FROM control.webhook_secrets w JOIN control.tenants t ON t.id = w.tenant_id WHERE t.slug = \(b.tenant.value)")
            #expect(try secrets[0].decode("n", as: Int.self) == 0)
        }
    }

    @Test func ownTenantsAreVisibleAndManageableWithTheRightScopes() async throws {
        try await withTwoPartners { application, a, _, _ in
            let listed = try await call(application, .get, "/v1/partners/\(a.partner)/tenants", token: "partner-a")
            #expect(listed.status == 200)
            #expect((listed.body["data"] as? [[String: Any]])?.first?["slug"] as? String == a.tenant.value)
            let read = try await call(application, .get, "/v1/tenants/\(a.tenant)", token: "partner-a-readonly")
            #expect(read.status == 200)
            let denied = try await call(application, .post, "/v1/tenants/\(a.tenant)/suspend", token: "partner-a-readonly")
            #expect(denied.status == 403)
            #expect((denied.body["error"] as? [String: Any])?["code"] as? String == "insufficient_scope")
            let suspended = try await call(application, .post, "/v1/tenants/\(a.tenant)/suspend", token: "partner-a")
            #expect(suspended.body["status"] as? String == "suspended")
            let again = try await call(application, .post, "/v1/tenants/\(a.tenant)/suspend", token: "partner-a")
            #expect(again.status == 409)
            #expect(try await call(application, .post, "/v1/tenants/\(a.tenant)/resume", token: "partner-a").status == 200)
            // A tenant sees itself but cannot manage tenants.
            #expect(try await call(application, .get, "/v1/tenants/\(a.tenant)", token: "tenant-a").status == 200)
            #expect(try await call(application, .get, "/v1/partners/\(a.partner)/tenants", token: "tenant-a").status == 404)
        }
    }

    @Test func creatingATenantValidatesItsInput() async throws {
        try await withTwoPartners { application, a, _, pool in
            let slug = "new_\(suffix())"
            let created = try await call(
                application, .post, "/v1/partners/\(a.partner)/tenants", token: "partner-a",
                json: #"{"slug": "\#(slug)", "legal_name": "New Co"}"#)
            #expect(created.status == 201)
            #expect(created.body["status"] as? String == "active")
            let missing = try await call(application, .post, "/v1/partners/\(a.partner)/tenants", token: "partner-a", json: #"{"slug": "zz_\#(suffix())"}"#)
            #expect(missing.status == 422)
            #expect((missing.body["error"] as? [String: Any])?["field"] as? String == "legal_name")
            let badSlug = try await call(application, .post, "/v1/partners/\(a.partner)/tenants", token: "partner-a", json: #"{"slug": "Bad-Slug", "legal_name": "X"}"#)
            #expect(badSlug.status == 422)
            let duplicate = try await call(application, .post, "/v1/partners/\(a.partner)/tenants", token: "partner-a", json: #"{"slug": "\#(a.tenant)", "legal_name": "X"}"#)
            #expect(duplicate.status == 409)
            try await dropRoles(pool, [try Slug(slug)])
        }
    }

    /// The OpenAPI document lists every routed method and path, and nothing else.
    @Test func theOpenAPIDocumentMatchesTheRoutes() async throws {
        try await withTwoPartners(withIngest: true) { application, _, _, _ in
            let (status, document) = try await call(application, .get, "/v1/openapi.json", token: nil)
            #expect(status == 200)
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = document["paths"] as? [String: [String: Any]] ?? [:]
            var documented: Set<String> = []
            for (path, operations) in paths {
                for method in operations.keys where method != "parameters" { documented.insert("\(method.uppercased()) \(path)") }
            }
            var routed: Set<String> = []
            for route in application.routes where !route.pattern.hasPrefix("/static/") {
                let openAPIPath = route.pattern.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                    .joined(separator: "/")
                routed.insert("\(route.method.rawValue) /\(openAPIPath)")
            }
            #expect(routed.subtracting(documented).isEmpty, "undocumented: \(routed.subtracting(documented).sorted())")
            #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed).sorted())")
        }
    }
}


@Suite("/v1 with real API keys")
struct APIKeyAuthenticationTests {
    @Test func keysAuthenticateAndAreRateLimitedPerCredential() async throws {
        try await withTestPool(configuration: .init(maximumConnections: 4, checkoutTimeout: .seconds(30))) { pool in
            let migrator = try Migrator(pool: pool, migrationsDirectory: repository.appendingPathComponent("Migrations"))
            try await migrator.migrate()
            let keyRing = try KeyRing(currentKey: SymmetricKey(data: try SecureRandom.bytes(count: 32)), id: "test")
            let service = TenantService(pool: pool, migrator: migrator, keyRing: keyRing)
            let partner = try Slug("pk_\(suffix())")
            _ = try await service.createPartner(slug: partner, kind: .si, displayName: "PK", supportEmail: "a@pk.example", actor: "test")
            let store = CredentialStore(pool: pool)
            let (_, key) = try await store.issue(for: .partner(partner), scopes: [.tenantsRead], actor: "test")
            var limits = CredentialAuthenticator.Configuration()
            limits.burst = 3
            limits.perSecond = 0.01
            let clock = FixedTime()
            let application = try Application(
                .init(
                    logger: .disabled, health: .init(database: { nil }, migrations: { nil }), staticRoot: nil,
                    controlPlane: .init(
                        service: service,
                        authenticator: try CredentialAuthenticator(store: store, configuration: limits, now: { clock.now }))))
            for _ in 0..<3 {
                #expect(try await call(application, .get, "/v1/partners/\(partner)/tenants", token: key.reveal()).status == 200)
            }
            let response = try await application.responder.respond(
                to: HTTPRequest(
                    method: .get, target: "/v1/partners/\(partner)/tenants", path: "/v1/partners/\(partner)/tenants",
                    headers: ["Host": "localhost", "Authorization": "Bearer \(key.reveal())"]))
            #expect(response.status.code == 429)
            #expect(response.headers["Retry-After"] == "100")
            #expect(try await call(application, .get, "/v1/partners/\(partner)/tenants", token: "cs_live_nonsense").status == 401)
            // A key's secret never appears in a response.
            #expect(!String(decoding: response.body, as: UTF8.self).contains(key.reveal()))
        }
    }
}

/// A clock that stands still, so the rate limit is tested without waiting.
private final class FixedTime: Sendable {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
}
