import API
import ControlPlane
import Cryptography
import Engine
import Events
import Foundation
import HTTP
import Ingest
import Postgres
import SchemaMigration
import Synchronization
import TestSupport
import Testing
import Webhooks

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
/// Copies of ../shared/examples/events, kept in the repositoryRoot so a clean clone has them.
let examples = repositoryRoot.appendingPathComponent("Tests/EventsTests/Fixtures")

final class MovableClock: Sendable {
    private let current = Mutex(Date())
    var now: Date { current.withLock { $0 } }
    func advance(seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// One tenant with an events key and a webhook secret, behind the real application.
struct IngestWorld {
    let application: Application
    let pool: PostgresPool
    let databases: TenantDatabases
    let service: TenantService
    let tenant: Slug
    let key: String
    let secret: WebhookSecret
    let secretStore: WebhookSecretStore
    let keyRing: KeyRing
    let clock: MovableClock

    func count(_ table: String, where condition: String = "true") async throws -> Int {
        let schema = try SQLIdentifier(tenant.tenantSchemaName)
        let rows = try await pool.query(
            PostgresQuery(unsafeSQL: "SELECT count(*)::int AS n FROM \(schema.quoted).\(table) WHERE \(condition)"))
        return try rows[0].decode("n", as: Int.self)
    }

    func usage(of metric: String = "events.accepted") async throws -> Int {
        let schema = try SQLIdentifier(tenant.tenantSchemaName)
        let rows = try await pool.query(
            "SELECT coalesce(sum(quantity), 0)::int AS n FROM \(identifier: schema, try SQLIdentifier("usage_counters")) WHERE metric = \(metric)")
        return try rows[0].decode("n", as: Int.self)
    }

    func post(_ body: String, idempotencyKey: String? = nil) async throws -> IngestReply {
        var headers: HTTPHeaders = ["Host": "localhost", "Authorization": "Bearer \(key)", "Content-Type": "application/json"]
        if let idempotencyKey { headers.add("Idempotency-Key", idempotencyKey) }
        return try await send(.post, "/v1/events", headers: headers, body: body)
    }

    func get(_ target: String) async throws -> IngestReply {
        try await send(.get, target, headers: ["Host": "localhost", "Authorization": "Bearer \(key)"], body: "")
    }

    func hook(
        _ body: String, id: String = "msg_\(UUID().uuidString)", signedWith keys: [SymmetricKey]? = nil,
        at time: Date? = nil, tamper: ((inout String) -> Void)? = nil, source: String = "erp"
    ) async throws -> IngestReply {
        let signing = keys ?? [secret.key]
        let signed = try StandardWebhooks.headers(
            id: id, timestamp: time ?? clock.now, body: Array(body.utf8), key: signing[0],
            additionalKeys: Array(signing.dropFirst()))
        var sentBody = body
        tamper?(&sentBody)
        var headers: HTTPHeaders = ["Host": "localhost", "Content-Type": "application/json"]
        for (name, value) in signed.fields { headers.add(name, value) }
        return try await send(.post, "/hooks/\(tenant)/\(source)", headers: headers, body: sentBody)
    }

    func send(_ method: HTTPMethod, _ target: String, headers: HTTPHeaders, body: String) async throws -> IngestReply {
        let parts = target.split(separator: "?", maxSplits: 1)
        let query: [(name: String, value: String)] =
            parts.count > 1
            ? parts[1].split(separator: "&").map { pair in
                let kv = pair.split(separator: "=", maxSplits: 1)
                return (String(kv[0]), kv.count > 1 ? String(kv[1]).removingPercentEncoding ?? "" : "")
            } : []
        var request = HTTPRequest(
            method: method, target: target, path: String(parts[0]), query: query, headers: headers,
            body: Array(body.utf8), remoteAddress: "10.1.2.3")
        request.context.requestID = "req_\(UUID().uuidString.prefix(8))"
        let response = try await application.responder.respond(to: request)
        return IngestReply(status: response.status.code, text: String(decoding: response.body, as: UTF8.self))
    }
}

struct IngestReply {
    let status: Int
    let text: String
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:] }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var errorField: String? { (json["error"] as? [String: Any])?["field"] as? String }
}

