import ControlPlane
import Engine
import Events
import Finance
import Foundation
import HTTP
import Telemetry

/// `/v1` routes for workflows: the template catalog, deployments (a
/// partner's to its tenants), runs with their timelines, and human tasks.
/// Tasks are decided with a personal token: the engine checks the user's
/// role, approval limit and segregation of duties.
public struct WorkflowRoutes: Sendable {
    let catalog: TemplateCatalog
    let deployments: Deployments
    let runs: Runs
    let tasks: Tasks
    let evidence: Evidence
    let service: TenantService
    let authorization: Authorization

    public init(
        catalog: TemplateCatalog, databases: TenantDatabases, service: TenantService, logger: Logger,
        usage: UsageMeter = .enabled
    ) {
        self.catalog = catalog
        deployments = Deployments(
            databases: databases,
            resolver: TemplateResolver(catalog: catalog, published: PublishedVersions(pool: service.pool)))
        runs = Runs(databases: databases)
        tasks = Tasks(databases: databases, usage: usage, logger: logger)
        evidence = Evidence(databases: databases)
        self.service = service
        authorization = Authorization(logger: logger)
    }

    struct DeployBody: Decodable {
        let template: String
        let version: String?
        let parameters: [String: String]?
    }

    struct DecisionBody: Decodable {
        let decision: String
        let comment: String?
    }

    public func register(on routes: inout some RouteRegistrar) throws {
        try routes.get("/templates") { request in
            // What the caller can deploy: the shipped catalog with its partner's published versions.
            let partner: Slug?
            switch try request.principal().organization {
            case .provider: partner = nil
            case .partner(let mine): partner = mine
            case .tenant(_, let mine): partner = mine
            }
            let data: [JSONValue]
            if let partner {
                let entries = try await deployments.resolver.entries(partner: partner)
                data = entries.compactMap { entry in
                    entry.defaultVersion.map { preferred in
                        .object([
                            "slug": .string(entry.slug), "version": .string(preferred.version),
                            "title": .string(entry.title), "trigger": .string(preferred.trigger),
                            "origin": .string(preferred.origin.rawValue),
                            "versions": .array(entry.versions.map { .string($0.version) }),
                        ])
                    }
                }
            } else {
                data = catalog.slugs.compactMap { catalog.template($0) }.map { template in
                    .object([
                        "slug": .string(template.slug), "version": .string(template.version),
                        "title": .string(template.title), "trigger": .string(template.trigger),
                        "origin": .string("shipped"),
                        "versions": .array(catalog.versions(of: template.slug).map { .string($0.version) }),
                    ])
                }
            }
            return .jsonText(JSONValue.object(["data": .array(data)]).serialized())
        }
        try routes.post("/tenants/:slug/deployments") { request in
            let principal = try request.principal()
            let slug = try Slug(request.pathParameters["slug"] ?? "")
            let tenant = try await service.tenant(slug)
            try authorization.require(
                .manageTenant(tenant), by: principal, for: request, notFound: ControlPlaneError.tenantNotFound(slug.value))
            let body = try request.decodeJSON(DeployBody.self)
            let deployment = try await deployments.deploy(
                tenant: slug, slug: body.template, version: body.version,
                parameters: (body.parameters ?? [:]).mapValues(JSONValue.string), actor: principal.actor)
            return .jsonText(
                JSONValue.object([
                    "id": .string(deployment.id.uuidString.lowercased()), "template": .string(deployment.template.slug),
                    "version": .string(deployment.template.version), "parameters": .object(deployment.parameters),
                ]).serialized(), status: 201)
        }
        try routes.get("/runs") { request in
            let (_, tenant) = try request.tenant(requiring: .runsRead)
            let list = try await runs.list(
                tenant: tenant, template: request.queryValue("template"), status: request.queryValue("status"),
                cursor: try request.timeQuery("before"), limit: try request.limit())
            return .jsonText(JSONValue.object(["data": .array(list.map(Self.body))]).serialized())
        }
        try routes.get("/runs/:id") { request in
            let (_, tenant) = try request.tenant(requiring: .runsRead)
            guard let id = UUID(uuidString: request.pathParameters["id"] ?? ""),
                let (summary, context, steps, runTasks) = try await runs.run(tenant: tenant, id: id)
            else { throw HTTPError(.notFound, code: "run_not_found", message: "there is no such run") }
            var body = Self.body(summary).objectValue ?? [:]
            let parsedContext = (try? JSONParser(maxBytes: 16 << 20, maxDepth: 64).parse(context)) ?? .null
            body["results"] = parsedContext["steps"] ?? .object([:])
            body["timeline"] = .array(
                steps.map { step in
                    .object([
                        "step": .string(step.stepID), "kind": .string(step.kind), "outcome": .string(step.outcome),
                        "result": (try? JSONParser(maxBytes: 16 << 20, maxDepth: 64).parse(step.result)) ?? .null,
                        "started_at": .string(APITime.string(step.startedAt)),
                        "finished_at": .string(APITime.string(step.finishedAt)),
                    ])
                })
            body["tasks"] = .array(runTasks.map(Self.body))
            return .jsonText(JSONValue.object(body).serialized())
        }
        try routes.get("/exceptions") { request in
            let (_, tenant) = try request.tenant(requiring: .runsRead)
            let items = try await runs.openItems(tenant: tenant, limit: try request.limit())
            let now = Date()
            return .jsonText(
                JSONValue.object([
                    "data": .array(
                        items.map { item in
                            let sla: String =
                                item.dueAt.map { $0 < now ? "breached" : $0.timeIntervalSince(now) < 4 * 3600 ? "due_soon" : "on_time" }
                                ?? "none"
                            return .object([
                                "run": Self.body(item.run),
                                "kind": .string(item.taskID == nil ? "exception" : "approval"),
                                "task_id": item.taskID.map { .string($0.uuidString.lowercased()) } ?? .null,
                                "role": item.role.map(JSONValue.string) ?? .null,
                                "amount": Self.amount(item.amountMinor, item.currency),
                                "age_hours": .number(String(Int(now.timeIntervalSince(item.run.createdAt) / 3600))),
                                "due_at": item.dueAt.map { .string(APITime.string($0)) } ?? .null,
                                "sla": .string(sla), "escalated": .bool(item.escalated),
                            ])
                        })
                ]).serialized())
        }
        try routes.get("/runs/:id/evidence") { request in
            let (_, tenant) = try request.tenant(requiring: .runsRead)
            guard let id = UUID(uuidString: request.pathParameters["id"] ?? "") else {
                throw HTTPError(.notFound, code: "run_not_found", message: "there is no such run")
            }
            return .jsonText(try await evidence.export(tenant: tenant, run: id).serialized())
        }
        for resolution in [Runs.Resolution.retry, .cancel] {
            try routes.post("/runs/:id/\(resolution.rawValue)") { request in
                let (principal, tenant) = try request.tenant(requiring: .runsWrite)
                guard let id = UUID(uuidString: request.pathParameters["id"] ?? "") else {
                    throw HTTPError(.notFound, code: "run_not_found", message: "there is no such run")
                }
                let run = try await runs.resolve(
                    tenant: tenant, run: id, resolution, actor: principal.actor, requestID: request.context.requestID)
                return .jsonText(Self.body(run).serialized())
            }
        }
        try routes.get("/tasks") { request in
            let (_, tenant) = try request.tenant(requiring: .tasksRead)
            let list = try await tasks.list(
                tenant: tenant, status: request.queryValue("status"), role: request.queryValue("role"),
                limit: try request.limit())
            return .jsonText(JSONValue.object(["data": .array(list.map(Self.body))]).serialized())
        }
        try routes.post("/tasks/:id/decision") { request in
            let (principal, tenant) = try request.tenant(requiring: .tasksWrite)
            guard let user = principal.user else {
                throw HTTPError(
                    .forbidden, code: "personal_token_required",
                    message: "Decisions are made by people: use a personal token (countersign credential create --user).")
            }
            guard let id = UUID(uuidString: request.pathParameters["id"] ?? "") else {
                throw HTTPError(.notFound, code: "task_not_found", message: "there is no such task")
            }
            let body = try request.decodeJSON(DecisionBody.self)
            guard let decision = TaskDecision(rawValue: body.decision) else {
                throw HTTPError(
                    .unprocessableContent, code: "invalid_decision", message: "decision is approve, reject or request_info",
                    field: "decision")
            }
            let task = try await tasks.decide(
                tenant: tenant, task: id, decision: decision, comment: body.comment,
                decider: Decider(
                    user: user.email, roles: principal.roles, approvalLimitMinor: user.approvalLimitMinor,
                    approvalCurrency: user.approvalCurrency),
                requestID: request.context.requestID)
            return .jsonText(Self.body(task).serialized())
        }
    }

