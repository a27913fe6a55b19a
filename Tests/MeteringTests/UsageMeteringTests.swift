import Billing
import ControlPlane
import Engine
import Events
import Finance
import Foundation
import Ingest
import Metering
import Postgres
import Testing

private let fixtures = repositoryRoot.appendingPathComponent("Tests/EventsTests/Fixtures")

/// A tenant with ingest and the three-way-match template deployed.
private struct Workload {
    let world: MeteringWorld
    let tenant: Slug
    let databases: TenantDatabases
    let ingest: IngestService

    func post(_ body: String, key: String? = nil) async throws -> IngestResponse {
        try await ingest.ingest(
            body: Array(body.utf8), tenant: tenant, idempotencyKey: key.map { "api:\($0)" },
            context: IngestContext(ingress: .api, detail: "test"))
    }

    var usage: UsageMeter { ingest.configuration.usage }

    static func with(usage: UsageMeter = .enabled, _ body: (Workload) async throws -> Void) async throws {
        try await MeteringWorld.with { world in
            let partner = try await world.partner("pw")
            let tenant = try await world.tenant("tw", of: partner)
            let databases = TenantDatabases(service: world.service, configuration: .init(maximumConnections: 4))
            let catalog = try EventCatalog.load(from: repositoryRoot.appendingPathComponent("Templates/events"))
            var settings = IngestService.Configuration()
            settings.usage = usage
            let workload = Workload(
                world: world, tenant: tenant, databases: databases,
                ingest: IngestService(catalog: catalog, databases: databases, configuration: settings))
            do {
                try await body(workload)
            } catch {
                await databases.close()
                throw error
            }
            await databases.close()
        }
    }
}

private func fixture(_ name: String) throws -> String {
    try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
}

private func adjustment(_ id: String) -> String {
    #"{"type":"stock.adjusted","id":"\#(id)","occurred_at":"2026-11-20T10:00:00Z","source":"wms","data":{"adjustment_number":"ADJ-\#(id)","warehouse":"DAL-1","reason":"damage","adjusted_by":"dock.lee@client.example","lines":[{"sku":"BOLT-M8-40","quantity":"-3","uom":"EA"}]}}"#
}

@Suite("Metering the work")
struct UsageMeteringTests {
    @Test func repeatedRequestsAndRepeatedEventsAreCountedOnce() async throws {
        try await Workload.with { load in
            let first = try await load.post(adjustment("evt_adj_1"), key: "k-1")
            let repeated = try await load.post(adjustment("evt_adj_1"), key: "k-1")
            #expect(first.status == 201)
            #expect(repeated == first)
            #expect(try await load.world.counted(load.tenant, "events.accepted") == 1)
            // The same event under another key, or none, is a harmless re-send: stored and counted once.
            _ = try await load.post(adjustment("evt_adj_1"), key: "k-2")
            _ = try await load.post(adjustment("evt_adj_1"))
            #expect(try await load.world.counted(load.tenant, "events.accepted") == 1)
            // A batch of one known and one new event counts the new one only.
            let batch = #"{"events": [\#(adjustment("evt_adj_1")), \#(adjustment("evt_adj_2"))]}"#
            #expect(try await load.post(batch).status < 300)
            #expect(try await load.world.counted(load.tenant, "events.accepted") == 2)
        }
    }

