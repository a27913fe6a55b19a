import Events
import Finance
import Foundation
import Postgres
import Telemetry

/// The two steps that reach outside the run: a human task, and an outbound event.
enum ApprovalAndEmit {
    /// Opens the approval task: routed to a role by amount, with the users
    /// segregation of duties excludes, an SLA due time and its reminders.
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
        for exclusion in try await Segregation.exclusions(of: step, environment: environment, run: run.id, on: execution.tx) {
            var entry: [String: JSONValue] = ["user": .string(exclusion.user), "rule": .string(exclusion.rule)]
            if let related = exclusion.relatedRun { entry["related_run"] = .string(related.uuidString.lowercased()) }
            excluded.append(.object(entry))
        }
        let title = TitleTemplate.render(definition["title"]?.stringValue ?? step.id, with: json)
        let due = environment.setting(definition["sla_hours"]).flatMap(Double.init).map {
            execution.time.addingTimeInterval($0 * 3600)
        }
        let taskID = UUID()
        let opened = try await execution.tx.execute(
            """
            INSERT INTO tasks (id, run_id, step_id, title, role, amount_minor, currency, excluded_users, due_at,
                               escalate_to)
            VALUES (\(taskID), \(run.id), \(step.id), \(title), \(role), \(amount?.minorUnits), \(amount?.currency.code),
                    \(JSONValue.array(excluded).serialized())::jsonb, \(due), \(definition["escalate_to"]?.stringValue))
            ON CONFLICT (run_id, step_id) DO NOTHING
            """)
        if opened == 1, let due {
            try await TaskReminders.schedule(
                task: taskID, due: due,
                offsets: TaskReminders.offsets(definition["remind_before_hours"], environment: environment),
                at: execution.time, on: execution.tx)
        }
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
    /// transaction, with the pass's other events (see ``TransitionEffects``).
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
        let eventID = "evt_\(run.id.uuidString.lowercased().prefix(13))_\(step.id)"
        // The emitting step's span (a child of the trigger's), so endpoints continue the run's trace; the
        // trigger's stored traceparent covers the sender's own and the one its ingest request began.
        execution.effects.raise(
            try InternalEvents.Pending(
                type: type, id: eventID, data: data, run: run.id, causedBy: run.triggerID,
                traceparent: TraceContext.current?.traceparent ?? run.traceparent, at: execution.time))
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
