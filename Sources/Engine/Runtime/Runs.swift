import ControlPlane
import Events
import Foundation
import Platform
import Postgres

/// Reading a tenant's runs with their timelines.
public struct Runs: Sendable {
    let databases: TenantDatabases

    public init(databases: TenantDatabases) { self.databases = databases }

    public struct Summary: Sendable {
        public let id: UUID
        public let template: String
        public let version: String
        public let correlationKey: String
        public let status: String
        public let currentStep: String?
        public let waitingFor: String?
        public let error: String?
        public let createdAt: Date
        public let updatedAt: Date
        public let completedAt: Date?
    }

    public struct StepRecord: Sendable {
        public let stepID: String
        public let kind: String
        public let outcome: String
        /// JSON text of the step's result.
        public let result: String
        public let startedAt: Date
        public let finishedAt: Date
    }

    public static let statuses: Set<String> = ["runnable", "waiting", "completed", "exception", "cancelled"]

    /// Newest first. `cursor` is the last row's `created_at`; with `cursorID`
    /// (that row's id) too, runs sharing that instant (one transaction starts
    /// several) are neither skipped nor repeated on the next page.
    public func list(
        tenant: Slug, template: String?, status: String?, cursor: Date?, cursorID: UUID? = nil, limit: Int
    ) async throws -> [Summary] {
        if let status, !Self.statuses.contains(status) {
            throw EngineError(
                code: "invalid_query", message: "status is one of \(Self.statuses.sorted().joined(separator: ", "))",
                httpStatus: 400, field: "status")
        }
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT \(fragment: Self.columns) FROM runs
                WHERE (\(template)::text IS NULL OR template_slug = \(template))
                  AND (\(status)::text IS NULL OR status = \(status))
                  AND (\(cursor)::timestamptz IS NULL OR created_at < \(cursor)
                       OR (created_at = \(cursor) AND \(cursorID)::uuid IS NOT NULL AND id > \(cursorID)))
                ORDER BY created_at DESC, id LIMIT \(min(max(limit, 1), 500))
                """)
        }
        return try rows.map(Self.decode)
    }

    /// The run, its steps in order, and its tasks; nil if there is no such run.
    public func run(tenant: Slug, id: UUID) async throws -> (Summary, context: String, steps: [StepRecord], tasks: [Tasks.Summary])? {
        try await databases.withConnection(for: tenant) { connection in
            let rows = try await connection.query(
                "SELECT \(fragment: Self.columns), context::text AS context FROM runs WHERE id = \(id)")
            guard let row = rows.first else { return nil }
            let steps = try await connection.query(
                """
                SELECT step_id, kind, outcome, result::text AS result, started_at, finished_at
                FROM run_steps WHERE run_id = \(id) ORDER BY id
                """)
            let tasks = try await connection.query(
                "SELECT \(fragment: Tasks.columns) FROM tasks WHERE run_id = \(id) ORDER BY created_at")
            return (
                try Self.decode(row), try row.decode("context", as: String.self),
                try steps.map { step in
                    StepRecord(
                        stepID: try step.decode("step_id", as: String.self), kind: try step.decode("kind", as: String.self),
                        outcome: try step.decode("outcome", as: String.self), result: try step.decode("result", as: String.self),
                        startedAt: try step.decode("started_at", as: Date.self),
                        finishedAt: try step.decode("finished_at", as: Date.self))
                },
                try tasks.map(Tasks.decode)
            )
        }
    }

    /// An item someone has to act on: a run parked as an exception, or a run
    /// waiting on an open task, with the money at stake and the SLA state.
    public struct OpenItem: Sendable {
        public let run: Summary
        public let taskID: UUID?
        public let role: String?
        public let amountMinor: Int64?
        public let currency: String?
        public let dueAt: Date?
        public let escalated: Bool
    }

    public func openItems(tenant: Slug, limit: Int) async throws -> [OpenItem] {
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT r.id, r.template_slug, r.template_version, r.correlation_key, r.status, r.current_step,
                       r.waiting_for, r.error, r.created_at, r.updated_at, r.completed_at,
                       t.id AS task_id, t.role, t.amount_minor, t.currency, t.due_at, t.escalated_at
                FROM runs r
                LEFT JOIN tasks t ON t.run_id = r.id AND t.status = 'open'
                WHERE r.status = 'exception' OR t.id IS NOT NULL
                ORDER BY t.due_at NULLS FIRST, r.created_at
                LIMIT \(min(max(limit, 1), 500))
                """)
        }
        return try rows.map { row in
            OpenItem(
                run: try Self.decode(row), taskID: try row.decode("task_id", as: UUID?.self),
                role: try row.decode("role", as: String?.self), amountMinor: try row.decode("amount_minor", as: Int64?.self),
                currency: try row.decode("currency", as: String?.self), dueAt: try row.decode("due_at", as: Date?.self),
                escalated: try row.decode("escalated_at", as: Date?.self) != nil)
        }
    }

    /// A person's answer to a run parked as an exception: try the step again, or give up.
    public enum Resolution: String, Sendable {
        case retry
        case cancel
    }

    public func resolve(tenant: Slug, run id: UUID, _ resolution: Resolution, actor: String, requestID: String?)
        async throws -> Summary
    {
        let summary = try await databases.withTransaction(for: tenant) { tx in
            let updated = try await tx.query(
                """
                UPDATE runs SET status = CASE WHEN \(resolution.rawValue) = 'retry' THEN 'runnable' ELSE 'cancelled' END,
                       error = CASE WHEN \(resolution.rawValue) = 'retry' THEN NULL ELSE error END,
                       attempts = 0, next_attempt_at = now(), updated_at = now(),
                       completed_at = CASE WHEN \(resolution.rawValue) = 'cancel' THEN now() ELSE completed_at END
                WHERE id = \(id) AND status = 'exception'
                RETURNING \(fragment: Self.columns)
                """)
            guard let row = updated.first else {
                throw EngineError(
                    code: "run_not_in_exception", message: "only a run parked as an exception can be retried or cancelled",
                    httpStatus: 409, field: nil)
            }
            try await AuditLog(schema: SQLIdentifier(tenant.tenantSchemaName)).append(
                AuditEntry(
                    actor: actor, action: "run.\(resolution.rawValue)", subject: "run:\(id.uuidString.lowercased())",
                    requestID: requestID), on: tx)
            return try Self.decode(row)
        }
        if resolution == .retry {
            databases.notifyAfterCommit(WorkflowEngine.channel, payload: tenant.tenantSchemaName, for: tenant)
        }
        return summary
    }

    static let columns: StaticString = """
        id, template_slug, template_version, correlation_key, status, current_step, waiting_for, error, created_at,
        updated_at, completed_at
        """

    static func decode(_ row: PostgresRow) throws -> Summary {
        Summary(
            id: try row.decode("id", as: UUID.self), template: try row.decode("template_slug", as: String.self),
            version: try row.decode("template_version", as: String.self),
            correlationKey: try row.decode("correlation_key", as: String.self),
            status: try row.decode("status", as: String.self), currentStep: try row.decode("current_step", as: String?.self),
            waitingFor: try row.decode("waiting_for", as: String?.self), error: try row.decode("error", as: String?.self),
            createdAt: try row.decode("created_at", as: Date.self), updatedAt: try row.decode("updated_at", as: Date.self),
            completedAt: try row.decode("completed_at", as: Date?.self))
    }
}
