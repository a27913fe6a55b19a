import ControlPlane
import Engine
import Events
import Foundation
import HTTP
import Rendering

/// The tenant's workflow runs, newest first, and one run's timeline: its
/// steps with their results, and its tasks with their decisions.
struct RunPages: Sendable {
    let portal: Portal
    static let pageSize = 50

    func list(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, tenant) = try request.requireTenantUser()
        try EventPages.require(user, "runs:read")
        let query = request.request
        let template = query.queryValue("template").flatMap { $0.isEmpty ? nil : $0 }
        let status = query.queryValue("status").flatMap { Runs.statuses.contains($0) ? $0 : nil }
        let cursor = RunCursor(before: query.queryValue("before"), id: query.queryValue("id"))
        // One more than shown tells whether there is a next page.
        let found = try await Runs(databases: portal.dependencies.databases).list(
            tenant: tenant, template: template, status: status, cursor: cursor?.createdAt, cursorID: cursor?.id,
            limit: Self.pageSize + 1)
        let shown = found.prefix(Self.pageSize)
        let dates = portal.dates(for: request)
        let rows: [ViewValue] = shown.map { run in
            [
                "href": .string("/runs/\(run.id.uuidString.lowercased())"),
                "id": .string(String(run.id.uuidString.lowercased().prefix(8))),
                "template": .string(run.template), "version": .string(run.version),
                "reference": .string(run.correlationKey), "status": .string(run.status),
                "tone": .string(Self.tone(run.status)), "step": .string(run.currentStep ?? "—"),
                "error": .string(run.error ?? ""), "created": .string(dates.dateTime(run.createdAt)),
                "updated": .string(dates.dateTime(run.updatedAt)),
            ]
        }
        var filters = ""
        if let template { filters += "&template=\(WorkPages.queryEscape(template))" }
        if let status { filters += "&status=\(status)" }
        let next = shown.last.map { RunCursor(createdAt: $0.createdAt, id: $0.id).query + filters } ?? ""
        var templates = portal.dependencies.templates?.slugs ?? []
        if let template, !templates.contains(template) { templates.append(template) }
        return try portal.render(
            "runs", request, title: "Runs",
            page: [
                "runs": .list(rows), "has_more": .bool(found.count > Self.pageSize), "next_href": .string("/runs?" + next),
                "is_first_page": .bool(cursor == nil), "first_href": .string("/runs?" + filters.dropFirst()),
                "templates": .list(templates.map { ["value": .string($0), "selected": .bool($0 == template)] }),
                "any_template": .bool(template == nil),
                "statuses": .list(
                    Runs.statuses.sorted().map { ["value": .string($0), "selected": .bool($0 == status)] }),
                "any_status": .bool(status == nil),
            ])
    }

    func show(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, tenant) = try request.requireTenantUser()
        try EventPages.require(user, "runs:read")
        guard let id = UUID(uuidString: request.request.pathParameters["id"] ?? ""),
            let (run, _, steps, tasks) = try await Runs(databases: portal.dependencies.databases).run(tenant: tenant, id: id)
        else {
            throw PortalError(status: 404, code: "run_not_found", message: "There is no such run.")
        }
        let dates = portal.dates(for: request)
        let canReadTasks = user.principal.has(scope: "tasks:read")
        let timeline: [ViewValue] = steps.map { step in
            [
                "step": .string(step.stepID), "kind": .string(step.kind), "outcome": .string(step.outcome),
                "tone": .string(Self.tone(step.outcome)), "started": .string(dates.dateTime(step.startedAt)),
                "finished": .string(dates.dateTime(step.finishedAt)),
                "duration": .string(Self.duration(step.finishedAt.timeIntervalSince(step.startedAt))),
                "result": .string(Self.readable(step.result)),
            ]
        }
        let taskRows: [ViewValue] = tasks.map { task in
            [
                "href": .string("/tasks/\(task.id.uuidString.lowercased())"), "linked": .bool(canReadTasks),
                "title": .string(task.title), "step": .string(task.stepID), "role": .string(task.role),
                "amount": .string(WorkPages.money(task.amountMinor, task.currency)), "status": .string(task.status),
                "tone": .string(Self.tone(task.status)),
                "due": .string(task.dueAt.map(dates.dateTime) ?? "—"),
                "decided_by": .string(task.decidedBy ?? "—"),
                "decided_at": .string(task.decidedAt.map(dates.dateTime) ?? "—"),
                "comment": .string(task.comment ?? ""),
            ]
        }
        return try portal.render(
            "run", request, title: "Run \(run.correlationKey)",
            page: [
                "run": [
                    "id": .string(run.id.uuidString.lowercased()), "template": .string(run.template),
                    "version": .string(run.version), "reference": .string(run.correlationKey),
                    "status": .string(run.status), "tone": .string(Self.tone(run.status)),
                    "step": .string(run.currentStep ?? "—"), "waiting_for": .string(run.waitingFor ?? ""),
                    "error": .string(run.error ?? ""), "created": .string(dates.dateTime(run.createdAt)),
                    "updated": .string(dates.dateTime(run.updatedAt)),
                    "completed": .string(run.completedAt.map(dates.dateTime) ?? "—"),
                ],
                "timeline": .list(timeline), "tasks": .list(taskRows),
            ])
    }

    /// Badge colours; the text always says the status too.
    static func tone(_ status: String) -> String {
        switch status {
        case "completed", "matched", "approved", "delivered", "ok", "approve": "success"
        case "exception", "failed", "rejected", "dead", "cancelled", "reject": "danger"
        case "waiting", "open", "pending", "request_info": "warning"
        default: "info"
        }
    }

    static func duration(_ seconds: TimeInterval) -> String {
        if seconds < 1 { return "\(Int((seconds * 1_000).rounded())) ms" }
        if seconds < 120 { return String(format: "%.1f s", seconds) }
        return HomePages.duration(seconds)
    }

    /// A step's JSON result indented for reading; the text as stored if it does not parse.
    static func readable(_ json: String) -> String {
        guard let value = try? JSONParser(maxBytes: 16 << 20, maxDepth: 64).parse(json) else { return json }
        return JSONText.indented(value)
    }
}

/// Where the next page of runs starts: the last shown run's creation instant
/// (to the microsecond, as stored) and id.
struct RunCursor: Equatable {
    let createdAt: Date
    let id: UUID

    init(createdAt: Date, id: UUID) {
        self.createdAt = createdAt
        self.id = id
    }

    init?(before: String?, id: String?) {
        guard let before, let micros = Int64(before), let id, let uuid = UUID(uuidString: id) else { return nil }
        self.init(createdAt: Date(timeIntervalSince1970: Double(micros) / 1_000_000), id: uuid)
    }

    var query: String {
        "before=\(Int64((createdAt.timeIntervalSince1970 * 1_000_000).rounded()))&id=\(id.uuidString.lowercased())"
    }
}
