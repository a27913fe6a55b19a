import Assistance
import ControlPlane
import Events
import Foundation
import Platform
import Postgres
import Telemetry

/// The person deciding a task, as their personal token establishes them.
public struct Decider: Sendable {
    /// Lower-case e-mail: what segregation-of-duties rules compare.
    public let user: String
    public let roles: Set<String>
    public let approvalLimitMinor: Int64?
    public let approvalCurrency: String?

    public init(user: String, roles: Set<String>, approvalLimitMinor: Int64?, approvalCurrency: String?) {
        self.user = user.lowercased()
        self.roles = roles
        self.approvalLimitMinor = approvalLimitMinor
        self.approvalCurrency = approvalCurrency
    }
}

/// Why a decision was refused.
public struct TaskError: CodedError, Equatable {
    public let code: String
    public let message: String
    public let httpStatus: Int
    public let field: String?

    static func notFound(_ id: UUID) -> TaskError {
        TaskError(code: "task_not_found", message: "there is no task \(id.uuidString.lowercased())", httpStatus: 404, field: nil)
    }

    /// `user` may not decide: the rule's name is the reason, and a related run they approved, if that is why.
    static func segregation(_ user: String, rule: String, relatedRun: UUID?) -> TaskError {
        let related = relatedRun.map { " (they approved run \($0.uuidString.lowercased()))" } ?? ""
        return TaskError(
            code: "segregation_of_duties",
            message: "\(user) may not decide this task: \(rule.replacingOccurrences(of: "_", with: " "))\(related)",
            httpStatus: 403, field: nil)
    }
}

public enum TaskDecision: String, Sendable, CaseIterable {
    case approve
    case reject
    case requestInfo = "request_info"
}

/// Human tasks: listing and deciding. The engine, not the portal, enforces
/// who may decide: the task's role, the user's approval limit, and
/// segregation of duties (no one approves what they created, received or
/// submitted, nor what a related case they approved forbids; see
/// ``Segregation``). Every decision is audited with the run, in one transaction.
public struct Tasks: Sendable {
    let databases: TenantDatabases
    let usage: UsageMeter
    let logger: Logger

    public init(databases: TenantDatabases, usage: UsageMeter = .enabled, logger: Logger = .disabled) {
        self.databases = databases
        self.usage = usage
        self.logger = logger
    }

    public struct Summary: Sendable {
        public let id: UUID
        public let runID: UUID
        public let stepID: String
        public let title: String
        public let role: String
        public let amountMinor: Int64?
        public let currency: String?
        public let status: String
        public let dueAt: Date?
        public let escalatedAt: Date?
        public let decidedBy: String?
        public let decidedAt: Date?
        public let comment: String?
        public let createdAt: Date
    }

