import ControlPlane
import Events
import Foundation
import Platform
import Postgres
import Telemetry

/// A pass: one transaction that dispatches new events and then takes up to
/// `runsPerTransaction` due runs each as far as it goes without waiting.
/// While runs are backed up, passes that only execute run side by side
/// (`concurrentPasses`): one computes in Swift while another's statements run
/// in PostgreSQL, where passes one after another would leave a core idle.
///
/// A step that throws rolls the whole pass back; the pass is then made again
/// as a dispatch alone and one pass per run, so that only the failing run's
/// transition is lost, and that run is retried later (``recordFailure``).
///
/// Every step transition still writes its run's state, its step row, its
/// outbox messages, its audit entry and its usage count in the transaction
/// that holds the run's row lock; a pass commits many transitions together,
/// so a run of four steps costs a share of one commit instead of five
/// commits, and events dispatched in the pass start their runs in it.
extension WorkflowEngine {
    /// What a committed pass did.
    struct PassResult {
        /// False when another worker holds the tenant's lease: this one did nothing.
        var leaseHeld = true
        var events = 0
        var runs = 0
        var steps = 0
        /// Runs whose step threw and which wait for a retry: the runs behind them in the pass were not all taken yet.
        var failures = 0
    }

    /// A committed step transition, for its log lines and metrics.
    private struct Transition {
        let run: UUID
        let report: StepReport
        let trace: TraceContext?
        let duration: Duration
    }

    /// One pass: dispatch (unless `dispatching` is false), then up to `runs` due runs.
    /// A pass that dispatches claims the tenant's lease; one that does not shares it (see ``EngineLease``).
    func pass(tenant: Slug, dispatching: Bool = true, runs limit: Int? = nil) async throws -> PassResult {
        let time = now()
        var claimed: [UUID] = []
        do {
            let (result, created, transitions) = try await databases.withTransaction(for: tenant) {
                tx -> (PassResult, [CreatedRun], [Transition]) in
                // Connections plan every execution anew (see `PostgresConfiguration`); here that was a third of
                // PostgreSQL's CPU per run. The pass's statements keep their generic plans once PostgreSQL finds
                // them no worse (measured flat with three times the data: ops/bench/README.md).
                //
                // A generic plan is kept until the tables' statistics change, and it is made from the sizes the
                // tables have then: one made while a new tenant's `events` or `runs` held a page or two scanned
                // or hashed them whole, and went on doing so, pass after pass, as they grew by thousands of rows
                // a second until autovacuum analyzed them (runs took a second instead of 50 ms by then). Every
                // statement of a pass finds its rows through an index, so plans that scan or hash tables are
                // ruled out for the pass: whatever sizes a plan was made from, it stays right. A tiny table
                // without a usable index (`endpoints`) is still scanned, at a cost past `jit_above_cost`: JIT,
                // which takes longer to compile such a statement than a pass takes to run, is off as well.
                try await tx.query(
                    """
                    SELECT set_config('plan_cache_mode', 'auto', true), set_config('enable_seqscan', 'off', true),
                           set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true),
                           set_config('jit', 'off', true)
                    """)
                if dispatching {
                    switch try await lease.claim(on: tx) {
                    case .heldElsewhere: return (PassResult(leaseHeld: false), [], [])
                    case .takenOver(let previous):
                        logger.warning(
                            "took over the tenant's runtime", metadata: ["tenant": tenant.value, "previous_worker": previous])
                    case .held: break
                    }
                    leased.insert(tenant)
                } else if try await !lease.share(on: tx) {
                    return (PassResult(leaseHeld: false), [], [])
                }
                let effects = TransitionEffects()
                var result = PassResult()
                var created: [CreatedRun] = []
                if dispatching { (result.events, created) = try await dispatch(on: tx, at: time, effects: effects) }
                let rows = try await tx.query(
                    """
                    SELECT \(fragment: Self.runColumns) FROM runs r JOIN events e ON e.seq = r.trigger_event_seq
                    WHERE r.status = 'runnable' AND r.next_attempt_at <= \(time)
                    ORDER BY r.next_attempt_at, r.id
                    LIMIT \(limit ?? (dispatching ? configuration.runsWithDispatch : configuration.runsPerTransaction))
                    FOR UPDATE OF r SKIP LOCKED
                    """)
                var transitions: [Transition] = []
                let writes = RunWrites()
                var runs: [RunState] = []
                for row in rows { runs.append(try RunState(row: row)) }
                var documents = try await documents(for: runs, on: tx)
                let correlated = templates.correlatedEventTypes()
                for var run in runs {
                    claimed.append(run.id)
                    let deployment = try await deployment(run.deploymentID, on: tx)
                    let emittedDocument = try await advance(
                        &run, deployment: deployment, documents: documents[run.deploymentID]?[run.correlationKey],
                        correlated: correlated, tenant: tenant, at: time, on: tx, effects: effects, writes: writes,
                        into: &transitions)
                    // An emitted event some template correlates on may be a later run's document: those read theirs anew.
                    if emittedDocument { documents = [:] }
                }
                try await writes.write(startedAt: time, on: tx)
                try await effects.write(tenant: tenant, usage: usage, on: tx)
                result.runs = rows.count
                result.steps = transitions.count
                return (result, created, transitions)
            }
            logCommitted(created: created, transitions: transitions, tenant: tenant)
            return result
        } catch let error as PostgresError where error.isSerializationFailure {
            // The ordinary race with another worker: the next pass tries again.
            return PassResult()
        } catch where !claimed.isEmpty {
            // A step threw, which rolled back the whole pass. Alone, only that run's transition fails.
            if limit == 1 { throw error as? StepThrew ?? StepThrew(run: claimed[0], step: nil, error: error) }
            var result = dispatching ? try await pass(tenant: tenant, dispatching: true, runs: 0) : PassResult()
            // Until the run that threw is found, taking up the runs due before it alone meanwhile (a re-made
            // dispatch gives new runs new ids, so the order may differ from the failed pass's); the next
            // pass takes the rest together again.
            for _ in 0..<max(claimed.count, configuration.runsPerTransaction) {
                do {
                    let alone = try await pass(tenant: tenant, dispatching: false, runs: 1)
                    result.runs += alone.runs
                    result.steps += alone.steps
                    if alone.runs == 0 { break }
                } catch let failed as StepThrew {
                    try await recordFailure(failed, tenant: tenant)
                    result.failures += 1
                    break
                }
            }
            return result
        }
    }

