import ControlPlane
import Events
import Foundation
import Postgres
import Telemetry

/// A run as loaded for one step transition.
struct RunState {
    let id: UUID
    let deploymentID: UUID
    let correlationKey: String
    var currentStep: String?
    /// `{"steps": {id: result}, "vars": {…}}`.
    var context: [String: JSONValue]
    let attempts: Int
    let createdAt: Date
    let trigger: JSONValue
    let triggerID: String
    /// The trigger event's stored `traceparent` (the sender's, or the one its
    /// ingest request began): the trace every step of the run continues.
    let traceparent: String?

    init(row: PostgresRow) throws {
        id = try row.decode("id", as: UUID.self)
        deploymentID = try row.decode("deployment_id", as: UUID.self)
        correlationKey = try row.decode("correlation_key", as: String.self)
        currentStep = try row.decode("current_step", as: String?.self)
        context = try JSONParser(maxBytes: 16 << 20, maxDepth: 64).parse(row.decode("context", as: String.self)).objectValue ?? [:]
        attempts = try row.decode("attempts", as: Int.self)
        createdAt = try row.decode("created_at", as: Date.self)
        trigger = try JSONParser(maxBytes: 16 << 20, maxDepth: 64).parse(row.decode("trigger", as: String.self))
        triggerID = try row.decode("trigger_id", as: String.self)
        traceparent = try row.decode("trigger_traceparent", as: String?.self)
    }

    /// A new span of the trigger event's trace for one step transition; nil when the event has no trace.
    func stepTrace() -> TraceContext? {
        traceparent.flatMap { TraceContext.continuing(traceparent: $0) }
    }

    var stepResults: [String: JSONValue] { context["steps"]?.objectValue ?? [:] }
}

/// What a step did, which decides how the run moves on.
enum StepOutcome {
    /// Done; continue with `next` (nil ends the run).
    case advance(result: JSONValue, next: String?)
    /// Needs correlated documents that have not arrived; retried when they do, or at `until`.
    case waitForDocuments(missing: [String], until: Date?, onTimeout: String?)
    /// A human task was opened; the run continues when it is decided.
    case waitForTask(result: JSONValue)
    /// The step cannot succeed as things stand; a person must retry or cancel the run.
    case exception(code: String, message: String)
}

/// What one step transition did, logged once its transaction has committed.
struct StepReport: Sendable {
    let step: String?
    let kind: String
    /// completed, timed_out, waiting, task_opened or exception; `finished` when the run had no step left.
    let outcome: String
    /// The run's status afterwards.
    let runStatus: String
    /// The exception's code, or the role a task was opened for.
    let detail: String?
}

/// A step failure that is the template's or the data's, not the system's.
struct StepFailure: Error {
    let code: String
    let message: String
}

/// One step transition of one run, inside the transaction that holds the run's lock.
struct StepExecution {
    let tenant: Slug
    let tx: PostgresConnection
    let deployment: Deployment
    let time: Date
    /// Where the transition's audit entries and usage counts go, written at the end of the pass.
    let effects: TransitionEffects
    /// Where the run's row and step rows go, written at the end of the pass.
    let writes: RunWrites

    var template: WorkflowTemplate { deployment.template }

    /// Takes the run's current step. `documents` are the run's correlated
    /// documents as an earlier step of the same pass read them, or nil to read them now.
    func advance(_ run: inout RunState, documents cached: inout [String: JSONValue]?) async throws -> StepReport {
        guard let stepID = run.currentStep, let step = template.step(stepID) else {
            effects.audit(finish(&run, status: "completed", error: nil))
            return StepReport(step: nil, kind: "finish", outcome: "finished", runStatus: "completed", detail: nil)
        }
        let documents: [String: JSONValue]
        if let cached {
            documents = cached
        } else {
            // Events emitted earlier in the pass may be among them.
            try await effects.storeEvents(on: tx)
            documents = try await CorrelatedDocuments.load(for: template, key: run.correlationKey, on: tx)
            cached = documents
        }
        let environment = Environment(
            trigger: run.trigger, documents: documents, steps: run.stepResults,
            variables: run.context["vars"]?.objectValue ?? [:], parameters: deployment.parameters,
            parameterKinds: template.parameters.mapValues(\.kind))
        let outcome: StepOutcome
        do {
            outcome = try await execute(step, run: run, environment: environment)
        } catch let failure as StepFailure {
            outcome = .exception(code: failure.code, message: failure.message)
        }
        return try await record(outcome, of: step, run: &run)
    }

