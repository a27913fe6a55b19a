import ControlPlane
import Events
import Foundation
import Platform
import Postgres
import Synchronization
import Telemetry

/// Runs a tenant's workflows: starts runs from new events and executes their
/// steps, each step transition in one transaction.
///
/// Durability: a run's state lives in `runs` and moves only inside a
/// transaction that also writes the step's result, its outbox messages, its
/// audit entry and its usage count, holding the run's row lock. A worker
/// killed at any instant leaves either the whole transition or none of it;
/// another worker (`FOR UPDATE SKIP LOCKED`) carries on from the last one.
public struct WorkflowEngine: Sendable {
    /// Notified (payload: the tenant's schema) when events or decisions leave work.
    public static let channel = "countersign_engine"

    public struct Configuration: Sendable {
        /// Events read per dispatch transaction.
        public var eventsPerDispatch = 500
        /// Step transitions per call of ``process(tenant:)`` before yielding.
        public var stepsPerPass = 1_000
        /// Tries of a step failing for a transient reason before the run becomes an exception.
        public var maximumAttempts = 5
        /// Task reminders sent per call of ``process(tenant:)``; the rest wait for the next.
        public var remindersPerPass = 500
        /// Counts runs, steps and decisions; off only for benchmarks (see ``UsageMeter``).
        public var usage = UsageMeter.enabled
        public init() {}
    }

    let databases: TenantDatabases
    let configuration: Configuration
    let now: @Sendable () -> Date
    let logger: Logger
    private let templates = TemplateCache()

    /// Told each committed step's kind and how long its transaction took (metrics).
    public typealias StepObserver = @Sendable (_ kind: String, _ duration: Duration) -> Void
    let observeStep: StepObserver?

    var usage: UsageMeter { configuration.usage }

    public init(
        databases: TenantDatabases, configuration: Configuration = Configuration(),
        now: @escaping @Sendable () -> Date = Date.init, logger: Logger = .disabled, observeStep: StepObserver? = nil
    ) {
        self.databases = databases
        self.configuration = configuration
        self.now = now
        self.logger = logger
        self.observeStep = observeStep
    }

    /// Starts and advances runs until nothing is due; returns the step transitions made.
    @discardableResult
    public func process(tenant: Slug) async throws -> Int {
        // A short page means the queue is drained: no second look for nothing.
        while try await dispatch(tenant: tenant) == configuration.eventsPerDispatch {}
        let due = try await dueTimers(tenant: tenant)
        if due.waits { try await wakeExpiredWaits(tenant: tenant) }
        if due.tasks { try await runTaskTimers(tenant: tenant) }
        // Depth first: a run that is still runnable after a step takes its next
        // step at once, so one run's latency does not grow with the backlog.
        var transitions = 0
        var current: UUID?
        while transitions < configuration.stepsPerPass {
            guard let advanced = try await executeNext(tenant: tenant, preferring: current) else { break }
            current = advanced
            transitions += 1
        }
        return transitions
    }

    // MARK: Dispatch

