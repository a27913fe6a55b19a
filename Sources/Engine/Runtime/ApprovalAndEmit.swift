import Cryptography
import Events
import Finance
import Foundation
import Postgres
import Telemetry

/// The two steps that reach outside the run: a human task, and an outbound event.
enum ApprovalAndEmit {
    /// Opens the approval task: routed to a role by amount, with the users
    /// segregation of duties excludes, and an SLA due time.
    static func openTask(
        _ step: WorkflowTemplate.Step, environment: Environment, run: RunState, execution: StepExecution
    ) async throws -> StepOutcome {
        let definition = step.definition
        let json = environment.json
        var amount: Money?
        if let source = definition["amount"]?.stringValue {
            guard case .object(let fields) = try ExpressionBridge.value(source, in: environment),
                let text = fields["amount"]?.stringValue, let code = fields["currency"]?.stringValue,
                let currency = try? Currency(code), let money = try? Money.parse(text, currency: currency)
            else {
                throw StepFailure(code: "approval_amount", message: "the approval amount \(source) is not a money value")
            }
            amount = money
        }
        let role = try route(definition["routing"]?.arrayValue ?? [], amount: amount, step: step, environment: environment)
        var excluded: [JSONValue] = []
        for rule in definition["segregation"]?.arrayValue ?? [] {
            guard let name = rule["rule"]?.stringValue, let path = rule["users"]?.stringValue else { continue }
            for user in json.values(at: path).compactMap(\.stringValue) where !user.isEmpty {
                excluded.append(.object(["user": .string(user.lowercased()), "rule": .string(name)]))
            }
        }
        let title = TitleTemplate.render(definition["title"]?.stringValue ?? step.id, with: json)
        let due = environment.setting(definition["sla_hours"]).flatMap(Double.init).map {
            execution.time.addingTimeInterval($0 * 3600)
        }
        let taskID = UUID()
        try await execution.tx.query(
            """
            INSERT INTO tasks (id, run_id, step_id, title, role, amount_minor, currency, excluded_users, due_at,
                               escalate_to)
            VALUES (\(taskID), \(run.id), \(step.id), \(title), \(role), \(amount?.minorUnits), \(amount?.currency.code),
                    \(JSONValue.array(excluded).serialized())::jsonb, \(due), \(definition["escalate_to"]?.stringValue))
            ON CONFLICT (run_id, step_id) DO NOTHING
            """)
        return .waitForTask(
            result: .object([
                "task_id": .string(taskID.uuidString.lowercased()), "role": .string(role),
                "amount": amount.map { .object(["amount": .string($0.amountText), "currency": .string($0.currency.code)]) }
                    ?? .null,
                "excluded_users": .array(excluded),
            ]))
    }

    /// The first rule whose `up_to` covers the amount; the last rule has none and takes the rest.
    static func route(_ routing: [JSONValue], amount: Money?, step: WorkflowTemplate.Step, environment: Environment)
        throws -> String
    {
        for rule in routing {
            guard let role = rule["role"]?.stringValue else { continue }
            guard let limitText = environment.setting(rule["up_to"]) else { return role }
            guard let amount else { return role }
            if let limit = DecimalText.parse(limitText), amount.decimal.magnitude <= limit { return role }
        }
        throw StepFailure(code: "approval_routing", message: "no routing rule of step \(step.id) covers the amount")
    }

    /// Emits an event: stored in the inbox as `internal` (caused by the
    /// trigger, in its trace) and queued to subscribed endpoints, all in this
    /// transaction.
    static func emit(
        _ step: WorkflowTemplate.Step, environment: Environment, run: RunState, execution: StepExecution
    ) async throws -> StepOutcome {
        guard let type = step.definition["event"]?.stringValue else {
            throw StepFailure(code: "template_invalid", message: "emit without event")
        }
        var data: [String: JSONValue] = [:]
        for (name, source) in step.definition["data"]?.objectValue ?? [:] {
            guard let text = source.stringValue else { continue }
            data[name] = try ExpressionBridge.value(text, in: environment)
        }
        data["run_id"] = .string(run.id.uuidString.lowercased())
        let eventID = "evt_\(run.id.uuidString.lowercased().prefix(13))_\(step.id)"
        let document = JSONValue.object([
            "type": .string(type), "id": .string(eventID),
            "occurred_at": .string(execution.time.formatted(.iso8601)), "source": .string("countersign"),
            "caused_by": .string(run.triggerID), "data": .object(data),
        ]).serialized()
        // The emitting step's span (a child of the trigger's), so endpoints continue the run's trace; the
        // trigger's stored traceparent covers the sender's own and the one its ingest request began.
        let traceparent = TraceContext.current?.traceparent ?? run.traceparent
        let contentHash = try SHA256.hash(data: document.utf8).hexString
        try await execution.tx.query(
            """
            WITH stored AS (
                INSERT INTO events (event_id, type, schema_version, source, occurred_at, ingress, ingress_detail,
                                    caused_by, traceparent, content_hash, document)
                VALUES (\(eventID), \(type), 1, 'countersign', \(execution.time), 'internal', \(run.id.uuidString.lowercased()),
                        \(run.triggerID), \(traceparent), \(contentHash), \(document)::jsonb)
                ON CONFLICT (event_id) DO NOTHING
                RETURNING seq, type, document
            )
            INSERT INTO outbox (message_id, endpoint_id, event_type, event_seq, payload, next_attempt_at)
            SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), ep.id, s.type, s.seq, s.document::text, now()
            FROM stored s
            JOIN endpoints ep ON ep.enabled AND (cardinality(ep.event_types) = 0 OR s.type = ANY(ep.event_types))
            """)
        return .advance(result: .object(["event_id": .string(eventID), "type": .string(type)]), next: step.next)
    }
}

/// `"Invoice {trigger.data.invoice_number}"` with each `{path}` replaced by its value.
enum TitleTemplate {
    static func render(_ template: String, with json: JSONValue) -> String {
        var output = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            output += rest[..<open]
            let path = String(rest[rest.index(after: open)..<close])
            switch json.value(at: path) {
            case .string(let text)?, .number(let text)?: output += text
            default: output += "?"
            }
            rest = rest[rest.index(after: close)...]
        }
        return String((output + rest).prefix(300))
    }
}