    /// Execution-only passes side by side, each until it finds less than a
    /// full page of due runs (at most `passesPerExecutor` each, so that new
    /// events are dispatched again soon). Returns the steps taken and whether
    /// runs are still backed up.
    func executeConcurrently(tenant: Slug) async throws -> (steps: Int, backlog: Bool) {
        try await withThrowingTaskGroup(of: (steps: Int, backlog: Bool).self) { group in
            for _ in 0..<configuration.concurrentPasses {
                group.addTask {
                    var steps = 0
                    for _ in 0..<configuration.passesPerExecutor {
                        let pass = try await pass(tenant: tenant, dispatching: false)
                        steps += pass.steps
                        guard pass.leaseHeld, pass.runs == configuration.runsPerTransaction || pass.failures > 0 else {
                            return (steps, false)
                        }
                    }
                    return (steps, true)
                }
            }
            var total = (steps: 0, backlog: false)
            for try await executed in group {
                total.steps += executed.steps
                total.backlog = total.backlog || executed.backlog
            }
            return total
        }
    }

    /// A run's steps, one transition after another, while it stays runnable
    /// (at most `stepsPerRun`, so that a template looping through decisions
    /// cannot hold the pass).
    /// Returns whether a step emitted an event of a type in `correlated` (one some template takes as a document).
    private func advance(
        _ run: inout RunState, deployment: Deployment, documents prefetched: [String: JSONValue]?,
        correlated: Set<String>, tenant: Slug, at time: Date, on tx: PostgresConnection, effects: TransitionEffects,
        writes: RunWrites, into transitions: inout [Transition]
    ) async throws -> Bool {
        // Read for the pass's runs together (see `pass`); again only after a step emitted one of their types.
        var documents = prefetched
        var emittedDocument = false
        for _ in 0..<configuration.stepsPerRun {
            let started = ContinuousClock.now
            let stepID = run.currentStep
            let step = stepID.flatMap { deployment.template.step($0) }
            let kind = step?.kind
            let trace = run.stepTrace()
            let fields = [
                "tenant": tenant.value, "run": run.id.uuidString.lowercased(), "step": stepID ?? "",
                "kind": kind?.rawValue ?? "finish",
            ]
            let execution = StepExecution(
                tenant: tenant, tx: tx, deployment: deployment, time: time, effects: effects, writes: writes)
            let report = try await TraceContext.$current.withValue(trace) {
                // Debug: at info, "step finished" already says which step ran.
                logger.debug("step started", metadata: fields)
                do {
                    return try await execution.advance(&run, documents: &documents)
                } catch {
                    // Rolled back with the pass. A serialization failure is the ordinary race, not worth an error line.
                    var failed = fields
                    failed["error"] = (error as? any CodedError)?.code ?? String(describing: type(of: error))
                    let race = (error as? PostgresError)?.isSerializationFailure == true
                    logger.log(race ? .debug : .error, "step failed", metadata: failed)
                    if race { throw error }
                    throw StepThrew(run: run.id, step: stepID, error: error)
                }
            }
            transitions.append(Transition(run: run.id, report: report, trace: trace, duration: ContinuousClock.now - started))
            if kind == .emit, let type = step?.definition["event"]?.stringValue, correlated.contains(type) {
                documents = nil
                emittedDocument = true
            }
            guard report.runStatus == "runnable" else { break }
        }
        writes.settle(run)
        return emittedDocument
    }

