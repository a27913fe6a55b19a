import API
import CLI
import ControlPlane
import Cryptography
import Engine
import Events
import Foundation
import HTTP
import Ingest
import Middleware
import Postgres
import SchemaMigration
import TestSupport
import Testing
import Webhooks

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// One tenant behind the real application: a tenant key (events, runs, tasks),
/// a partner key that may deploy mappings, and webhook secrets for `erp` and `shop`.
struct MiddlewareWorld {
    let application: Application
    let pool: PostgresPool
    let databases: TenantDatabases
    let database: PostgresConfiguration
    let masterKeyFile: String
    let tenant: Slug
    let key: String
    let partnerKey: String
    let secrets: [String: WebhookSecret]

    func count(_ table: String, where condition: String = "true") async throws -> Int {
        let schema = try SQLIdentifier(tenant.tenantSchemaName)
        let rows = try await pool.query(
            PostgresQuery(unsafeSQL: "SELECT count(*)::int AS n FROM \(schema.quoted).\(table) WHERE \(condition)"))
        return try rows[0].decode("n", as: Int.self)
    }

    /// The raw bytes of the tenant's dead letters, oldest first, with their reason codes.
    func deadLetters() async throws -> [(code: String, reason: String, payload: String)] {
        let rows = try await pool.query(
            """
            SELECT reason_code, reason, convert_from(payload, 'UTF8') AS payload
            FROM \(identifier: try SQLIdentifier(tenant.tenantSchemaName), try SQLIdentifier("dead_letters")) ORDER BY id
            """)
        return try rows.map {
            (
                try $0.decode("reason_code", as: String.self), try $0.decode("reason", as: String.self),
                try $0.decode("payload", as: String.self)
            )
        }
    }

    func call(
        _ method: HTTPMethod, _ target: String, body: String = "", contentType: String = "application/json",
        as token: String? = nil
    ) async throws -> Reply {
        var headers: HTTPHeaders = ["Host": "localhost", "Authorization": "Bearer \(token ?? key)"]
        if !body.isEmpty { headers.add("Content-Type", contentType) }
        return try await send(method, target, headers: headers, body: body)
    }

    func hook(_ body: String, source: String, id: String = "msg_\(UUID().uuidString)") async throws -> Reply {
        guard let secret = secrets[source] else { throw TestFailure("no secret for \(source)") }
        let signed = try StandardWebhooks.headers(id: id, timestamp: Date(), body: Array(body.utf8), key: secret.key)
        var headers: HTTPHeaders = ["Host": "localhost", "Content-Type": "application/json"]
        for (name, value) in signed.fields { headers.add(name, value) }
        return try await send(.post, "/hooks/\(tenant)/\(source)", headers: headers, body: body)
    }

    func send(_ method: HTTPMethod, _ target: String, headers: HTTPHeaders, body: String) async throws -> Reply {
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
        return Reply(
            status: response.status.code, contentType: response.headers["Content-Type"],
            text: String(decoding: response.body, as: UTF8.self))
    }

