import ControlPlane
import Events
import Foundation
import Platform
import Postgres
import Synchronization
import Telemetry

/// Runs a tenant's workflows: starts runs from new events and executes their
/// steps, in passes (see `EnginePass.swift`) by the worker holding the
/// tenant's runtime lease (see ``EngineLease``).
///
/// Durability: a run's state lives in `runs` and moves only inside a
/// transaction that also writes the step's result, its outbox messages, its
/// audit entry and its usage count, holding the run's row lock. A worker
/// killed at any instant leaves either the whole pass or none of it; another
/// worker carries on from the last committed one.
public struct WorkflowEngine: Sendable {
    /// Notified (payload: the tenant's schema) when events or decisions leave work.
    public static let channel = "countersign_engine"

    public struct Configuration: Sendable {
        /// Events dispatched per pass (one transaction) at most.
        public var eventsPerDispatch = 2_000
        /// Runs a pass takes up at most; each goes as far as it can without waiting.
        public var runsPerTransaction = 64
        /// Runs the pass that dispatches takes up at most. Fewer than other passes take: a pass runs its
        /// statements one after another on one core, and more runs than this hand the rest to passes
        /// side by side, which keeps latency down at loads one pass alone could barely keep up with.
        public var runsWithDispatch = 8
        /// Steps one run takes in one pass at most: a template that loops through decisions cannot hold a pass.
        public var stepsPerRun = 32
        /// Execution-only passes run side by side while runs are backed up (see ``EngineLease``).
        public var concurrentPasses = 3
        /// Passes each of those makes before new events are dispatched again.
        public var passesPerExecutor = 8
        /// Step transitions per call of ``process(tenant:)`` before yielding.
        public var stepsPerPass = 1_000
        /// Tries of a step failing for a transient reason before the run becomes an exception.
        public var maximumAttempts = 5
        /// Task reminders sent per call of ``process(tenant:)``; the rest wait for the next.
        public var remindersPerPass = 500
        /// Counts runs, steps and decisions; off only for benchmarks (see ``UsageMeter``).
        public var usage = UsageMeter.enabled
        /// This worker's name in the tenants' runtime leases (see ``EngineLease``): one per process by default.
        public var worker = EngineLease.processHolder
        /// How long a tenant's runtime stays with a worker that stopped renewing its lease.
        public var lease: Duration = .seconds(15)
        public init() {}
    }

    let databases: TenantDatabases
    let configuration: Configuration
    let now: @Sendable () -> Date
    let logger: Logger
    let templates = TemplateCache()
    /// Tenants whose runtime lease this engine has held, to give up at shutdown.
    let leased = HeldLeases()

    /// Told each committed step's kind and how long its transaction took (metrics).
    public typealias StepObserver = @Sendable (_ kind: String, _ duration: Duration) -> Void
    let observeStep: StepObserver?

    var usage: UsageMeter { configuration.usage }
    var lease: EngineLease { EngineLease(holder: configuration.worker, duration: configuration.lease) }

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
    /// Does nothing while another worker holds the tenant's runtime lease.
    @discardableResult
    public func process(tenant: Slug) async throws -> Int {
        var transitions = 0
        var timersChecked = false
        while transitions < configuration.stepsPerPass {
            let pass = try await pass(tenant: tenant)
            guard pass.leaseHeld else { break }
            transitions += pass.steps
            if !timersChecked {
                timersChecked = true
                let due = try await dueTimers(tenant: tenant)
                if due.waits { try await wakeExpiredWaits(tenant: tenant) }
                if due.tasks { try await runTaskTimers(tenant: tenant) }
                // Woken runs and escalations are due now: one more pass takes them.
                if due.waits || due.tasks { continue }
            }
            var backlog = pass.runs == configuration.runsWithDispatch || pass.failures > 0
            if backlog && configuration.concurrentPasses > 1 {
                let executed = try await executeConcurrently(tenant: tenant)
                transitions += executed.steps
                backlog = executed.backlog
            }
            // Short pages of events and of runs: nothing is left.
            if pass.events < configuration.eventsPerDispatch && !backlog { break }
        }
        return transitions
    }

    /// Gives up this worker's leases on the tenants' runtimes (a graceful
    /// shutdown), so that other workers take over at once instead of after they expire.
    public func releaseLeases() async {
        for tenant in leased.tenants {
            do {
                try await databases.withConnection(for: tenant) { try await lease.release(on: $0) }
            } catch {
                logger.warning(
                    "releasing the tenant's runtime lease failed; it expires by itself",
                    metadata: ["tenant": tenant.value, "error": String(describing: error)])
            }
        }
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
        let woken = try await databases.withTransaction(for: tenant) { tx -> [PostgresRow] in
            guard try await lease.claim(on: tx) != .heldElsewhere else { return [] }
            return Array(
                try await tx.query(
                """
                UPDATE runs r SET status = 'runnable', waiting_for = NULL, next_attempt_at = \(time), updated_at = now()
                FROM events e
                WHERE e.seq = r.trigger_event_seq
                  AND r.status = 'waiting' AND r.waiting_for = 'documents' AND r.wait_until <= \(time)
                RETURNING r.id, r.current_step, e.traceparent
                """))
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
        let escalated = try await databases.withTransaction(for: tenant) { tx -> [PostgresRow] in
            guard try await lease.claim(on: tx) != .heldElsewhere else { return [] }
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
            return Array(escalated)
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

    static let runColumns: StaticString = """
        r.id, r.deployment_id, r.correlation_key, r.current_step, r.context::text AS context, r.attempts, r.created_at,
        e.document::text AS trigger, e.event_id AS trigger_id, e.traceparent AS trigger_traceparent
        """

    /// The committed transition's lines: the step's outcome, and the task it opened or the run's end.
    func logStep(_ report: StepReport, run: UUID, tenant: Slug) {
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

    /// The event types any deployment decoded so far takes as a correlated document.
    func correlatedEventTypes() -> Set<String> {
        cache.withLock { Set($0.values.flatMap { $0.template.correlation.documents.values.map(\.event) }) }
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