    /// The correlated documents of the runs a pass takes up, by deployment and correlation key: one
    /// statement per template instead of one per run.
    private func documents(for runs: [RunState], on tx: PostgresConnection) async throws
        -> [UUID: [String: [String: JSONValue]]]
    {
        var keys: [UUID: [String]] = [:]
        for run in runs { keys[run.deploymentID, default: []].append(run.correlationKey) }
        var documents: [UUID: [String: [String: JSONValue]]] = [:]
        for (id, keys) in keys.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
            let template = try await deployment(id, on: tx).template
            documents[id] = try await CorrelatedDocuments.load(for: template, keys: keys, on: tx)
        }
        return documents
    }

    /// The committed pass's log lines and metrics: runs started, then each transition.
    private func logCommitted(created: [CreatedRun], transitions: [Transition], tenant: Slug) {
        for run in created {
            TraceContext.withSpan(named: run.traceparent) {
                logger.info(
                    "run created",
                    metadata: [
                        "tenant": tenant.value, "run": run.id.uuidString.lowercased(), "template": run.template,
                        "event_seq": String(run.event),
                    ])
            }
        }
        var emitted = false
        for transition in transitions {
            observeStep?(transition.report.kind, transition.duration)
            TraceContext.$current.withValue(transition.trace) {
                logStep(transition.report, run: transition.run, tenant: tenant)
            }
            emitted = emitted || transition.report.kind == WorkflowTemplate.Step.Kind.emit.rawValue
        }
        // An emit step may have queued outbox messages for the delivery worker.
        if emitted { databases.notifyAfterCommit("countersign_outbox", payload: tenant.tenantSchemaName, for: tenant) }
    }

    /// A run whose step threw on its own: tried again after a backoff (1, 2,
    /// 4, 8… seconds, at most 5 minutes), and parked as an exception for a
    /// person to retry or cancel once it has failed `maximumAttempts` times.
    func recordFailure(_ failure: StepThrew, tenant: Slug) async throws {
        let time = now()
        let run = failure.run
        let code = (failure.error as? any CodedError)?.code ?? "step_error"
        let message =
            (failure.error as? any CodedError)?.message ?? "the step failed (\(String(describing: type(of: failure.error))))"
        let failed = try await databases.withTransaction(for: tenant) { tx -> (status: String, attempts: Int, step: String)? in
            guard try await lease.claim(on: tx) != .heldElsewhere else { return nil }
            let rows = try await tx.query(
                """
                UPDATE runs SET attempts = attempts + 1, updated_at = now(),
                       error = \((failure.step.map { "step \($0): " } ?? "") + code + ": " + message),
                       status = CASE WHEN attempts + 1 >= \(configuration.maximumAttempts) THEN 'exception' ELSE status END,
                       next_attempt_at = \(time) + least(power(2, attempts), 300) * interval '1 second'
                WHERE id = \(run) AND status = 'runnable'
                RETURNING status, attempts, coalesce(\(failure.step), current_step, '') AS step
                """)
            guard let row = rows.first else { return nil }
            let failed = (
                status: try row.decode("status", as: String.self), attempts: try row.decode("attempts", as: Int.self),
                step: try row.decode("step", as: String.self)
            )
            if failed.status == "exception" {
                try await AuditLog(schema: SQLIdentifier(tenant.tenantSchemaName)).append(
                    AuditEntry(
                        actor: "system:engine", action: "run.exception", subject: "run:\(run.uuidString.lowercased())",
                        details: ["step": failed.step, "code": code, "attempts": String(failed.attempts)]),
                    on: tx)
            }
            return failed
        }
        guard let failed else { return }
        logger.log(
            failed.status == "exception" ? .error : .warning,
            failed.status == "exception" ? "run stopped on an exception" : "step will be retried",
            metadata: [
                "tenant": tenant.value, "run": run.uuidString.lowercased(), "step": failed.step, "error": code,
                "attempts": String(failed.attempts),
            ])
    }

    /// A step that threw (not a ``StepFailure``, which is the data's and becomes an exception outcome).
    struct StepThrew: Error {
        let run: UUID
        /// The step that threw; nil when the pass failed outside the run's steps.
        let step: String?
        let error: any Error
    }
}