    /// Dispatches the events the engine has not seen yet (`engine_inbox`,
    /// tenant migration 0011): triggers start runs, correlated events wake runs
    /// waiting for documents. Returns the events read.
    ///
    /// One synchronous transaction on the connection's own thread: a pass
    /// costs one hand-off, not one per statement (see `PostgresSession`).
    func dispatch(tenant: Slug) async throws -> Int {
        let known = templates.knownIDs()
        let (read, created) = try await databases.withBlockingTransaction(for: tenant) { tx -> (Int, [CreatedRun]) in
            // Oldest first; a concurrent pass skips these and takes the next ones.
            let events = try tx.query(
                """
                WITH claimed AS (
                    DELETE FROM engine_inbox WHERE event_seq IN (
                        SELECT event_seq FROM engine_inbox ORDER BY event_seq
                        LIMIT \(configuration.eventsPerDispatch) FOR UPDATE SKIP LOCKED)
                    RETURNING event_seq
                )
                SELECT e.seq, e.type, e.traceparent FROM claimed c JOIN events e ON e.seq = c.event_seq ORDER BY e.seq
                """)
            // A pass that finds nothing new reads neither deployments nor documents.
            guard events.first != nil else { return (0, []) }
            let deployments = try activeDeployments(on: tx, known: known)
            // Only events some deployment reacts to are read whole.
            let relevant = Array(
                Set(deployments.flatMap { [$0.template.trigger] + $0.template.correlation.documents.values.map(\.event) }))
            var seqs: [String] = []
            for row in events { seqs.append(String(try row.decode("seq", as: Int64.self))) }
            var documents: [Int64: String] = [:]
            for row in try tx.query(
                """
                SELECT seq, document::text AS document FROM events
                WHERE seq = ANY(\(seqs)::bigint[]) AND type = ANY(\(relevant)::text[])
                """)
            {
                documents[try row.decode("seq", as: Int64.self)] = try row.decode("document", as: String.self)
            }
            var created: [CreatedRun] = []
            for row in events {
                let seq = try row.decode("seq", as: Int64.self)
                guard let text = documents[seq] else { continue }
                let type = try row.decode("type", as: String.self)
                let document = try JSONParser(maxBytes: 16 << 20, maxDepth: 64).parse(text)
                for deployment in deployments {
                    let template = deployment.template
                    if template.trigger == type, let key = Self.keyText(document.value(at: template.correlation.key)) {
                        let inserted = try tx.query(
                            """
                            INSERT INTO runs (deployment_id, template_slug, template_version, correlation_key,
                                              trigger_event_seq, current_step)
                            VALUES (\(deployment.id), \(template.slug), \(template.version), \(key), \(seq),
                                    \(template.firstStep))
                            ON CONFLICT (deployment_id, trigger_event_seq) DO NOTHING
                            RETURNING id
                            """)
                        for run in inserted {
                            created.append(
                                CreatedRun(
                                    id: try run.decode("id", as: UUID.self), template: template.slug,
                                    event: seq, traceparent: try row.decode("traceparent", as: String?.self)))
                        }
                    }
                    for (_, correlated) in template.correlation.documents where correlated.event == type {
                        guard let key = Self.keyText(document.value(at: correlated.key)) else { continue }
                        try tx.query(
                            """
                            UPDATE runs SET status = 'runnable', waiting_for = NULL, next_attempt_at = now(),
                                            updated_at = now()
                            WHERE status = 'waiting' AND waiting_for = 'documents'
                              AND template_slug = \(template.slug) AND correlation_key = \(key)
                            """)
                    }
                }
            }
            try usage.count("engine.runs_started", created.count, on: tx)
            return (events.count, created)
        }
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
        return read
    }

    /// A run started by a dispatch, logged once the dispatch has committed.
    struct CreatedRun: Sendable {
        let id: UUID
        let template: String
        let event: Int64
        let traceparent: String?
    }