    // MARK: Steps

    private func execute(_ step: WorkflowTemplate.Step, run: RunState, environment: Environment) async throws
        -> StepOutcome
    {
        switch step.kind {
        case .threeWayMatch:
            return try ThreeWayMatchStep.execute(step, environment: environment, run: run, template: template)
        case .landedCostAllocation:
            return try LandedCostStep.execute(step, environment: environment, run: run)
        case .varianceReview:
            return try VarianceReviewStep.execute(step, environment: environment, run: run, time: time)
        case .returnsDisposition:
            return try ReturnsDispositionStep.execute(step, environment: environment, run: run, time: time)
        case .claim:
            return try ClaimStep.execute(step, environment: environment, run: run, time: time)
        case .assist:
            return try await AssistStep.execute(step, environment: environment, run: run, execution: self)
        case .decision:
            guard case .array(let cases)? = step.definition["cases"] else {
                throw StepFailure(code: "template_invalid", message: "decision without cases")
            }
            for entry in cases {
                guard let condition = entry["when"]?.stringValue, let next = entry["next"]?.stringValue else { continue }
                if try ExpressionBridge.condition(condition, in: environment) {
                    return .advance(result: .object(["taken": .string(next), "when": .string(condition)]), next: next)
                }
            }
            let otherwise = step.definition["otherwise"]?.stringValue
            return .advance(result: .object(["taken": otherwise.map(JSONValue.string) ?? .null]), next: otherwise)
        case .set:
            var values: [String: JSONValue] = [:]
            for (name, source) in step.definition["values"]?.objectValue ?? [:] {
                guard let text = source.stringValue else { continue }
                values[name] = try ExpressionBridge.value(text, in: environment)
            }
            return .advance(result: .object(values), next: step.next)
        case .wait:
            let names = (step.definition["for"]?.arrayValue ?? []).compactMap(\.stringValue)
            let missing = names.filter { environment.documents[$0] == nil || environment.documents[$0] == .array([]) }
            guard missing.isEmpty else {
                let timeout = environment.setting(step.definition["timeout_seconds"]).flatMap(Double.init)
                return .waitForDocuments(
                    missing: missing, until: timeout.map { run.createdAt.addingTimeInterval($0) },
                    onTimeout: step.definition["on_timeout"]?.stringValue)
            }
            return .advance(result: .object(["received": .array(names.map(JSONValue.string))]), next: step.next)
        case .emit:
            return try await ApprovalAndEmit.emit(step, environment: environment, run: run, execution: self)
        case .approval:
            return try await ApprovalAndEmit.openTask(step, environment: environment, run: run, execution: self)
        }
    }

    // MARK: Recording

    private func record(_ outcome: StepOutcome, of step: WorkflowTemplate.Step, run: inout RunState) async throws
        -> StepReport
    {
        let subject = "run:\(run.id.uuidString.lowercased())"
        func report(_ outcome: String, _ status: String, _ detail: String? = nil) -> StepReport {
            StepReport(step: step.id, kind: step.kind.rawValue, outcome: outcome, runStatus: status, detail: detail)
        }
        let made: StepReport
        var audit: [AuditEntry] = []
        // A wait that timed out is not a step taken.
        var countsAsStep = true
        switch outcome {
        case .advance(let result, let next):
            let row = StepRow(step: step, outcome: "completed", result: result)
            var steps = run.stepResults
            steps[step.id] = result
            run.context["steps"] = .object(steps)
            if step.kind == .set, case .object(let values) = result {
                var variables = run.context["vars"]?.objectValue ?? [:]
                for (name, value) in values { variables[name] = value }
                run.context["vars"] = .object(variables)
            }
            run.currentStep = next
            audit.append(
                AuditEntry(actor: "system:engine", action: "run.step_completed", subject: subject,
                           details: ["step": step.id, "kind": step.kind.rawValue, "next": next ?? ""]))
            if next == nil {
                audit.append(finish(&run, status: "completed", error: nil, recording: row))
            } else {
                update(run, status: "runnable", waitingFor: nil, nextAttempt: time, recording: row)
            }
            made = report("completed", next == nil ? "completed" : "runnable")
        case .waitForDocuments(let missing, let until, let onTimeout):
            if let until, until <= time {
                countsAsStep = false
                if let onTimeout {
                    let row = StepRow(step: step, outcome: "timed_out", result: .object(["missing": .array(missing.map(JSONValue.string))]))
                    run.currentStep = onTimeout
                    update(run, status: "runnable", waitingFor: nil, nextAttempt: time, recording: row)
                    made = report("timed_out", "runnable")
                } else {
                    audit.append(
                        exception(&run, step: step, code: "wait_timed_out", message: "still missing \(missing.joined(separator: ", "))"))
                    made = report("exception", "exception", "wait_timed_out")
                }
            } else {
                // A waiting run with a deadline is woken by the sweep when it passes.
                update(run, status: "waiting", waitingFor: "documents", nextAttempt: until ?? time, waitUntil: until)
                made = report("waiting", "waiting", missing.joined(separator: ","))
            }
        case .waitForTask(let result):
            update(
                run, status: "waiting", waitingFor: "task", nextAttempt: time,
                recording: StepRow(step: step, outcome: "task_opened", result: result))
            audit.append(
                AuditEntry(actor: "system:engine", action: "task.opened", subject: subject,
                           details: ["step": step.id, "role": result["role"]?.stringValue ?? ""]))
            made = report("task_opened", "waiting", result["role"]?.stringValue)
        case .exception(let code, let message):
            audit.append(exception(&run, step: step, code: code, message: message))
            made = report("exception", "exception", code)
        }
        if countsAsStep { effects.count("engine.steps") }
        for entry in audit { effects.audit(entry) }
        return made
    }

