import API
import ControlPlane
import Cryptography
import Foundation
import HTTP
import Postgres
import SchemaMigration
import TestSupport
import Testing

/// Two partners with one tenant each behind a full ``Application``, for the
/// partner and user route tests. Fixed tokens act as whole organisations
/// (`provider`, `partner-a`, `partner-b`, `tenant-a`, all with `admin`);
/// any other token is verified as a real API key, so personal tokens carry
/// their user's roles and status exactly as in production.
struct ControlPlaneWorld {
    let application: Application
    let service: TenantService
    let pool: PostgresPool
    let store: CredentialStore
    let a: (partner: Slug, tenant: Slug)
    let b: (partner: Slug, tenant: Slug)

    /// The peer address every request comes from, so audit entries can be checked for it.
    static let clientAddress = "203.0.113.7"

    struct Reply {
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]) ?? [:] }
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
        var errorField: String? { (json["error"] as? [String: Any])?["field"] as? String }
        var data: [[String: Any]] { json["data"] as? [[String: Any]] ?? [] }
    }

    /// Calls the application as a client at ``clientAddress`` would; `json` sets Content-Type application/json.
    func call(
        _ method: HTTPMethod, _ target: String, token: String?, json: String? = nil, body: [UInt8]? = nil,
        headers extra: HTTPHeaders = HTTPHeaders()
    ) async throws -> Reply {
        var headers: HTTPHeaders = ["Host": "localhost"]
        if let token { headers.add("Authorization", "Bearer \(token)") }
        if json != nil { headers.add("Content-Type", "application/json") }
        for field in extra { headers.add(field.name, field.value) }
        let parts = target.split(separator: "?", maxSplits: 1)
        let query: [(name: String, value: String)] =
            parts.count > 1
            ? parts[1].split(separator: "&").map { pair in
                let kv = pair.split(separator: "=", maxSplits: 1)
                return (String(kv[0]), kv.count > 1 ? String(kv[1]).removingPercentEncoding ?? "" : "")
            } : []
        let response = try await application.responder.respond(
            to: HTTPRequest(
                method: method, target: target, path: String(parts[0]), query: query, headers: headers,
                body: body ?? Array((json ?? "").utf8), remoteAddress: Self.clientAddress))
        return Reply(status: response.status.code, headers: response.headers, body: response.body)
    }

    /// A user created directly in the store, for tests about what others may do to them.
    func makeUser(
        in organization: Principal.Organization, roles: [String], email: String? = nil
    ) async throws -> UserAccount {
        try await UserStore(pool: pool).create(
            in: organization, email: email ?? "u\(Self.suffix())@example.com", displayName: "Test User",
            roles: roles, approvalLimit: nil, actor: "test")
    }

    /// A personal token of `user` with `scopes`, issued for the user's partner or tenant.
    func personalToken(for user: UserAccount, scopes: ScopeSet) async throws -> String {
        let owner: CredentialOwner
        switch user.organization {
        case .tenant(let tenant, _): owner = .tenant(tenant)
        case .partner(let partner): owner = .partner(partner)
        case .provider:
            throw HTTPError(.badRequest, code: "no_provider_keys", message: "provider users have no API keys")
        }
        return try await store.issue(for: owner, scopes: scopes, user: user.email, actor: "test").key.reveal()
    }

    /// The newest control audit entry with `action` about `subject`.
    func latestAudit(_ action: String, subject: String) async throws -> PostgresRow? {
        try await pool.query(
            """
            SELECT actor, details::text AS details, source_ip, request_id, trace_id FROM control.audit_log
            WHERE action = \(action) AND subject = \(subject) ORDER BY id DESC LIMIT 1
            """
        ).first
    }

    static func suffix() -> String {
        String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(6))
    }

    /// Drops what a tenant leaves outside the test database: its login role is cluster-wide.
    static func dropTenantRoles(_ pool: PostgresPool, _ tenants: [Slug]) async throws {
        for tenant in tenants {
            let role = try SQLIdentifier(tenant.tenantSchemaName)
            try await pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(role.name)")
            try await pool.query("DROP SCHEMA IF EXISTS \(identifier: role) CASCADE")
            let exists = try await pool.query("SELECT 1 FROM pg_roles WHERE rolname = \(role.name)")
            if !exists.isEmpty {
                try await pool.query("DROP OWNED BY \(identifier: role)")
                try await pool.query("DROP ROLE IF EXISTS \(identifier: role)")
            }
        }
    }
}

