import Assistance
import ControlPlane
import Cryptography
import Engine
import Events
import Foundation
import Ingest
import Postgres
import SchemaMigration
import TestSupport
import Triage

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The shared example documents: PO-1001, its receipt (18 boxes of NUT-M8), and invoice 77-4410 billing 20.
let examples = repositoryRoot.appendingPathComponent("Tests/EventsTests/Fixtures")

/// One key ring for every test here: ``ExternalModelAccess`` is process-wide, and secrets sealed by
/// one test's world must open with the ring another test enabled.
let sharedKeyRing: KeyRing = {
    do {
        return try KeyRing(currentKey: SymmetricKey(data: (0..<32).map { UInt8(200 - $0) }), id: "assist-tests")
    } catch {
        preconditionFailure("a 32-byte key is a valid key ring: \(error)")
    }
}()

/// Tenants with the three-way-match template deployed, the engine, and ingest — behind no HTTP.
struct AssistWorld {
    let pool: PostgresPool
    let databases: TenantDatabases
    let service: TenantService
    let tenants: [Slug]
    let engine: WorkflowEngine
    let ingest: IngestService

    var tenant: Slug { tenants[0] }

    /// Ingests the shared PO, receipt and invoice into `tenant` and runs its workflows.
    func postSharedExample(to tenant: Slug) async throws {
        for name in ["purchase_order.created.json", "goods_receipt.posted.json", "invoice.received.json"] {
            let body = try Data(contentsOf: examples.appendingPathComponent(name))
            _ = try await ingest.ingest(
                body: Array(body), tenant: tenant, idempotencyKey: nil,
                context: IngestContext(ingress: .api, detail: "test"))
        }
        _ = try await engine.process(tenant: tenant)
    }

    /// The result of the run's `assist` step, and the run id.
    func assistResult(_ tenant: Slug) async throws -> (run: UUID, result: JSONValue)? {
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                "SELECT run_id, result::text AS result FROM run_steps WHERE step_id = 'assist' ORDER BY id DESC LIMIT 1"
            )
        }
        guard let row = rows.first else { return nil }
        return (
            try row.decode("run_id", as: UUID.self), try JSONParser().parse(try row.decode("result", as: String.self))
        )
    }

    func runStatus(_ tenant: Slug, _ run: UUID) async throws -> (status: String, step: String?) {
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query("SELECT status, current_step FROM runs WHERE id = \(run)")
        }
        return (try rows[0].decode("status", as: String.self), try rows[0].decode("current_step", as: String?.self))
    }

    func count(_ tenant: Slug, _ sql: String) async throws -> Int {
        try await databases.withConnection(for: tenant) { connection in
            let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT (\(sql))::int AS n"))
            return try rows[0].decode("n", as: Int.self)
        }
    }

    /// Stores `cases` as the tenant's history.
    func seed(_ tenant: Slug, _ cases: [ResolvedCase]) async throws {
        try await databases.withTransaction(for: tenant) { tx in
            _ = try await CaseStore.insert(cases, origin: .import, on: tx)
        }
    }
}

/// `count` cases of `tenant` for supplier SUP-007 short shipments under 100 resolved as `cause`, plus a
/// contrasting class (missing receipts elsewhere), so the model has two root causes to choose from.
func history(_ tenant: Slug, prefix: String, shortShipmentCause: RootCause, count: Int = 40) throws -> [ResolvedCase] {
    let id = try TenantID(tenant.value)
    let start = Date(timeIntervalSince1970: 1_767_225_600)
    let resolution: Resolution = shortShipmentCause == .partialDelivery ? .holdForSecondReceipt : .postMissingReceipt
    var cases: [ResolvedCase] = []
    for index in 0..<count {
        let opened = start.addingTimeInterval(Double(index) * 86_400)
        cases.append(
            ResolvedCase(
                id: "\(prefix)-short-\(index)", tenant: id, supplier: "SUP-007", labels: [.shortShipment],
                amountBand: .under100, rootCause: shortShipmentCause, resolution: resolution, openedAt: opened,
                resolvedAt: opened.addingTimeInterval(3 * 86_400), decidedBy: "ap.clerk.ana"))
        cases.append(
            ResolvedCase(
                id: "\(prefix)-price-\(index)", tenant: id, supplier: "SUP-100", labels: [.priceVariance],
                amountBand: .under10k, rootCause: .supplierPriceIncrease, resolution: .requestCreditMemo,
                openedAt: opened, resolvedAt: opened.addingTimeInterval(2 * 86_400), decidedBy: "ap.clerk.ben"))
    }
    return cases
}

