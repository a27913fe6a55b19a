import ControlPlane
import Engine
import Events
import Foundation
import HTTP
import Postgres
import Rendering

/// The exception queue, a task with its evidence, and deciding it.
struct WorkPages: Sendable {
    let portal: Portal
    static let pageSize = 50

    enum Sort: String, CaseIterable {
        /// The assistant's priority score (exposure, SLA risk, age, supplier history) first.
        case priority
        /// The most money at stake first.
        case exposure
        /// The nearest (or most overdue) SLA first.
        case sla
        /// The oldest first.
        case age
    }

    func queue(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, tenant) = try request.requireTenantUser()
        try requireScope(user, "tasks:read")
        let sort = request.request.queryValue("sort").flatMap(Sort.init(rawValue:)) ?? .priority
        let template = request.request.queryValue("template").flatMap { $0.isEmpty ? nil : $0 }
        let page = max(1, min(Int(request.request.queryValue("page") ?? "") ?? 1, 10_000))
        let formatter = portal.dates(for: request)
        let now = Date()
        let (rows, total, templates) = try await portal.dependencies.databases.withConnection(for: tenant) { connection in
            let order: StaticString =
                switch sort {
                case .priority: "priority DESC NULLS LAST, t.amount_minor DESC NULLS LAST, r.created_at"
                case .exposure: "t.amount_minor DESC NULLS LAST, r.created_at"
                case .sla: "t.due_at NULLS LAST, r.created_at"
                case .age: "r.created_at, r.id"
                }
            let rows = try await connection.query(
                """
                SELECT r.id AS run_id, r.template_slug, r.correlation_key, r.status, r.error, r.created_at,
                       t.id AS task_id, t.title, t.role, t.amount_minor, t.currency, t.due_at, t.escalated_at,
                       (SELECT (s.result #>> '{priority,score}')::float8 FROM run_steps s
                        WHERE s.run_id = r.id AND s.kind = 'assist' ORDER BY s.id DESC LIMIT 1) AS priority
                FROM runs r LEFT JOIN tasks t ON t.run_id = r.id AND t.status = 'open'
                WHERE (r.status = 'exception' OR t.id IS NOT NULL)
                  AND (\(template)::text IS NULL OR r.template_slug = \(template))
                ORDER BY \(fragment: order)
                LIMIT \(Self.pageSize) OFFSET \((page - 1) * Self.pageSize)
                """)
            let total = try await connection.query(
                """
                SELECT count(*)::bigint AS n FROM runs r LEFT JOIN tasks t ON t.run_id = r.id AND t.status = 'open'
                WHERE (r.status = 'exception' OR t.id IS NOT NULL)
                  AND (\(template)::text IS NULL OR r.template_slug = \(template))
                """)[0].decode("n", as: Int.self)
            let templates = try await connection.query(
                "SELECT DISTINCT template_slug FROM runs WHERE status IN ('exception', 'waiting') ORDER BY 1")
                .map { try $0.decode("template_slug", as: String.self) }
            return (rows, total, templates)
        }
        var items: [ViewValue] = []
        for row in rows {
            let due = try row.decode("due_at", as: Date?.self)
            let taskID = try row.decode("task_id", as: UUID?.self)
            let runID = try row.decode("run_id", as: UUID.self)
            let created = try row.decode("created_at", as: Date.self)
            let overdue = due.map { $0 < now } ?? false
            items.append([
                "href": .string(taskID.map { "/tasks/\($0.uuidString.lowercased())" } ?? "/exceptions"),
                "has_task": .bool(taskID != nil),
                "title": .string(try row.decode("title", as: String?.self) ?? "Run \(runID.uuidString.lowercased().prefix(8)) needs attention"),
                "template": .string(try row.decode("template_slug", as: String.self)),
                "reference": .string(try row.decode("correlation_key", as: String.self)),
                "role": .string(try row.decode("role", as: String?.self) ?? "—"),
                "amount": .string(Self.money(try row.decode("amount_minor", as: Int64?.self), try row.decode("currency", as: String?.self))),
                "due": .string(due.map(formatter.dateTime) ?? "—"),
                "overdue": .bool(overdue),
                "escalated": .bool(try row.decode("escalated_at", as: Date?.self) != nil),
                "age": .string(Self.age(since: created, now: now)),
                "priority": .string(try row.decode("priority", as: Double?.self).map { String(Int($0.rounded())) } ?? "—"),
                "status": .string(try row.decode("status", as: String.self)),
                "error": .string(try row.decode("error", as: String?.self) ?? ""),
            ])
        }
        let pages = max(1, (total + Self.pageSize - 1) / Self.pageSize)
        func link(_ number: Int) -> String {
            var query = "?sort=\(sort.rawValue)&page=\(number)"
            if let template { query += "&template=\(Self.queryEscape(template))" }
            return "/exceptions" + query
        }
        var flash: [FlashMessage] = []
        if let done = request.request.queryValue("decided"), let decision = TaskDecision(rawValue: done) {
            flash.append(FlashMessage(.success, "Your decision (\(decision.rawValue.replacingOccurrences(of: "_", with: " "))) is recorded."))
        }
        return try portal.render(
            "exceptions", request, title: "Exceptions",
            page: [
                "items": .list(items), "total": .int(total), "page": .int(page), "pages": .int(pages),
                "has_previous": .bool(page > 1), "previous_href": .string(link(max(1, page - 1))),
                "has_next": .bool(page < pages), "next_href": .string(link(min(pages, page + 1))),
                "sorts": .list(Sort.allCases.map { ["value": .string($0.rawValue), "label": .string(Self.label($0)), "selected": .bool($0 == sort)] }),
                "templates": .list(templates.map { ["value": .string($0), "selected": .bool($0 == template)] }),
                "any_template": .bool(template == nil),
            ],
            flash: flash)
    }

    func task(_ request: PortalRequest) async throws -> HTTPResponse {
        try await taskPage(request, error: nil, status: .ok)
    }

    func decide(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, tenant) = try request.requireTenantUser()
        let form = try Portal.form(request.request)
        try request.requireCSRF(form)
        try requireScope(user, "tasks:write")
        let id = try taskID(request)
        guard let decision = TaskDecision(rawValue: form["decision"] ?? "") else {
            return try await taskPage(request, error: "Choose approve, reject or request information.", status: .unprocessableContent)
        }
        guard let person = user.principal.user else { throw PortalRedirect(location: "/login") }
        let comment = form["comment"].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        do {
            let tasks = Tasks(
                databases: portal.dependencies.databases, usage: portal.dependencies.ingest?.configuration.usage ?? .enabled,
                logger: portal.dependencies.logger)
            _ = try await tasks.decide(
                tenant: tenant, task: id, decision: decision, comment: comment,
                decider: Decider(
                    user: person.email, roles: user.principal.roles, approvalLimitMinor: person.approvalLimitMinor,
                    approvalCurrency: person.approvalCurrency),
                requestID: request.request.context.requestID)
        } catch let error as TaskError {
            return try await taskPage(request, error: error.message, status: HTTPStatus(code: error.httpStatus))
        }
        throw PortalRedirect(location: "/exceptions?decided=\(decision.rawValue)")
    }

    private func taskPage(_ request: PortalRequest, error: String?, status: HTTPStatus) async throws -> HTTPResponse {
        let (user, tenant) = try request.requireTenantUser()
        try requireScope(user, "tasks:read")
        let id = try taskID(request)
        let formatter = portal.dates(for: request)
        let databases = portal.dependencies.databases
        let found = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT t.id, t.run_id, t.step_id, t.title, t.role, t.amount_minor, t.currency, t.status, t.due_at,
                       t.escalated_at, t.decided_by, t.decided_at, t.decision_comment, t.excluded_users::text AS excluded
                FROM tasks t WHERE t.id = \(id)
                """
            ).first
        }
        guard let row = found else { throw PortalError(status: 404, code: "task_not_found", message: "There is no such task.") }
        let runID = try row.decode("run_id", as: UUID.self)
        guard let (run, _, steps, _) = try await Runs(databases: databases).run(tenant: tenant, id: runID) else {
            throw PortalError(status: 404, code: "run_not_found", message: "The task's run no longer exists.")
        }
        let role = try row.decode("role", as: String.self)
        let amount = try row.decode("amount_minor", as: Int64?.self)
        let currency = try row.decode("currency", as: String?.self)
        // {user, rule} per person the template's segregation rules keep from deciding.
        let excluded = try JSONParser().parse(try row.decode("excluded", as: String.self)).arrayValue?
            .compactMap { $0["user"]?.stringValue } ?? []
        let isOpen = try row.decode("status", as: String.self) == "open"
        let blocker = Self.blocker(
            user: user, role: role, amount: amount, currency: currency, excluded: excluded, isOpen: isOpen)

        var match: ViewValue = .null
        var assistant: ViewValue = .null
        var timeline: [ViewValue] = []
        for step in steps {
            timeline.append([
                "step": .string(step.stepID), "kind": .string(step.kind), "outcome": .string(step.outcome),
                "at": .string(formatter.dateTime(step.startedAt)),
            ])
            let result = try? JSONParser(maxBytes: 16 << 20, maxDepth: 64).parse(step.result)
            if step.kind == "three_way_match", let result { match = Self.matchView(result) }
            if step.kind == "assist", let result { assistant = Self.assistantView(result) }
        }
        var flash: [FlashMessage] = []
        if let error { flash.append(FlashMessage(.error, error)) }
        return try portal.render(
            "task", request, title: try row.decode("title", as: String.self), status: status,
            page: [
                "task": [
                    "id": .string(id.uuidString.lowercased()), "title": .string(try row.decode("title", as: String.self)),
                    "role": .string(role), "amount": .string(Self.money(amount, currency)),
                    "status": .string(try row.decode("status", as: String.self)),
                    "due": .string(try row.decode("due_at", as: Date?.self).map(formatter.dateTime) ?? "—"),
                    "escalated": .bool(try row.decode("escalated_at", as: Date?.self) != nil),
                    "decided_by": .string(try row.decode("decided_by", as: String?.self) ?? ""),
                    "comment": .string(try row.decode("decision_comment", as: String?.self) ?? ""),
                    "action": .string("/tasks/\(id.uuidString.lowercased())/decision"),
                ],
                "run": [
                    "id": .string(run.id.uuidString.lowercased()), "template": .string(run.template),
                    "reference": .string(run.correlationKey), "status": .string(run.status),
                ],
                "match": match, "has_match": .bool(match != .null), "timeline": .list(timeline),
                "assistant": assistant, "has_assistant": .bool(assistant != .null),
                "can_decide": .bool(isOpen && blocker == nil), "blocker": .string(blocker ?? ""),
                "has_blocker": .bool(isOpen && blocker != nil),
            ],
            flash: flash)
    }

    /// Why this user may not decide, shown before they try (the engine checks again on submit).
    static func blocker(
        user: SessionStore.SignedIn, role: String, amount: Int64?, currency: String?, excluded: [String], isOpen: Bool
    ) -> String? {
        guard isOpen else { return nil }
        guard user.principal.has(scope: "tasks:write") else { return "Your role can view tasks but not decide them." }
        if let email = user.principal.user?.email, excluded.contains(email) {
            return "Segregation of duties: you took part in this transaction, so someone else must decide it."
        }
        guard user.principal.roles.contains(role) else {
            return "This task is for the \(role.replacingOccurrences(of: "_", with: " ")) role, which you do not hold."
        }
        if let amount, let limit = user.principal.user?.approvalLimitMinor,
            user.principal.user?.approvalCurrency == currency, amount > limit
        {
            return "The amount is above your approval limit of \(money(limit, currency))."
        }
        return nil
    }

    /// The side-by-side PO / receipt / invoice table from a three-way-match result.
    static func matchView(_ result: JSONValue) -> ViewValue {
        func text(_ value: JSONValue?) -> String {
            switch value {
            case .string(let text)?: return text
            case .number(let text)?: return text
            default: return "—"
            }
        }
        func amount(_ value: JSONValue?) -> String {
            guard let amount = value?["amount"]?.stringValue, let currency = value?["currency"]?.stringValue else { return "—" }
            return "\(currency) \(amount)"
        }
        let lines: [ViewValue] = (result["lines"]?.arrayValue ?? []).map { line in
            let reasons = (line["reasons"]?.arrayValue ?? []).compactMap { $0["message"]?.stringValue }
            return [
                "invoice_line": .string(text(line["invoice_line"])), "po_line": .string(text(line["po_line"])),
                "sku": .string(text(line["sku"])), "uom": .string(text(line["uom"])),
                "ordered": .string(text(line["ordered_quantity"])), "received": .string(text(line["received_quantity"])),
                "invoiced": .string(text(line["invoiced_quantity"])),
                "order_price": .string(text(line["order_unit_price"])),
                "invoice_price": .string(text(line["invoice_unit_price"])),
                "amount": .string(amount(line["amount"])), "outcome": .string(text(line["outcome"])),
                "variance": .bool(text(line["outcome"]) != "matched"),
                "reasons": .string(reasons.joined(separator: " ")),
            ]
        }
        return [
            "outcome": .string(text(result["outcome"])), "invoice_number": .string(text(result["invoice_number"])),
            "po_number": .string(text(result["po_number"])), "supplier": .string(text(result["supplier_id"])),
            "invoice_total": .string(amount(result["invoice_total"])),
            "variance_total": .string(amount(result["variance_total"])),
            "reasons": .list((result["reasons"]?.arrayValue ?? []).compactMap { $0["message"]?.stringValue }.map(ViewValue.string)),
            "lines": .list(lines),
        ]
    }

    /// The assistant's recommendation from an `assist` step: what it suggests,
    /// how sure it is, why, and the past cases it drew on. It never decides here.
    static func assistantView(_ result: JSONValue) -> ViewValue {
        let recommendation = result["recommendation"]
        func text(_ value: JSONValue?) -> String {
            switch value {
            case .number(let text)?: return text
            case .string(let text)?: return text
            default: return ""
            }
        }
        let confidence = Double(text(recommendation?["confidence"]))
        let parts: [ViewValue] = (result["priority"]?["parts"]?.arrayValue ?? []).map { part in
            [
                "name": .string(text(part["factor"]).replacingOccurrences(of: "_", with: " ")),
                "explanation": .string("\(text(part["points"])) points — \(text(part["sentence"]))"),
            ]
        }
        let similar: [ViewValue] = (recommendation?["similar_cases"]?.arrayValue ?? []).map { item in
            .string(item["id"]?.stringValue ?? "")
        }
        return [
            "labels": .list((result["labels"]?.arrayValue ?? []).compactMap(\.stringValue).map(ViewValue.string)),
            "has_recommendation": .bool(recommendation?["root_cause"]?.stringValue != nil),
            "root_cause": .string(recommendation?["root_cause"]?.stringValue ?? ""),
            "resolution": .string(recommendation?["sentence"]?.stringValue ?? ""),
            "confidence": .string(confidence.map { "\(Int(($0 * 100).rounded())) %" } ?? "—"),
            "priority": .string(result["priority"]?["score"] == nil ? "—" : text(result["priority"]?["score"])),
            "parts": .list(parts), "similar": .list(similar),
        ]
    }

    private func taskID(_ request: PortalRequest) throws -> UUID {
        guard let id = UUID(uuidString: request.request.pathParameters["id"] ?? "") else {
            throw PortalError(status: 404, code: "task_not_found", message: "There is no such task.")
        }
        return id
    }

    private func requireScope(_ user: SessionStore.SignedIn, _ scope: String) throws {
        guard user.principal.has(scope: scope) else {
            throw PortalError(status: 403, code: "forbidden", message: "Your role does not allow this.")
        }
    }

    static func money(_ minor: Int64?, _ currency: String?) -> String {
        guard let minor, let currency, let text = try? MoneyText.format(minorUnits: minor, currency: currency) else { return "—" }
        return text
    }

    static func age(since start: Date, now: Date) -> String {
        let hours = Int(now.timeIntervalSince(start) / 3_600)
        if hours < 1 { return "under an hour" }
        if hours < 48 { return "\(hours) h" }
        return "\(hours / 24) days"
    }

    static func label(_ sort: Sort) -> String {
        switch sort {
        case .priority: return "Priority"
        case .exposure: return "Amount at stake"
        case .sla: return "SLA due"
        case .age: return "Oldest first"
        }
    }

    static func queryEscape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))) ?? ""
    }
}
