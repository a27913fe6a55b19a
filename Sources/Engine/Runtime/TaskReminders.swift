import ControlPlane
import Events
import Finance
import Foundation
import Postgres

/// Reminders before an approval task's SLA due time.
///
/// An approval step's `remind_before_hours` (a number, a `params.` name, or a
/// list of them) schedules one reminder per offset when the task opens, in
/// `task_reminders`. The engine's timer sweep sends each due reminder of an
/// open task as an internal `task.reminder` event delivered to subscribed
/// endpoints, with an audit entry, in the transaction that marks it sent:
/// a reminder goes out once, whatever is retried or whichever worker dies.
/// Deciding the task drops the reminders not yet sent.
enum TaskReminders {
    /// The offsets, in whole seconds, largest first; those not positive are left out.
    static func offsets(_ value: JSONValue?, environment: Environment) -> [Int] {
        let entries: [JSONValue] =
            switch value {
            case .array(let items)?: items
            case let single?: [single]
            case nil: []
            }
        let seconds = entries.compactMap { environment.setting($0).flatMap(DecimalText.parse) }
            .compactMap { hours -> Int? in
                let value = NSDecimalNumber(decimal: hours * 3600).doubleValue.rounded()
                return value >= 1 && value < Double(Int32.max) ? Int(value) : nil
            }
        return Array(Set(seconds)).sorted(by: >)
    }

    /// Schedules the reminders of a task that opened at `time`, due at `due`;
    /// a reminder whose time has already passed would only repeat the task's opening, so it is not kept.
    static func schedule(task: UUID, due: Date, offsets: [Int], at time: Date, on tx: PostgresConnection) async throws {
        let kept = offsets.filter { due.addingTimeInterval(-Double($0)) > time }
        guard !kept.isEmpty else { return }
        try await tx.query(
            """
            INSERT INTO task_reminders (task_id, before_seconds, remind_at)
            SELECT \(task), s, \(due)::timestamptz - make_interval(secs => s)
            FROM unnest(\(kept.map(String.init))::text[]::int[]) AS s
            ON CONFLICT DO NOTHING
            """)
    }

    /// Sends the reminders due at `time`; returns how many were sent.
    static func sendDue(tenant: Slug, at time: Date, limit: Int, on tx: PostgresConnection) async throws -> Int {
        let due = try await tx.query(
            """
            WITH due AS (
                SELECT rm.task_id, rm.before_seconds FROM task_reminders rm JOIN tasks t ON t.id = rm.task_id
                WHERE rm.sent_at IS NULL AND rm.remind_at <= \(time) AND t.status = 'open'
                ORDER BY rm.remind_at LIMIT \(limit)
                FOR UPDATE OF rm SKIP LOCKED
            )
            UPDATE task_reminders rm SET sent_at = \(time)
            FROM due, tasks t, runs r, events e
            WHERE rm.task_id = due.task_id AND rm.before_seconds = due.before_seconds AND t.id = rm.task_id
              AND r.id = t.run_id AND e.seq = r.trigger_event_seq
            RETURNING rm.task_id, rm.before_seconds, t.run_id, t.step_id, t.title, t.role, t.due_at, t.amount_minor,
                      t.currency, e.event_id AS trigger_id, e.traceparent
            """)
        guard !due.isEmpty else { return 0 }
        let log = try AuditLog(schema: SQLIdentifier(tenant.tenantSchemaName))
        for row in due {
            let task = try row.decode("task_id", as: UUID.self)
            let run = try row.decode("run_id", as: UUID.self)
            let before = try row.decode("before_seconds", as: Int.self)
            let dueAt = try row.decode("due_at", as: Date?.self)
            var data: [String: JSONValue] = [
                "task_id": .string(task.uuidString.lowercased()),
                "step": .string(try row.decode("step_id", as: String.self)),
                "title": .string(try row.decode("title", as: String.self)),
                "role": .string(try row.decode("role", as: String.self)),
                "due_at": dueAt.map { .string($0.formatted(.iso8601)) } ?? .null,
                "remind_before_seconds": .number(String(before)),
            ]
            if let minor = try row.decode("amount_minor", as: Int64?.self),
                let code = try row.decode("currency", as: String?.self), let currency = try? Currency(code)
            {
                let money = Money(minorUnits: minor, currency: currency)
                data["amount"] = .object(["amount": .string(money.amountText), "currency": .string(code)])
            }
            let eventID = "evt_\(task.uuidString.lowercased().prefix(13))_remind_\(before)"
            // Already raised (a reminder marked unsent again by hand): it was sent and audited then.
            guard
                try await InternalEvents.raise(
                    type: "task.reminder", id: eventID, data: data, run: run,
                    causedBy: try row.decode("trigger_id", as: String.self),
                    traceparent: try row.decode("traceparent", as: String?.self), at: time, on: tx)
            else { continue }
            try await log.append(
                AuditEntry(
                    actor: "system:engine", action: "task.reminded", subject: "task:\(task.uuidString.lowercased())",
                    details: [
                        "run": run.uuidString.lowercased(), "event": eventID, "before_seconds": String(before),
                        "role": try row.decode("role", as: String.self),
                    ]), on: tx)
        }
        return due.count
    }

    /// What is wrong with an approval's `remind_before_hours`, for publishing.
    static func definitionProblems(_ definition: [String: JSONValue]) -> [String] {
        guard let value = definition["remind_before_hours"] else { return [] }
        let entries: [JSONValue]
        if case .array(let items) = value { entries = items } else { entries = [value] }
        var problems: [String] = []
        if definition["sla_hours"] == nil {
            problems.append("remind_before_hours needs sla_hours: reminders come before the due time")
        }
        for entry in entries {
            guard let text = entry.numberText else {
                problems.append("remind_before_hours takes hours such as \"4\" or [\"24\", \"2\"], or a params.name")
                continue
            }
            if text.hasPrefix("params.") { continue }
            guard let hours = DecimalText.parse(text), hours > 0, hours <= 8760 else {
                problems.append(
                    "remind_before_hours: \(text.prefix(20)) is not a number of hours above 0 and at most 8760")
                continue
            }
        }
        return problems
    }
}