    /// A correlation key as text: strings as they are, numbers by their text.
    static func keyText(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: text.isEmpty ? nil : text
        case .number(let text)?: text
        default: nil
        }
    }

    /// The active deployments; the template documents of those in `known` (already parsed) are not read again.
    func activeDeployments(on tx: PostgresSession, known: [UUID]) throws -> [Deployment] {
        let rows = try tx.query(
            """
            SELECT id, CASE WHEN id = ANY(\(known.map { $0.uuidString.lowercased() })::uuid[]) THEN '' ELSE document::text END AS document,
                   parameters::text AS parameters, deployed_by, deployed_at
            FROM deployments WHERE active ORDER BY template_slug
            """)
        var deployments: [Deployment] = []
        for row in rows { deployments.append(try templates.deployment(from: row)) }
        return deployments
    }

    func deployment(_ id: UUID, on tx: PostgresConnection) async throws -> Deployment {
        if let cached = templates.cached(id) { return cached }
        let rows = try await tx.query("SELECT \(fragment: Deployments.deploymentColumns) FROM deployments WHERE id = \(id)")
        guard let row = rows.first else { throw EngineError.internalState("deployment \(id) is missing") }
        return try templates.deployment(from: row)
    }

    // MARK: Timers

    /// Whether any timer is due: one statement, where running the sweeps to find
    /// nothing took a statement and a transaction on every pass.
    func dueTimers(tenant: Slug) async throws -> (waits: Bool, tasks: Bool) {
        let time = now()
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT EXISTS (
                           SELECT FROM runs
                           WHERE status = 'waiting' AND waiting_for = 'documents' AND wait_until <= \(time)) AS waits,
                       EXISTS (SELECT FROM task_reminders WHERE sent_at IS NULL AND remind_at <= \(time))
                       OR EXISTS (
                           SELECT FROM tasks
                           WHERE status = 'open' AND due_at <= \(time) AND escalated_at IS NULL
                             AND escalate_to IS NOT NULL) AS tasks
                """)
        }
        guard let row = rows.first else { return (false, false) }
        return (try row.decode("waits", as: Bool.self), try row.decode("tasks", as: Bool.self))
    }

    /// Runs waiting for documents past their deadline run their wait step
    /// again, which then takes its timeout branch.
    func wakeExpiredWaits(tenant: Slug) async throws {
        let time = now()
        let woken = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                UPDATE runs r SET status = 'runnable', waiting_for = NULL, next_attempt_at = \(time), updated_at = now()
                FROM events e
                WHERE e.seq = r.trigger_event_seq
                  AND r.status = 'waiting' AND r.waiting_for = 'documents' AND r.wait_until <= \(time)
                RETURNING r.id, r.current_step, e.traceparent
                """)
        }
        for row in woken {
            let run = try row.decode("id", as: UUID.self)
            let step = try row.decode("current_step", as: String?.self) ?? ""
            TraceContext.withSpan(named: try row.decode("traceparent", as: String?.self)) {
                logger.info(
                    "run wait expired",
                    metadata: ["tenant": tenant.value, "run": run.uuidString.lowercased(), "step": step])
            }
        }
    }

    /// Task timers: reminders due before an SLA are sent (see ``TaskReminders``), and open tasks
    /// past their SLA go to the escalation role, once, with an audit entry each.
    func runTaskTimers(tenant: Slug) async throws {
        let time = now()
        let escalated = try await databases.withTransaction(for: tenant) { tx in
            _ = try await TaskReminders.sendDue(tenant: tenant, at: time, limit: configuration.remindersPerPass, on: tx)
            let escalated = try await tx.query(
                """
                UPDATE tasks t SET role = t.escalate_to, escalated_at = \(time),
                       due_at = \(time) + (t.due_at - t.created_at)
                FROM runs r JOIN events e ON e.seq = r.trigger_event_seq
                WHERE r.id = t.run_id
                  AND t.status = 'open' AND t.due_at <= \(time) AND t.escalated_at IS NULL AND t.escalate_to IS NOT NULL
                RETURNING t.id, t.run_id, t.role, e.traceparent
                """)
            let log = try AuditLog(schema: SQLIdentifier(tenant.tenantSchemaName))
            for row in escalated {
                try await log.append(
                    AuditEntry(
                        actor: "system:engine", action: "task.escalated",
                        subject: "task:\(try row.decode("id", as: UUID.self).uuidString.lowercased())",
                        details: [
                            "run": try row.decode("run_id", as: UUID.self).uuidString.lowercased(),
                            "to_role": try row.decode("role", as: String.self), "reason": "sla_breached",
                        ]), on: tx)
            }
            return escalated
        }
        for row in escalated {
            let task = try row.decode("id", as: UUID.self), run = try row.decode("run_id", as: UUID.self)
            let role = try row.decode("role", as: String.self)
            TraceContext.withSpan(named: try row.decode("traceparent", as: String?.self)) {
                logger.info(
                    "task escalated",
                    metadata: [
                        "tenant": tenant.value, "task": task.uuidString.lowercased(), "run": run.uuidString.lowercased(),
                        "role": role,
                    ])
            }
        }
    }

    // MARK: Execution

    /// Executes the current step of one due run — `preferred` if it is still
    /// runnable — and returns its id; nil when no run is due.
    func executeNext(tenant: Slug, preferring preferred: UUID? = nil) async throws -> UUID? {
        let time = now()
        let started = ContinuousClock.now
        do {
            let executed = try await databases.withTransaction(for: tenant) {
                tx -> (run: UUID, emitted: Bool, kind: String, report: StepReport, trace: TraceContext?)? in
                // The preferred run if it is still runnable, else the next due one: one statement either way.
                let found = try await tx.query(
                    """
                    WITH preferred AS (
                        SELECT \(fragment: Self.runColumns)
                        FROM runs r JOIN events e ON e.seq = r.trigger_event_seq
                        WHERE r.id = \(preferred) AND r.status = 'runnable' AND r.next_attempt_at <= \(time)
                        FOR UPDATE OF r SKIP LOCKED
                    ), due AS (
                        SELECT \(fragment: Self.runColumns)
                        FROM runs r JOIN events e ON e.seq = r.trigger_event_seq
                        WHERE r.status = 'runnable' AND r.next_attempt_at <= \(time) AND NOT EXISTS (SELECT FROM preferred)
                        ORDER BY r.next_attempt_at, r.id
                        LIMIT 1
                        FOR UPDATE OF r SKIP LOCKED
                    )
                    SELECT * FROM preferred UNION ALL SELECT * FROM due
                    """
                ).first
                guard let row = found else { return nil }
                let claimed = try RunState(row: row)
                let deployment = try await deployment(claimed.deploymentID, on: tx)
                let kind = claimed.currentStep.flatMap { deployment.template.step($0) }?.kind
                let trace = claimed.stepTrace()
                let report = try await TraceContext.$current.withValue(trace) {
                    let fields = [
                        "tenant": tenant.value, "run": claimed.id.uuidString.lowercased(), "step": claimed.currentStep ?? "",
                        "kind": kind?.rawValue ?? "finish",
                    ]
                    // Debug: at info, "step finished" already says which step ran.
                    logger.debug("step started", metadata: fields)
                    var run = claimed
                    do {
                        return try await StepExecution(
                            engine: self, tenant: tenant, tx: tx, deployment: deployment, time: time
                        ).advance(&run)
                    } catch {
                        // Rolled back: the run stays where it was and is tried again. A serialization
                        // failure is the ordinary race with another worker, not worth an error line.
                        var failed = fields
                        failed["error"] = (error as? any CodedError)?.code ?? String(describing: type(of: error))
                        let race = (error as? PostgresError)?.isSerializationFailure == true
                        logger.log(race ? .debug : .error, "step failed", metadata: failed)
                        throw error
                    }
                }
                return (claimed.id, kind == .emit, kind?.rawValue ?? "finish", report, trace)
            }
            if let executed {
                observeStep?(executed.kind, ContinuousClock.now - started)
                TraceContext.$current.withValue(executed.trace) {
                    logStep(executed.report, run: executed.run, tenant: tenant)
                }
            }
            // An emit step may have queued outbox messages for the delivery worker.
            if executed?.emitted == true {
                databases.notifyAfterCommit("countersign_outbox", payload: tenant.tenantSchemaName, for: tenant)
            }
            return executed?.run
        } catch let error as PostgresError where error.isSerializationFailure {
            return preferred
        }
    }

    static let runColumns: StaticString = """
        r.id, r.deployment_id, r.correlation_key, r.current_step, r.context::text AS context, r.attempts, r.created_at,
        e.document::text AS trigger, e.event_id AS trigger_id, e.traceparent AS trigger_traceparent
        """

    /// The committed transition's lines: the step's outcome, and the task it opened or the run's end.
    private func logStep(_ report: StepReport, run: UUID, tenant: Slug) {
        var fields = [
            "tenant": tenant.value, "run": run.uuidString.lowercased(), "step": report.step ?? "", "kind": report.kind,
            "outcome": report.outcome, "run_status": report.runStatus,
        ]
        if let detail = report.detail { fields[report.outcome == "task_opened" ? "role" : "detail"] = detail }
        if report.outcome == "exception" {
            logger.warning("step failed", metadata: fields)
        } else {
            logger.info("step finished", metadata: fields)
        }
        if report.outcome == "task_opened" {
            logger.info("task created", metadata: fields)
        }
        if report.runStatus == "completed" || report.runStatus == "exception" {
            logger.info("run \(report.runStatus == "completed" ? "completed" : "stopped on an exception")", metadata: fields)
        }
    }
}