/// Maps the fixed organisation tokens to principals and verifies every other token as an API key.
private struct OrganisationTokensAndKeys: Authenticator {
    let principals: [String: Principal]
    let keys: CredentialAuthenticator

    func authenticate(bearerToken: String, remoteAddress: String) async throws -> Principal {
        if let principal = principals[bearerToken] { return principal }
        return try await keys.authenticate(bearerToken: bearerToken, remoteAddress: remoteAddress)
    }
}

private let worldRepositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()

/// Runs `body` with a fresh ``ControlPlaneWorld``; `extraTenants` are tenants
/// the body creates, whose roles are dropped afterwards as well.
func withControlPlaneWorld(
    _ body: (ControlPlaneWorld, _ extraTenants: inout [Slug]) async throws -> Void
) async throws {
    try await withTestPool(configuration: .init(maximumConnections: 4, checkoutTimeout: .seconds(30))) { pool in
        let migrator = try Migrator(
            pool: pool, migrationsDirectory: worldRepositoryRoot.appendingPathComponent("Migrations"))
        try await migrator.migrate()
        let keyRing = try KeyRing(currentKey: SymmetricKey(data: try SecureRandom.bytes(count: 32)), id: "test")
        let service = TenantService(pool: pool, migrator: migrator, keyRing: keyRing)
        let s = ControlPlaneWorld.suffix()
        let a = (partner: try Slug("wa_\(s)"), tenant: try Slug("wta_\(s)"))
        let b = (partner: try Slug("wb_\(s)"), tenant: try Slug("wtb_\(s)"))
        var tenants = [a.tenant, b.tenant]
        do {
            for (partner, tenant) in [a, b] {
                _ = try await service.createPartner(
                    slug: partner, kind: .msp, displayName: "Partner \(partner)",
                    supportEmail: "help@\(partner).example",
                    actor: "test")
                _ = try await service.createTenant(
                    partner: partner, slug: tenant, legalName: "\(tenant) Ltd", actor: "test")
            }
            let store = CredentialStore(pool: pool)
            var limits = CredentialAuthenticator.Configuration()
            limits.burst = 10_000
            let authenticator = OrganisationTokensAndKeys(
                principals: [
                    "provider": Principal(organization: .provider, scopes: ["admin"], actor: "test:provider"),
                    "partner-a": Principal(organization: .partner(a.partner), scopes: ["admin"], actor: "test:a"),
                    "partner-b": Principal(organization: .partner(b.partner), scopes: ["admin"], actor: "test:b"),
                    "tenant-a": Principal(
                        organization: .tenant(a.tenant, partner: a.partner), scopes: ["admin"], actor: "test:ta"),
                ],
                keys: try CredentialAuthenticator(store: store, configuration: limits))
            let application = try Application(
                .init(
                    logger: .disabled, health: .init(database: { nil }, migrations: { nil }), staticRoot: nil,
                    controlPlane: .init(service: service, authenticator: authenticator, credentials: store)))
            try await body(
                ControlPlaneWorld(application: application, service: service, pool: pool, store: store, a: a, b: b),
                &tenants)
        } catch {
            try? await ControlPlaneWorld.dropTenantRoles(pool, tenants)
            throw error
        }
        try await ControlPlaneWorld.dropTenantRoles(pool, tenants)
    }
}