/// Creates `tenantCount` tenants with `template` deployed (the shipped three-way match unless given).
func withAssistWorld(
    tenantCount: Int = 1, template: WorkflowTemplate? = nil, _ body: (AssistWorld) async throws -> Void
) async throws {
    try await withTestPool(configuration: .init(maximumConnections: 4, checkoutTimeout: .seconds(30))) { pool in
        let migrator = try Migrator(
            pool: pool, migrationsDirectory: repositoryRoot.appendingPathComponent("Migrations"))
        try await migrator.migrate()
        let service = TenantService(pool: pool, migrator: migrator, keyRing: sharedKeyRing)
        let suffix = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(6))
        let partner = try Slug("ap_\(suffix)")
        let tenants = try (0..<tenantCount).map { try Slug("at\($0)_\(suffix)") }
        let databases = TenantDatabases(service: service, configuration: .init(maximumConnections: 8))
        do {
            _ = try await service.createPartner(
                slug: partner, kind: .erpPartner, displayName: "Assist Partner", supportEmail: "help@ap.example",
                actor: "test")
            let events = try EventCatalog.load(from: repositoryRoot.appendingPathComponent("Templates/events"))
            let shipped = try TemplateCatalog.load(
                from: repositoryRoot.appendingPathComponent("Templates"), knownEventTypes: Set(events.types.map(\.type))
            )
            let catalog = template.map { TemplateCatalog(templates: [$0]) } ?? shipped
            for tenant in tenants {
                _ = try await service.createTenant(
                    partner: partner, slug: tenant, legalName: "Assist Co", actor: "test")
                _ = try await Deployments(databases: databases, catalog: catalog).deploy(
                    tenant: tenant, slug: template?.slug ?? "three-way-match", version: nil, parameters: [:],
                    actor: "test")
            }
            try await body(
                AssistWorld(
                    pool: pool, databases: databases, service: service, tenants: tenants,
                    engine: WorkflowEngine(databases: databases),
                    ingest: IngestService(catalog: events, databases: databases)))
        } catch {
            await databases.close()
            for tenant in tenants { try? await dropTenantRole(pool, tenant) }
            throw error
        }
        await databases.close()
        for tenant in tenants { try await dropTenantRole(pool, tenant) }
    }
}

func dropTenantRole(_ pool: PostgresPool, _ tenant: Slug) async throws {
    ModelCache.shared.forget(tenant)
    let role = try SQLIdentifier(tenant.tenantSchemaName)
    try await pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(role.name)")
    try await pool.query("DROP SCHEMA IF EXISTS \(identifier: role) CASCADE")
    if try await !pool.query("SELECT 1 FROM pg_roles WHERE rolname = \(role.name)").isEmpty {
        try await pool.query("DROP OWNED BY \(identifier: role)")
        try await pool.query("DROP ROLE \(identifier: role)")
    }
}

/// The three-way-match template with auto-resolution enabled on its assist step, as a tenant could publish it.
func autoResolvingTemplate(below: String = "25.00") throws -> WorkflowTemplate {
    let text = try String(
        contentsOf: repositoryRoot.appendingPathComponent("Templates/three-way-match.json"), encoding: .utf8)
    let original =
        #"{"id": "assist", "kind": "assist", "match": "match", "sla_hours": "params.sla_hours", "next": "approve"}"#
    let changed =
        #"{"id": "assist", "kind": "assist", "match": "match", "sla_hours": "params.sla_hours", "next": "approve", "auto_resolve": {"below": "\#(below)", "minimum_confidence": "0.5", "labels": ["short_shipment"], "next": "release"}}"#
    guard text.contains(original) else { throw TemplateFixtureError() }
    return try WorkflowTemplate.parse(Data(text.replacingOccurrences(of: original, with: changed).utf8))
}

struct TemplateFixtureError: Error {}