    @Test func aRecountMatchesAfterAMixedWorkloadAndRepairsAnIntroducedDifference() async throws {
        try await Workload.with { load in
            let world = load.world
            let templates = try TemplateCatalog.load(
                from: repositoryRoot.appendingPathComponent("Templates"),
                knownEventTypes: Set(load.ingest.catalog.types.map(\.type)))
            _ = try await Deployments(databases: load.databases, catalog: templates).deploy(
                tenant: load.tenant, slug: "three-way-match", version: nil, parameters: [:], actor: "test")
            for name in ["purchase_order.created.json", "goods_receipt.posted.json", "invoice.received.json"] {
                #expect(try await load.post(try fixture(name), key: name).status == 201)
            }
            // A retried request answered from storage.
            _ = try await load.post(try fixture("invoice.received.json"), key: "invoice.received.json")
            let engine = WorkflowEngine(databases: load.databases)
            try await engine.process(tenant: load.tenant)
            let schema = try SQLIdentifier(load.tenant.tenantSchemaName)
            let open = try await world.pool.query(
                "SELECT id FROM \(identifier: schema, try SQLIdentifier("tasks")) WHERE status = 'open'")
            let task = try #require(try open.first?.decode("id", as: UUID.self))
            let bo = Decider(
                user: "ap.clerk.bo@client.example", roles: ["ap_clerk"], approvalLimitMinor: 500_000, approvalCurrency: "USD")
            _ = try await Tasks(databases: load.databases).decide(
                tenant: load.tenant, task: task, decision: .approve, comment: nil, decider: bo, requestID: nil)
            try await engine.process(tenant: load.tenant)

            // API calls: two by an organisation key, one with the auditor's personal token, one more by bo.
            let calls = APICallMeter(pool: world.pool)
            calls.record(tenant: load.tenant, user: nil)
            calls.record(tenant: load.tenant, user: nil)
            calls.record(tenant: load.tenant, user: "Auditor@Client.example")
            calls.record(tenant: load.tenant, user: "ap.clerk.bo@client.example")
            #expect(calls.unflushedCalls(of: load.tenant) == 4)
            await calls.flush()
            #expect(calls.unflushedCalls(of: load.tenant) == 0)

            #expect(try await world.counted(load.tenant, "events.accepted") == 3)
            #expect(try await world.counted(load.tenant, "engine.runs_started") == 1)
            #expect(try await world.counted(load.tenant, "engine.runs_completed") == 1)
            #expect(try await world.counted(load.tenant, "engine.human_decisions") == 1)
            #expect(try await world.counted(load.tenant, "api.calls") == 4)
            // bo (deciding and calling) and the auditor: two people.
            #expect(try await world.counted(load.tenant, "users.active") == 2)

            let today = UTCDay(Date())
            let recount = UsageRecount(pool: world.pool)
            let clean = try await recount.run(
                tenant: load.tenant, from: today.adding(days: -1), through: today.adding(days: 1), fix: false, actor: "test")
            #expect(clean.differences.isEmpty, "\(clean.differences)")
            #expect(clean.underivable == [.apiCalls])

            // Two events counted that no record backs.
            try await world.addUsage(load.tenant, day: today.description, metric: "events.accepted", shard: 9, quantity: 2)
            try await world.addUsage(load.tenant, day: "2026-01-05", metric: "engine.runs_started", quantity: 1)
            let found = try await recount.run(
                tenant: load.tenant, from: try #require(UTCDay.parse("2026-01-01")), through: today, fix: false, actor: "test")
            #expect(found.differences.count == 2)
            #expect(found.differences.first?.day.description == "2026-01-05")
            #expect(found.differences.first?.meter == .runsStarted)
            #expect(found.differences.last?.meter == .eventsAccepted)
            #expect(found.differences.last?.counted == 5)
            #expect(found.differences.last?.derived == 3)
            #expect(!found.fixed)

            let fixed = try await recount.run(
                tenant: load.tenant, from: try #require(UTCDay.parse("2026-01-01")), through: today, fix: true, actor: "ops")
            #expect(fixed.fixed)
            #expect(try await world.counted(load.tenant, "events.accepted") == 3)
            #expect(try await world.counted(load.tenant, "engine.runs_started", day: "2026-01-05") == 0)
            let again = try await recount.run(
                tenant: load.tenant, from: try #require(UTCDay.parse("2026-01-01")), through: today, fix: false, actor: "test")
            #expect(again.differences.isEmpty)
            let audit = try await world.pool.query(
                "SELECT actor, details FROM control.audit_log WHERE action = 'usage.recounted' AND subject = \("tenant:\(load.tenant)")")
            #expect(audit.count == 1)
            #expect(try audit.first?.decode("actor", as: String.self) == "ops")
        }
    }

    /// `serve --metering off` exists for `ops/bench/ingest --compare-metering`; it must really write no usage, and
    /// the same workload with metering on must write it, or the benchmark compares nothing.
    @Test(arguments: [UsageMeter.enabled, .disabled])
    func meteringOffWritesNoUsageAndOnDoes(usage: UsageMeter) async throws {
        try await Workload.with(usage: usage) { load in
            let templates = try TemplateCatalog.load(
                from: repositoryRoot.appendingPathComponent("Templates"),
                knownEventTypes: Set(load.ingest.catalog.types.map(\.type)))
            _ = try await Deployments(databases: load.databases, catalog: templates).deploy(
                tenant: load.tenant, slug: "three-way-match", version: nil, parameters: [:], actor: "test")
            for name in ["purchase_order.created.json", "goods_receipt.posted.json", "invoice.received.json"] {
                #expect(try await load.post(try fixture(name), key: name).status == 201)
            }
            var settings = WorkflowEngine.Configuration()
            settings.usage = load.usage
            let engine = WorkflowEngine(databases: load.databases, configuration: settings)
            try await engine.process(tenant: load.tenant)
            let schema = try SQLIdentifier(load.tenant.tenantSchemaName)
            let open = try await load.world.pool.query(
                "SELECT id FROM \(identifier: schema, try SQLIdentifier("tasks")) WHERE status = 'open'")
            let task = try #require(try open.first?.decode("id", as: UUID.self))
            let bo = Decider(
                user: "ap.clerk.bo@client.example", roles: ["ap_clerk"], approvalLimitMinor: 500_000, approvalCurrency: "USD")
            _ = try await Tasks(databases: load.databases, usage: load.usage).decide(
                tenant: load.tenant, task: task, decision: .approve, comment: nil, decider: bo, requestID: nil)
            try await engine.process(tenant: load.tenant)
            // The work itself happens either way.
            let runs = try await load.world.pool.query(
                "SELECT status FROM \(identifier: schema, try SQLIdentifier("runs"))")
            var statuses: [String] = []
            for row in runs { statuses.append(try row.decode("status", as: String.self)) }
            #expect(statuses == ["completed"])

            let rows = try await load.world.pool.query(
                """
                SELECT (SELECT count(*) FROM \(identifier: schema, try SQLIdentifier("usage_counters")))::int AS counters,
                       (SELECT count(*) FROM \(identifier: schema, try SQLIdentifier("active_users")))::int AS users
                """)
            let counters = try rows[0].decode("counters", as: Int.self), users = try rows[0].decode("users", as: Int.self)
            if usage.isEnabled {
                #expect(try await load.world.counted(load.tenant, "events.accepted") == 3)
                #expect(try await load.world.counted(load.tenant, "engine.runs_completed") == 1)
                #expect(try await load.world.counted(load.tenant, "engine.human_decisions") == 1)
                #expect(users == 1)
            } else {
                #expect(counters == 0)
                #expect(users == 0)
            }
        }
    }
}
