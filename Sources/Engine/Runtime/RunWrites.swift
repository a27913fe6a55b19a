import Events
import Foundation
import Postgres

/// What a pass's transitions write to `runs` and `run_steps`, kept until the
/// pass ends and then written in one statement: each run's row once, with
/// the state its last transition left, and the steps' rows in order. Nothing
/// in a pass reads them back before then (other runs' rows are what
/// segregation of duties reads), and the run's row lock is held throughout.
final class RunWrites {
    /// A run's row as a transition leaves it.
    struct Outcome {
        var status: String
        var waitingFor: String? = nil
        /// Nil keeps the run's current value.
        var nextAttempt: Date? = nil
        /// Nil keeps the run's current value.
        var waitUntil: Date? = nil
        var error: String? = nil
        /// A transition that succeeded: the failed tries before it (see `WorkflowEngine.recordFailure`) no longer count.
        var resetsAttempts = false
        var completes = false
    }

    private var outcomes: [UUID: Outcome] = [:]
    /// The runs' columns and the steps' columns, as the `unnest` arrays of the statement.
    private var runs = RunColumns()
    private var steps = StepColumns()

    func record(_ run: UUID, _ row: StepRow?, then outcome: Outcome) {
        if let row { steps.append(run, row) }
        outcomes[run] = outcome
    }

    /// The run has stopped moving in this pass: its row is written with its state as it is now.
    func settle(_ run: RunState) {
        guard let outcome = outcomes.removeValue(forKey: run.id) else { return }
        runs.append(run, outcome)
    }

    func write(startedAt time: Date, on tx: PostgresConnection) async throws {
        guard !runs.ids.isEmpty else { return }
        // Text arrays throughout (the driver binds text arrays); '' stands for NULL, which none of these
        // columns holds as a real value, and times travel as microseconds since the epoch.
        try await tx.query(
            """
            WITH recorded AS (
                INSERT INTO run_steps (run_id, step_id, kind, outcome, result, started_at)
                SELECT r, s, k, o, x::jsonb, \(time)
                FROM unnest(\(steps.runs)::uuid[], \(steps.ids)::text[], \(steps.kinds)::text[],
                            \(steps.outcomes)::text[], \(steps.results)::text[])
                     WITH ORDINALITY AS t(r, s, k, o, x, n)
                ORDER BY n
            ), moved AS (
                SELECT * FROM unnest(
                    \(runs.ids)::uuid[], \(runs.statuses)::text[], \(runs.waitingFor)::text[], \(runs.currentSteps)::text[],
                    \(runs.contexts)::text[], \(runs.nextAttempts)::text[], \(runs.waitUntils)::text[],
                    \(runs.resetsAttempts)::text[], \(runs.errors)::text[], \(runs.completes)::text[])
                    AS m(id, status, waiting_for, current_step, context, next_attempt, wait_until, resets, error, completes)
            )
            UPDATE runs SET status = m.status, waiting_for = nullif(m.waiting_for, ''),
                   current_step = nullif(m.current_step, ''), context = m.context::jsonb,
                   next_attempt_at = coalesce(timestamptz 'epoch' + nullif(m.next_attempt, '')::bigint * interval '1 microsecond',
                                              runs.next_attempt_at),
                   wait_until = coalesce(timestamptz 'epoch' + nullif(m.wait_until, '')::bigint * interval '1 microsecond',
                                         runs.wait_until),
                   attempts = CASE WHEN m.resets::boolean THEN 0 ELSE runs.attempts END, error = nullif(m.error, ''),
                   completed_at = CASE WHEN m.completes::boolean THEN now() ELSE runs.completed_at END, updated_at = now()
            FROM moved m
            WHERE runs.id = m.id
            """)
        runs = RunColumns()
        steps = StepColumns()
    }

    private struct RunColumns {
        var ids: [String] = []
        var statuses: [String] = []
        var waitingFor: [String] = []
        var currentSteps: [String] = []
        var contexts: [String] = []
        var nextAttempts: [String] = []
        var waitUntils: [String] = []
        var resetsAttempts: [String] = []
        var errors: [String] = []
        var completes: [String] = []

        mutating func append(_ run: RunState, _ outcome: Outcome) {
            func micros(_ date: Date?) -> String {
                date.map { String(Int64(($0.timeIntervalSince1970 * 1_000_000).rounded())) } ?? ""
            }
            ids.append(run.id.uuidString.lowercased())
            statuses.append(outcome.status)
            waitingFor.append(outcome.waitingFor ?? "")
            currentSteps.append(run.currentStep ?? "")
            contexts.append(JSONValue.object(run.context).serialized())
            nextAttempts.append(micros(outcome.nextAttempt))
            waitUntils.append(micros(outcome.waitUntil))
            resetsAttempts.append(String(outcome.resetsAttempts))
            errors.append(outcome.error ?? "")
            completes.append(String(outcome.completes))
        }
    }

    private struct StepColumns {
        var runs: [String] = []
        var ids: [String] = []
        var kinds: [String] = []
        var outcomes: [String] = []
        var results: [String] = []

        mutating func append(_ run: UUID, _ row: StepRow) {
            runs.append(run.uuidString.lowercased())
            ids.append(row.step.id)
            kinds.append(row.step.kind.rawValue)
            outcomes.append(row.outcome)
            results.append(row.result.serialized())
        }
    }
}