/// Parsed templates by deployment id: deployments never change once made.
final class TemplateCache: Sendable {
    private let cache = Mutex<[UUID: Deployment]>([:])

    /// The ids decoded so far, whose documents need not be read again.
    func knownIDs() -> [UUID] {
        cache.withLock { Array($0.keys) }
    }

    /// The deployment if it was decoded before: a step needs no query for it.
    func cached(_ id: UUID) -> Deployment? {
        cache.withLock { $0[id] }
    }

    func deployment(from row: PostgresRow) throws -> Deployment {
        let id = try row.decode("id", as: UUID.self)
        if let cached = cache.withLock({ $0[id] }) { return cached }
        let template = try WorkflowTemplate.parse(Data(try row.decode("document", as: String.self).utf8))
        let parameters = try JSONParser().parse(row.decode("parameters", as: String.self)).objectValue ?? [:]
        let deployment = Deployment(
            id: id, template: template, parameters: parameters, deployedBy: try row.decode("deployed_by", as: String.self),
            deployedAt: try row.decode("deployed_at", as: Date.self))
        cache.withLock { $0[id] = deployment }
        return deployment
    }
}

public struct EngineError: CodedError, Equatable {
    public let code: String
    public let message: String
    public let httpStatus: Int
    public let field: String?

    static func internalState(_ message: String) -> EngineError {
        EngineError(code: "engine_state", message: message, httpStatus: 500, field: nil)
    }
}
