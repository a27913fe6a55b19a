import ControlPlane
import Finance
import Foundation
import Postgres
import Triage

/// What the assistant resolved on its own, and how a person reverses it.
///
/// An auto-resolution moves the run past the person's step (to the step's `auto_resolve.next`)
/// and is recorded in `triage_actions`, audited as `system:assistant`. Reversing it
/// (`countersign triage revert`) marks it reverted, audited under the person's name, records a
/// case that overrides the recommendation (``DecisionFeedback``'s rule for a rejection) and sends
/// the run back to the step a person would have decided (the `assist` step's `next`), where a task
/// is opened as if the assistant had only recommended. Events the run already emitted are not
/// recalled; the person's decision emits its own (for example the payment block), which is what
/// downstream systems act on.
public enum AssistantActions {
    public struct Action: Sendable {
        public let id: UUID
        public let runID: UUID
        public let rootCause: String
        public let resolution: String
        public let status: String
        public let appliedStep: String
        public let humanStep: String?
        public let appliedAt: Date
        public let revertedBy: String?
    }

    static func apply(
        recommendation: UUID, request: AssistRequest, recommended: Recommendation, exposure: Money,
        appliedStep: String, on transaction: PostgresConnection
    ) async throws -> UUID {
        let rows = try await transaction.query(
            """
            INSERT INTO triage_actions (recommendation_id, run_id, root_cause, resolution, amount_minor, currency,
                                        applied_step, human_step)
            VALUES (\(recommendation), \(request.runID), \(recommended.rootCause.code), \(recommended.resolution.code),
                    \(exposure.minorUnits), \(exposure.currency.code), \(appliedStep), \(request.humanStep))
            ON CONFLICT (recommendation_id) DO UPDATE SET status = 'applied', applied_at = now(),
                reverted_by = NULL, reverted_at = NULL, revert_reason = NULL
            RETURNING id
            """)
        let id = try rows[0].decode("id", as: UUID.self)
        try await AuditLog(schema: SQLIdentifier(request.tenant.tenantSchemaName)).append(
            AuditEntry(
                actor: AssistService.actor, action: "assistant.auto_resolved",
                subject: "run:\(request.runID.uuidString.lowercased())",
                details: [
                    "action": id.uuidString.lowercased(), "resolution": recommended.resolution.code,
                    "root_cause": recommended.rootCause.code, "amount": exposure.description, "next": appliedStep,
                ]), on: transaction)
        return id
    }

    /// The tenant's actions, newest first.
    public static func list(limit: Int, on connection: PostgresConnection) async throws -> [Action] {
        let rows = try await connection.query(
            """
            SELECT id, run_id, root_cause, resolution, status, applied_step, human_step, applied_at, reverted_by
            FROM triage_actions ORDER BY applied_at DESC, id LIMIT \(min(max(limit, 1), 500))
            """)
        return try rows.map(decode)
    }

    /// Reverses an applied action and sends its run back to the person's step.
    ///
    /// `notifyChannel` is the workflow engine's channel, notified after the commit so the run moves on.
    /// - Throws: `assistant_action_not_found`, or `assistant_action_not_applied` for one already reverted.
    public static func revert(
        _ id: UUID, tenant: Slug, actor: String, reason: String, databases: TenantDatabases, notifyChannel: String
    ) async throws -> Action {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else {
            throw AssistanceError(.invalidSettings, "a reversal needs a reason saying why", field: "reason")
        }
        let action = try await databases.withTransaction(for: tenant) { tx in
            let rows = try await tx.query(
                """
                SELECT id, run_id, root_cause, resolution, status, applied_step, human_step, applied_at, reverted_by
                FROM triage_actions WHERE id = \(id) FOR UPDATE
                """)
            guard let row = rows.first else {
                throw AssistanceError(.actionNotFound, "there is no assistant action \(id.uuidString.lowercased())")
            }
            let action = try decode(row)
            guard action.status == "applied" else {
                throw AssistanceError(.actionNotApplied, "the action is already \(action.status)")
            }
            let updated = try await tx.query(
                """
                UPDATE triage_actions SET status = 'reverted', reverted_by = \(actor), reverted_at = now(),
                       revert_reason = \(String(reason.prefix(500)))
                WHERE id = \(id)
                RETURNING id, run_id, root_cause, resolution, status, applied_step, human_step, applied_at, reverted_by
                """)
            if let step = action.humanStep {
                try await tx.query(
                    """
                    UPDATE runs SET status = 'runnable', current_step = \(step), waiting_for = NULL, error = NULL,
                           completed_at = NULL, attempts = 0, next_attempt_at = now(), updated_at = now()
                    WHERE id = \(action.runID) AND status <> 'cancelled'
                    """)
            }
            try await DecisionFeedback.record(
                tenant: tenant, runID: action.runID, approved: false, decidedBy: actor, on: tx)
            try await AuditLog(schema: SQLIdentifier(tenant.tenantSchemaName)).append(
                AuditEntry(
                    actor: actor, action: "assistant.action_reverted",
                    subject: "run:\(action.runID.uuidString.lowercased())",
                    details: [
                        "action": id.uuidString.lowercased(), "reason": String(reason.prefix(500)),
                        "reopened_at": action.humanStep ?? "",
                    ]), on: tx)
            return try decode(updated[0])
        }
        databases.notifyAfterCommit(notifyChannel, payload: tenant.tenantSchemaName, for: tenant)
        return action
    }

    static func decode(_ row: PostgresRow) throws -> Action {
        Action(
            id: try row.decode("id", as: UUID.self), runID: try row.decode("run_id", as: UUID.self),
            rootCause: try row.decode("root_cause", as: String.self),
            resolution: try row.decode("resolution", as: String.self),
            status: try row.decode("status", as: String.self),
            appliedStep: try row.decode("applied_step", as: String.self),
            humanStep: try row.decode("human_step", as: String?.self),
            appliedAt: try row.decode("applied_at", as: Date.self),
            revertedBy: try row.decode("reverted_by", as: String?.self))
    }
}