    public func list(tenant: Slug, status: String?, role: String?, limit: Int) async throws -> [Summary] {
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT \(fragment: Self.columns) FROM tasks
                WHERE (\(status)::text IS NULL OR status = \(status)) AND (\(role)::text IS NULL OR role = \(role))
                ORDER BY due_at NULLS LAST, created_at LIMIT \(min(max(limit, 1), 500))
                """)
        }
        return try rows.map(Self.decode)
    }

    /// Records `decision` by `decider`; approve and reject move the run on.
    public func decide(
        tenant: Slug, task id: UUID, decision: TaskDecision, comment: String?, decider: Decider, requestID: String?
    ) async throws -> Summary {
        let comment = comment?.trimmingCharacters(in: .whitespacesAndNewlines)
        if decision != .approve, comment?.isEmpty != false {
            throw TaskError(
                code: "comment_required", message: "a \(decision.rawValue) decision needs a comment saying why",
                httpStatus: 422, field: "comment")
        }
        let (summary, traceparent) = try await databases.withTransaction(for: tenant) { tx in
            let rows = try await tx.query(
                """
                SELECT \(fragment: Self.qualifiedColumns), t.excluded_users::text AS excluded, r.context::text AS context,
                       r.correlation_key, d.document::text AS template, d.parameters::text AS parameters,
                       e.document::text AS trigger, e.traceparent AS run_traceparent
                FROM tasks t JOIN runs r ON r.id = t.run_id JOIN deployments d ON d.id = r.deployment_id
                JOIN events e ON e.seq = r.trigger_event_seq
                WHERE t.id = \(id) FOR UPDATE OF t, r
                """)
            guard let row = rows.first else { throw TaskError.notFound(id) }
            let task = try Self.decode(row)
            guard task.status == "open" else {
                throw TaskError(code: "task_not_open", message: "the task is already \(task.status)", httpStatus: 409, field: nil)
            }
            // Those the rules excluded when the task opened, then the rules again as things stand now.
            let excluded = try JSONParser().parse(row.decode("excluded", as: String.self)).arrayValue ?? []
            if let entry = excluded.first(where: { $0["user"]?.stringValue == decider.user }),
                let rule = entry["rule"]?.stringValue
            {
                throw TaskError.segregation(
                    decider.user, rule: rule, relatedRun: entry["related_run"]?.stringValue.flatMap(UUID.init(uuidString:)))
            }
            let template = try WorkflowTemplate.parse(Data(try row.decode("template", as: String.self).utf8))
            var context = try JSONParser(maxBytes: 16 << 20, maxDepth: 64).parse(row.decode("context", as: String.self))
                .objectValue ?? [:]
            if let step = template.step(task.stepID) {
                let environment = Environment(
                    trigger: try JSONParser(maxBytes: 16 << 20, maxDepth: 64).parse(row.decode("trigger", as: String.self)),
                    documents: try await CorrelatedDocuments.load(
                        for: template, key: try row.decode("correlation_key", as: String.self), on: tx),
                    steps: context["steps"]?.objectValue ?? [:], variables: context["vars"]?.objectValue ?? [:],
                    parameters: try JSONParser().parse(row.decode("parameters", as: String.self)).objectValue ?? [:])
                let found = try await Segregation.exclusions(
                    of: step, environment: environment, run: task.runID, user: decider.user, on: tx)
                if let exclusion = found.first {
                    throw TaskError.segregation(decider.user, rule: exclusion.rule, relatedRun: exclusion.relatedRun)
                }
            }
            guard decider.roles.contains(task.role) else {
                throw TaskError(
                    code: "role_required", message: "this task is for the \(task.role) role", httpStatus: 403, field: nil)
            }
            if decision == .approve, let amount = task.amountMinor {
                guard let limit = decider.approvalLimitMinor, decider.approvalCurrency == task.currency, amount.magnitude <= limit
                else {
                    throw TaskError(
                        code: "approval_limit_exceeded",
                        message: "the amount is above \(decider.user)'s approval limit", httpStatus: 403, field: nil)
                }
            }
            let status = decision == .approve ? "approved" : decision == .reject ? "rejected" : "open"
            try await tx.query(
                """
                UPDATE tasks SET status = \(status), decision_comment = \(comment),
                       decided_by = CASE WHEN \(status) = 'open' THEN decided_by ELSE \(decider.user) END,
                       decided_at = CASE WHEN \(status) = 'open' THEN decided_at ELSE now() END
                WHERE id = \(id)
                """)
            if decision != .requestInfo {
                try await tx.query("DELETE FROM task_reminders WHERE task_id = \(id) AND sent_at IS NULL")
            }
            // Metering (see Sources/Metering): approve and reject are billed decisions, derivable from
            // tasks.decided_at; any decision makes the decider an active user of the day, once.
            if decision != .requestInfo { try await usage.count("engine.human_decisions", 1, on: tx) }
            if usage.isEnabled {
                try await tx.query(
                    """
                    WITH new AS (
                        INSERT INTO active_users (day, user_ref) VALUES ((now() AT TIME ZONE 'UTC')::date, \(decider.user))
                        ON CONFLICT (day, user_ref) DO NOTHING RETURNING day
                    )
                    INSERT INTO usage_counters (day, metric, shard, quantity)
                    SELECT day, 'users.active', \(Int16.random(in: 0..<16)), 1 FROM new
                    ON CONFLICT (day, metric, shard) DO UPDATE SET quantity = usage_counters.quantity + EXCLUDED.quantity
                    """)
            }
            let log = try AuditLog(schema: SQLIdentifier(tenant.tenantSchemaName))
            try await log.append(
                AuditEntry(
                    actor: "user:\(decider.user)", action: "task.\(decision.rawValue)",
                    subject: "task:\(id.uuidString.lowercased())",
                    details: ["run": task.runID.uuidString.lowercased(), "step": task.stepID, "comment": comment ?? ""],
                    requestID: requestID),
                on: tx)
            if decision != .requestInfo {
                let next = template.step(task.stepID)?.definition[decision == .approve ? "on_approve" : "on_reject"]?.stringValue
                var steps = context["steps"]?.objectValue ?? [:]
                var result = steps[task.stepID]?.objectValue ?? [:]
                result["decision"] = .string(decision.rawValue)
                result["decided_by"] = .string(decider.user)
                result["comment"] = comment.map(JSONValue.string) ?? .null
                steps[task.stepID] = .object(result)
                context["steps"] = .object(steps)
                try await tx.query(
                    """
                    UPDATE runs SET status = 'runnable', waiting_for = NULL, current_step = \(next),
                           context = \(JSONValue.object(context).serialized())::jsonb, next_attempt_at = now(),
                           updated_at = now()
                    WHERE id = \(task.runID)
                    """)
                try await tx.query(
                    """
                    INSERT INTO run_steps (run_id, step_id, kind, outcome, result, started_at)
                    VALUES (\(task.runID), \(task.stepID), 'approval', \(status), \(JSONValue.object(result).serialized())::jsonb, now())
                    """)
                // The assistant learns from the decision, in this transaction (the rule: Assistance/Feedback/DecisionFeedback.swift).
                try await DecisionFeedback.record(
                    tenant: tenant, runID: task.runID, approved: decision == .approve, decidedBy: decider.user, on: tx)
            }
            let updated = try await tx.query("SELECT \(fragment: Self.columns) FROM tasks WHERE id = \(id)")
            return (try Self.decode(updated[0]), try row.decode("run_traceparent", as: String?.self))
        }
        // The run's trace, not the request's: the decision is a step of the run the event started.
        TraceContext.withSpan(named: traceparent) {
            logger.info(
                "task decided",
                metadata: [
                    "tenant": tenant.value, "task": id.uuidString.lowercased(),
                    "run": summary.runID.uuidString.lowercased(), "decision": decision.rawValue,
                    "request_id": requestID ?? "",
                ])
        }
        // The run continues from the decision.
        if decision != .requestInfo {
            databases.notifyAfterCommit(WorkflowEngine.channel, payload: tenant.tenantSchemaName, for: tenant)
        }
        return summary
    }

    static let columns: StaticString = """
        id, run_id, step_id, title, role, amount_minor, currency, status, due_at, escalated_at, decided_by, decided_at,
        decision_comment, created_at
        """

    /// The same columns for a query that joins runs, which share some names.
    static let qualifiedColumns: StaticString = """
        t.id, t.run_id, t.step_id, t.title, t.role, t.amount_minor, t.currency, t.status, t.due_at, t.escalated_at,
        t.decided_by, t.decided_at, t.decision_comment, t.created_at
        """

    static func decode(_ row: PostgresRow) throws -> Summary {
        Summary(
            id: try row.decode("id", as: UUID.self), runID: try row.decode("run_id", as: UUID.self),
            stepID: try row.decode("step_id", as: String.self), title: try row.decode("title", as: String.self),
            role: try row.decode("role", as: String.self), amountMinor: try row.decode("amount_minor", as: Int64?.self),
            currency: try row.decode("currency", as: String?.self), status: try row.decode("status", as: String.self),
            dueAt: try row.decode("due_at", as: Date?.self), escalatedAt: try row.decode("escalated_at", as: Date?.self),
            decidedBy: try row.decode("decided_by", as: String?.self),
            decidedAt: try row.decode("decided_at", as: Date?.self),
            comment: try row.decode("decision_comment", as: String?.self),
            createdAt: try row.decode("created_at", as: Date.self))
    }
}