    /// Parks the run as an exception; returns its audit entry.
    private func exception(_ run: inout RunState, step: WorkflowTemplate.Step, code: String, message: String) -> AuditEntry {
        writes.record(
            run.id,
            StepRow(step: step, outcome: "exception", result: .object(["code": .string(code), "message": .string(message)])),
            then: RunWrites.Outcome(status: "exception", error: code + ": " + message))
        return AuditEntry(
            actor: "system:engine", action: "run.exception", subject: "run:\(run.id.uuidString.lowercased())",
            details: ["step": step.id, "code": code])
    }

    private func update(
        _ run: RunState, status: String, waitingFor: String?, nextAttempt: Date, waitUntil: Date? = nil,
        recording row: StepRow? = nil
    ) {
        writes.record(
            run.id, row,
            then: RunWrites.Outcome(
                status: status, waitingFor: waitingFor, nextAttempt: nextAttempt, waitUntil: waitUntil, resetsAttempts: true))
    }

    /// Ends the run; returns its audit entry.
    private func finish(_ run: inout RunState, status: String, error: String?, recording row: StepRow? = nil) -> AuditEntry {
        run.currentStep = nil
        writes.record(run.id, row, then: RunWrites.Outcome(status: status, error: error, completes: true))
        effects.count("engine.runs_\(status)")
        return AuditEntry(actor: "system:engine", action: "run.\(status)", subject: "run:\(run.id.uuidString.lowercased())")
    }
}

/// A step's row in the run's timeline.
struct StepRow {
    let step: WorkflowTemplate.Step
    let outcome: String
    let result: JSONValue
}

/// What expressions and step inputs can see.
struct Environment {
    let trigger: JSONValue
    let documents: [String: JSONValue]
    let steps: [String: JSONValue]
    let variables: [String: JSONValue]
    let parameters: [String: JSONValue]
    /// How the template declares each parameter: expressions read numeric ones as numbers.
    var parameterKinds: [String: WorkflowTemplate.Parameter.Kind] = [:]
    /// What ``ExpressionBridge`` converted this to, kept for the step's next expression.
    let expressionValues = ExpressionValues()

    /// A step setting that is either written out (`"24"`) or names a
    /// deployment parameter (`"params.sla_hours"`), so partners tune
    /// templates per client without editing them.
    func setting(_ value: JSONValue?) -> String? {
        guard let text = value?.numberText else { return nil }
        guard text.hasPrefix("params.") else { return text }
        return parameters[String(text.dropFirst("params.".count))]?.numberText
    }

    /// The same, as one JSON object: `trigger`, `documents`, `steps`, `vars`, `params`.
    var json: JSONValue {
        .object([
            "trigger": trigger, "documents": .object(documents), "steps": .object(steps), "vars": .object(variables),
            "params": .object(parameters),
        ])
    }
}

extension JSONValue {
    /// A number's text, or a string's (parameters keep decimals as strings).
    var numberText: String? {
        switch self {
        case .number(let text), .string(let text): text
        default: nil
        }
    }
}