func withIngestWorld(_ body: (IngestWorld) async throws -> Void) async throws {
    try await withTestPool(configuration: .init(maximumConnections: 4, checkoutTimeout: .seconds(30))) { pool in
        let migrator = try Migrator(pool: pool, migrationsDirectory: repositoryRoot.appendingPathComponent("Migrations"))
        try await migrator.migrate()
        let keyRing = try KeyRing(currentKey: SymmetricKey(data: try SecureRandom.bytes(count: 32)), id: "test")
        let service = TenantService(pool: pool, migrator: migrator, keyRing: keyRing)
        let suffix = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(6))
        let partner = try Slug("ip_\(suffix)")
        let tenant = try Slug("it_\(suffix)")
        let databases = TenantDatabases(service: service, configuration: .init(maximumConnections: 8))
        do {
            _ = try await service.createPartner(
                slug: partner, kind: .erpPartner, displayName: "Ingest Partner", supportEmail: "help@ip.example",
                actor: "test")
            _ = try await service.createTenant(partner: partner, slug: tenant, legalName: "Ingest Co", actor: "test")
            let store = CredentialStore(pool: pool)
            let (_, key) = try await store.issue(
                for: .tenant(tenant), scopes: [.eventsWrite, .eventsRead, .endpointsWrite], actor: "test")
            let secrets = WebhookSecretStore(pool: pool, keyRing: keyRing)
            let secret = try await secrets.create(tenant: tenant, source: "erp", actor: "test")
            let clock = MovableClock()
            var limits = CredentialAuthenticator.Configuration()
            limits.burst = 100_000
            limits.perSecond = 100_000
            let catalog = try EventCatalog.load(from: repositoryRoot.appendingPathComponent("Templates/events"))
            let ingest = IngestService(catalog: catalog, databases: databases)
            let application = try Application(
                .init(
                    logger: .disabled, health: .init(database: { nil }, migrations: { nil }), staticRoot: nil,
                    controlPlane: .init(
                        service: service,
                        authenticator: try CredentialAuthenticator(store: store, configuration: limits),
                        credentials: store, webhookSecrets: secrets, ingest: ingest,
                        templates: try TemplateCatalog.load(
                            from: repositoryRoot.appendingPathComponent("Templates"),
                            knownEventTypes: Set(catalog.types.map(\.type))),
                        now: { clock.now })))
            try await body(
                IngestWorld(
                    application: application, pool: pool, databases: databases, service: service, tenant: tenant,
                    key: key.reveal(), secret: secret, secretStore: secrets, keyRing: keyRing, clock: clock))
        } catch {
            await databases.close()
            try? await dropTenantRole(pool, tenant)
            throw error
        }
        await databases.close()
        try await dropTenantRole(pool, tenant)
    }
}

func dropTenantRole(_ pool: PostgresPool, _ tenant: Slug) async throws {
    let role = try SQLIdentifier(tenant.tenantSchemaName)
    try await pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(role.name)")
    try await pool.query("DROP SCHEMA IF EXISTS \(identifier: role) CASCADE")
    try await pool.query("DROP OWNED BY \(identifier: role)")
    try await pool.query("DROP ROLE IF EXISTS \(identifier: role)")
}

func example(_ name: String) throws -> String {
    try String(contentsOf: examples.appendingPathComponent(name), encoding: .utf8)
}

func stockAdjusted(id: String, quantity: String = "-3") -> String {
    #"{"type":"stock.adjusted","id":"\#(id)","occurred_at":"2026-11-20T10:00:00Z","source":"wms","data":{"adjustment_number":"ADJ-\#(id)","warehouse":"DAL-1","reason":"damage","adjusted_by":"dock.lee@client.example","lines":[{"sku":"BOLT-M8-40","quantity":"\#(quantity)","uom":"EA"}]}}"#
}


extension IngestWorld {
    /// Deploys a template shipped in `Templates/` into the world's tenant, as `test`.
    func deployShipped(_ slug: String, parameters: [String: JSONValue] = [:]) async throws {
        let catalog = try TemplateCatalog.load(
            from: repositoryRoot.appendingPathComponent("Templates"),
            knownEventTypes: Set(
                try EventCatalog.load(from: repositoryRoot.appendingPathComponent("Templates/events")).types.map(\.type)))
        _ = try await Deployments(databases: databases, catalog: catalog).deploy(
            tenant: tenant, slug: slug, version: nil, parameters: parameters, actor: "test")
    }
}
