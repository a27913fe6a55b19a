import API
import ControlPlane
import Engine
import Events
import Foundation
import HTTP
import Postgres
import TestSupport
import Testing

/// Several shipped templates deployed into the ingest world's tenant, with
/// the people of ``People`` holding personal tokens: runs that relate across
/// templates (an invoice's dispute, its chargeback, the customer's credit hold).
struct DeployedTemplates {
    let world: IngestWorld
    /// Personal tokens by e-mail.
    let tokens: [String: String]

    /// An engine whose clock runs `offset` seconds ahead of real time: runs
    /// are created at the database's time, so a clock behind it would find none due.
    func engine(ahead offset: TimeInterval = 0) -> WorkflowEngine {
        WorkflowEngine(databases: world.databases, now: { Date().addingTimeInterval(offset) })
    }

    func process(ahead offset: TimeInterval = 0) async throws {
        _ = try await engine(ahead: offset).process(tenant: world.tenant)
    }

    func call(_ method: HTTPMethod, _ target: String, as user: String, body: String = "") async throws -> IngestReply {
        var headers: HTTPHeaders = ["Host": "localhost", "Authorization": "Bearer \(tokens[user] ?? "")"]
        if !body.isEmpty { headers.add("Content-Type", "application/json") }
        return try await world.send(method, target, headers: headers, body: body)
    }

    func post(_ event: String) async throws {
        let reply = try await world.post(event)
        #expect(reply.status == 201, "\(reply.text)")
    }

    /// The run of `template` for `key` (the newest when there are several: the API lists newest first), with its detail.
    func run(_ template: String, key: String) async throws -> [String: Any] {
        let runs = try await call(.get, "/v1/runs?template=\(template)", as: People.manager)
        let summary = try #require(
            (runs.json["data"] as? [[String: Any]])?.first { $0["correlation_key"] as? String == key },
            "no \(template) run for \(key): \(runs.text)")
        let id = try #require(summary["id"] as? String)
        return try await call(.get, "/v1/runs/\(id)", as: People.manager).json
    }

    /// The open task of the run.
    func openTask(of run: [String: Any]) async throws -> [String: Any] {
        let tasks = try await call(.get, "/v1/tasks?status=open", as: People.manager)
        return try #require(
            (tasks.json["data"] as? [[String: Any]])?.first { $0["run_id"] as? String == run["id"] as? String },
            "no open task for run \(run["id"] ?? "?"): \(tasks.text)")
    }

    func decide(_ task: [String: Any], _ decision: String, as user: String, comment: String? = nil) async throws
        -> IngestReply
    {
        let body = comment.map { #"{"decision": "\#(decision)", "comment": "\#($0)"}"# } ?? #"{"decision": "\#(decision)"}"#
        return try await call(.post, "/v1/tasks/\(task["id"] as? String ?? "")/decision", as: user, body: body)
    }

    /// The `data` of the event the run's `step` emitted; nil when it emitted none.
    func emitted(by run: [String: Any], step: String) async throws -> [String: Any]? {
        let id = run["id"] as? String ?? ""
        let reply = try await world.get("/v1/events/evt_\(id.prefix(13))_\(step)")
        guard reply.status == 200 else { return nil }
        return (reply.json["event"] as? [String: Any])?["data"] as? [String: Any]
    }

    static func results(_ run: [String: Any], _ step: String) -> [String: Any] {
        (run["results"] as? [String: Any])?[step] as? [String: Any] ?? [:]
    }

    static func timeline(_ run: [String: Any]) -> [String] {
        (run["timeline"] as? [[String: Any]] ?? []).map { $0["step"] as? String ?? "" }
    }

    /// `"12.50 USD"` for a money object.
    static func money(_ value: Any?) -> String? {
        guard let object = value as? [String: Any], let amount = object["amount"] as? String,
            let currency = object["currency"] as? String
        else { return nil }
        return "\(amount) \(currency)"
    }
}

/// The tenant's people: each could decide by role, so segregation of duties
/// is what stops those it names.
enum People {
    static let clerk = "ap.clerk.bo@client.example"
    static let secondClerk = "ap.clerk.cy@client.example"
    static let manager = "ap.manager.max@client.example"
    static let secondManager = "ap.manager.noor@client.example"
    static let arClerk = "ar.clerk.ito@client.example"
    static let controller = "controller.kim@client.example"
    static let secondController = "controller.osei@client.example"
    static let creditManager = "credit.ruiz@client.example"
    /// Receives the goods of the shared example events.
    static let receiver = "dock.lee@client.example"

    /// E-mail, roles, approval limit in USD cents.
    static let all: [(String, [String], Int64)] = [
        (clerk, ["ap_clerk"], 500_000),
        (secondClerk, ["ap_clerk"], 500_000),
        (manager, ["ap_manager"], 5_000_000),
        (secondManager, ["ap_manager"], 5_000_000),
        (arClerk, ["ap_manager"], 5_000_000),
        (controller, ["controller", "ap_manager"], 100_000_000),
        (secondController, ["controller"], 100_000_000),
        (creditManager, ["controller"], 100_000_000),
        (receiver, ["ap_clerk", "ap_manager", "warehouse_lead"], 5_000_000),
    ]
}

/// Deploys `slugs` (with their `parameters`) and runs `body` with `people`
/// (e-mail, roles, approval limit in USD cents) holding tokens.
func withTemplates(
    _ slugs: [String], parameters: [String: [String: JSONValue]] = [:],
    people: [(String, [String], Int64)] = People.all, _ body: (DeployedTemplates) async throws -> Void
) async throws {
    try await withIngestWorld { world in
        for slug in slugs { try await world.deployShipped(slug, parameters: parameters[slug] ?? [:]) }
        let tenantID = try await world.service.tenant(world.tenant).id
        var tokens: [String: String] = [:]
        let store = CredentialStore(pool: world.pool)
        func cleanUp() async throws {
            try await world.pool.query(
                "DELETE FROM control.api_credentials WHERE user_id IN (SELECT id FROM control.users WHERE tenant_id = \(tenantID))")
            try await world.pool.query("DELETE FROM control.users WHERE tenant_id = \(tenantID)")
        }
        do {
            for (email, roles, limit) in people {
                try await world.pool.query(
                    """
                    INSERT INTO control.users (scope, tenant_id, email, display_name, roles, approval_limit_minor, approval_currency)
                    VALUES ('tenant', \(tenantID), \(email), \(email), \(roles), \(limit), 'USD')
                    """)
                let (_, key) = try await store.issue(
                    for: .tenant(world.tenant), scopes: [.runsRead, .tasksRead, .tasksWrite], user: email, actor: "test")
                tokens[email] = key.reveal()
            }
            try await body(DeployedTemplates(world: world, tokens: tokens))
        } catch {
            try? await cleanUp()
            throw error
        }
        try await cleanUp()
    }
}