    /// What the CLI needs to reach this world's database with this world's master key.
    func cliEnvironment() throws -> [String: String] {
        guard var components = URLComponents(string: database.connectionString),
            let name = database.overrides["dbname"]
        else { throw TestDatabase.NotConfigured() }
        components.path = "/" + name
        return [
            "DATABASE_URL": components.string ?? "", "COUNTERSIGN_MASTER_KEY_FILE": masterKeyFile,
            "COUNTERSIGN_ROOT": repositoryRoot.path, "USER": "tester",
        ]
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct Reply {
    let status: Int
    let contentType: String?
    let text: String
    var json: JSONValue { (try? JSONParser().parse(text)) ?? .null }
    var errorCode: String? { json["error"]?["code"]?.stringValue }
}

func withMiddlewareWorld(_ body: (MiddlewareWorld) async throws -> Void) async throws {
    try await withTestDatabase { database in
        let pool = PostgresPool(database, configuration: .init(maximumConnections: 4, checkoutTimeout: .seconds(30)))
        let masterKeyFile = FileManager.default.temporaryDirectory.appendingPathComponent("mk-\(UUID().uuidString)").path
        try Data((0..<32).map { UInt8($0 &* 7) }).base64EncodedString()
            .write(toFile: masterKeyFile, atomically: true, encoding: .utf8)
        let suffix = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(6))
        let tenant = try Slug("mw_\(suffix)")
        do {
            let migrator = try Migrator(pool: pool, migrationsDirectory: repositoryRoot.appendingPathComponent("Migrations"))
            try await migrator.migrate()
            // The key ring the CLI builds from the same file, so commands can open this tenant's sealed password.
            let configuration = try AppConfiguration.load(
                flags: ["master-key-file": masterKeyFile], environment: ["COUNTERSIGN_ROOT": repositoryRoot.path])
            guard let keyRing = try configuration.masterKeyRing() else { throw TestFailure("no key ring") }
            let service = TenantService(pool: pool, migrator: migrator, keyRing: keyRing)
            let partner = try Slug("mp_\(suffix)")
            let databases = TenantDatabases(service: service, configuration: .init(maximumConnections: 8))
            _ = try await service.createPartner(
                slug: partner, kind: .erpPartner, displayName: "Middleware Partner", supportEmail: "help@mp.example",
                actor: "test")
            _ = try await service.createTenant(partner: partner, slug: tenant, legalName: "Middleware Co", actor: "test")
            let store = CredentialStore(pool: pool)
            let (_, key) = try await store.issue(
                for: .tenant(tenant), scopes: [.eventsWrite, .eventsRead, .runsRead, .tasksRead], actor: "test")
            let (_, partnerKey) = try await store.issue(
                for: .partner(partner), scopes: [.tenantsRead, .tenantsWrite], actor: "test")
            let secretStore = WebhookSecretStore(pool: pool, keyRing: keyRing)
            var secrets: [String: WebhookSecret] = [:]
            for source in ["erp", "shop"] {
                secrets[source] = try await secretStore.create(tenant: tenant, source: source, actor: "test")
            }
            var limits = CredentialAuthenticator.Configuration()
            limits.burst = 100_000
            limits.perSecond = 100_000
            let catalog = try EventCatalog.load(from: repositoryRoot.appendingPathComponent("Templates/events"))
            let ingest = IngestService(catalog: catalog, databases: databases)
            let application = try Application(
                .init(
                    logger: .disabled, health: .init(database: { nil }, migrations: { nil }), staticRoot: nil,
                    controlPlane: .init(
                        service: service, authenticator: try CredentialAuthenticator(store: store, configuration: limits),
                        credentials: store, webhookSecrets: secretStore, ingest: ingest,
                        templates: try TemplateCatalog.load(
                            from: repositoryRoot.appendingPathComponent("Templates"),
                            knownEventTypes: Set(catalog.types.map(\.type))),
                        mappings: try MappingCatalog.load(
                            from: repositoryRoot.appendingPathComponent("Templates/mappings"), events: catalog))))
            do {
                try await body(
                    MiddlewareWorld(
                        application: application, pool: pool, databases: databases, database: database,
                        masterKeyFile: masterKeyFile, tenant: tenant, key: key.reveal(), partnerKey: partnerKey.reveal(),
                        secrets: secrets))
            } catch {
                await databases.close()
                throw error
            }
            await databases.close()
        } catch {
            try? await dropTenantRole(pool, tenant)
            await pool.close()
            try? FileManager.default.removeItem(atPath: masterKeyFile)
            throw error
        }
        try await dropTenantRole(pool, tenant)
        await pool.close()
        try? FileManager.default.removeItem(atPath: masterKeyFile)
    }
}

/// Tenant roles are cluster-wide: each test drops the one it created.
func dropTenantRole(_ pool: PostgresPool, _ tenant: Slug) async throws {
    let role = try SQLIdentifier(tenant.tenantSchemaName)
    try await pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(role.name)")
    try await pool.query("DROP SCHEMA IF EXISTS \(identifier: role) CASCADE")
    if try await !pool.query("SELECT 1 FROM pg_roles WHERE rolname = \(role.name)").isEmpty {
        try await pool.query("DROP OWNED BY \(identifier: role)")
        try await pool.query("DROP ROLE IF EXISTS \(identifier: role)")
    }
}

func mappingFile(_ path: String) throws -> String {
    try String(contentsOf: repositoryRoot.appendingPathComponent("Templates/mappings/\(path)"), encoding: .utf8)
}