    /// `{"amount": "249.00", "currency": "USD"}`, as every amount in the API.
    static func amount(_ minor: Int64?, _ code: String?) -> JSONValue {
        guard let minor, let code, let currency = try? Currency(code) else { return .null }
        let money = Money(minorUnits: minor, currency: currency)
        return .object(["amount": .string(money.amountText), "currency": .string(code)])
    }

    static func body(_ run: Runs.Summary) -> JSONValue {
        .object([
            "id": .string(run.id.uuidString.lowercased()), "template": .string(run.template),
            "version": .string(run.version), "correlation_key": .string(run.correlationKey), "status": .string(run.status),
            "current_step": run.currentStep.map(JSONValue.string) ?? .null,
            "waiting_for": run.waitingFor.map(JSONValue.string) ?? .null, "error": run.error.map(JSONValue.string) ?? .null,
            "created_at": .string(APITime.string(run.createdAt)), "updated_at": .string(APITime.string(run.updatedAt)),
            "completed_at": run.completedAt.map { .string(APITime.string($0)) } ?? .null,
        ])
    }

    static func body(_ task: Tasks.Summary) -> JSONValue {
        .object([
            "id": .string(task.id.uuidString.lowercased()), "run_id": .string(task.runID.uuidString.lowercased()),
            "step": .string(task.stepID), "title": .string(task.title), "role": .string(task.role),
            "amount": amount(task.amountMinor, task.currency), "status": .string(task.status),
            "due_at": task.dueAt.map { .string(APITime.string($0)) } ?? .null,
            "escalated_at": task.escalatedAt.map { .string(APITime.string($0)) } ?? .null,
            "decided_by": task.decidedBy.map(JSONValue.string) ?? .null,
            "decided_at": task.decidedAt.map { .string(APITime.string($0)) } ?? .null,
            "comment": task.comment.map(JSONValue.string) ?? .null,
            "created_at": .string(APITime.string(task.createdAt)),
        ])
    }
}
