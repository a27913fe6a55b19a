import Assistance
import Events
import Finance
import Foundation
import Triage

/// `assist`: the triage assistant's view of the run's exception, recorded for the person who decides it.
///
/// The exception is either the result of an earlier `three_way_match` step (`"match": "<step id>"`,
/// whose inputs are matched again to get the typed result the classifier reads) or a generic
/// exception description (`"exception": "<path>"` to `{"kind": ..., "facts": {...}}`). The work —
/// classification, priority, the tenant's recommendation, governance, storage and audit — is
/// ``Assistance/AssistService``'s, in this step's transaction. The run continues at `next` (the
/// person's step) unless the step's `auto_resolve` allows the assistant to resolve the exception
/// itself and governance agrees: then at `auto_resolve.next`. The format is in `Templates/README.md`.
enum AssistStep {
    static let defaultSLAHours: Double = 24

    static func execute(
        _ step: WorkflowTemplate.Step, environment: Environment, run: RunState, execution: StepExecution
    ) async throws -> StepOutcome {
        let definition = step.definition
        let exception = try readException(definition, environment: environment, run: run)
        let rule = try autoResolution(definition["auto_resolve"], environment: environment)
        let slaHours = environment.setting(definition["sla_hours"]).flatMap(Double.init) ?? defaultSLAHours
        let request = AssistRequest(
            tenant: execution.tenant, runID: run.id, stepID: step.id, template: execution.template.slug,
            exceptionID: exception.id, supplier: exception.supplier, classification: exception.classification,
            documentValue: exception.documentValue, openedAt: run.createdAt,
            dueAt: run.createdAt.addingTimeInterval(slaHours * 3600), autoResolution: rule, humanStep: step.next,
            now: execution.time)
        let outcome: AssistOutcome
        do {
            outcome = try await AssistService().assist(request, on: execution.tx)
        } catch let error as TriageError {
            throw StepFailure(code: error.code, message: error.message)
        } catch let error as AssistanceError where error.kind == .invalidSettings {
            throw StepFailure(code: error.code, message: error.message)
        }
        return .advance(result: outcome.result, next: outcome.autoResolved ? rule?.next : step.next)
    }

    // MARK: Reading the exception

    private struct Exception {
        var id: String
        var supplier: String
        var classification: Classification
        var documentValue: Money
    }

    private static func readException(_ definition: [String: JSONValue], environment: Environment, run: RunState)
        throws -> Exception
    {
        if let matchStep = definition["match"]?.stringValue {
            guard environment.steps[matchStep] != nil else {
                throw StepFailure(
                    code: "assist_input_missing", message: "step \(matchStep) has not run before this assist step")
            }
            // The same inputs and policy as the match step, for the typed result the classifier reads.
            let invoice = try ThreeWayMatchStep.readInvoice(run.trigger, id: run.triggerID)
            let order = try environment.documents["purchase_order"].map(ThreeWayMatchStep.readOrder)
            let receipts = try (environment.documents["receipts"]?.arrayValue ?? []).map(ThreeWayMatchStep.readReceipt)
            var previous: [ThreeWayMatch.Invoice] = []
            for document in environment.documents["previous_invoices"]?.arrayValue ?? [] {
                previous.append(try ThreeWayMatchStep.readInvoice(document, id: document["id"]?.stringValue ?? ""))
            }
            let result = ThreeWayMatch.match(
                invoice: invoice, purchaseOrder: order, receipts: receipts, previousInvoices: previous,
                policy: try ThreeWayMatchStep.policy(environment.parameters))
            let total: Money
            do {
                total = try Money.rounding(invoice.total, currency: invoice.currency, rule: .halfUp)
            } catch {
                throw StepFailure(code: "document_incomplete", message: "the invoice total is not representable")
            }
            let supplier = try supplierOverride(definition, environment: environment) ?? result.supplierID
            return Exception(
                id: result.invoiceNumber, supplier: supplier,
                classification: ThreeWayMatchClassifier().classify(result), documentValue: total)
        }
        guard let path = definition["exception"]?.stringValue, let value = environment.json.value(at: path) else {
            throw StepFailure(
                code: "assist_input_missing", message: "the assist step's exception description was not found")
        }
        let classification = try GenericExceptionClassifier().classify(try ExceptionDescription(json: value))
        let currency = try genericCurrency(classification, description: value)
        let exposure = classification.exposure(in: currency) ?? .zero(currency)
        return Exception(
            id: run.triggerID, supplier: try supplierOverride(definition, environment: environment) ?? "unknown",
            classification: classification, documentValue: exposure)
    }

    private static func supplierOverride(_ definition: [String: JSONValue], environment: Environment) throws -> String?
    {
        guard let path = definition["supplier"]?.stringValue else { return nil }
        guard let supplier = environment.json.value(at: path)?.stringValue, !supplier.isEmpty else {
            throw StepFailure(code: "assist_input_missing", message: "the supplier at \(path) is missing")
        }
        return supplier
    }

    /// The currency of the first amount in the evidence, else the facts' `currency`, else US dollars.
    private static func genericCurrency(_ classification: Classification, description: JSONValue) throws -> Currency {
        for finding in classification.findings {
            if let amount = finding.evidence.compactMap(\.amount).first { return amount.currency }
        }
        let code = description["facts"]?["currency"]?.stringValue ?? "USD"
        do {
            return try Currency(code)
        } catch {
            throw StepFailure(code: "invalid_fact", message: "the fact 'currency' is not an ISO 4217 code")
        }
    }

    // MARK: Definition

    private static func autoResolution(_ value: JSONValue?, environment: Environment) throws -> AutoResolutionRule? {
        guard let value, value["enabled"] != .bool(false) else { return nil }
        guard let next = value["next"]?.stringValue,
            let below = environment.setting(value["below"]).flatMap(DecimalText.parse),
            let confidence = environment.setting(value["minimum_confidence"]).flatMap(Double.init),
            (0...1).contains(confidence)
        else {
            throw StepFailure(
                code: "template_invalid", message: "auto_resolve needs next, below and minimum_confidence")
        }
        var labels: Set<ExceptionLabel> = []
        for text in (value["labels"]?.arrayValue ?? []).compactMap(\.stringValue) {
            guard let label = ExceptionLabel(rawValue: text) else {
                throw StepFailure(code: "template_invalid", message: "auto_resolve.labels: unknown label \(text)")
            }
            labels.insert(label)
        }
        return AutoResolutionRule(below: below, minimumConfidence: confidence, labels: labels, next: next)
    }

    /// What the template parser reports for an `assist` step before any run exists.
    static func definitionProblems(_ definition: [String: JSONValue]) -> [String] {
        var problems: [String] = []
        let hasMatch = definition["match"]?.stringValue != nil
        let hasException = definition["exception"]?.stringValue != nil
        if hasMatch == hasException {
            problems.append(
                "an assist step needs exactly one of match (the id of a three_way_match step) or exception (a path to {kind, facts})"
            )
        }
        if definition["next"]?.stringValue == nil {
            problems.append("an assist step needs next (the step where a person decides)")
        }
        guard let auto = definition["auto_resolve"] else { return problems }
        guard case .object = auto else { return problems + ["auto_resolve must be an object"] }
        if auto["enabled"] == .bool(false) { return problems }
        if auto["next"]?.stringValue == nil {
            problems.append("auto_resolve needs next (the step the run takes when the assistant resolves it)")
        }
        if let below = auto["below"]?.stringValue {
            if DecimalText.parse(below) == nil && !below.hasPrefix("params.") {
                problems.append("auto_resolve.below must be a decimal string such as \"25.00\" or a params.name")
            }
        } else {
            problems.append("auto_resolve needs below (the amount under which it may act)")
        }
        if let text = auto["minimum_confidence"]?.stringValue {
            if !text.hasPrefix("params."), !(Double(text).map { (0...1).contains($0) } ?? false) {
                problems.append("auto_resolve.minimum_confidence must be a decimal string between 0 and 1")
            }
        } else {
            problems.append("auto_resolve needs minimum_confidence (a decimal string between 0 and 1)")
        }
        guard case .array(let labels)? = auto["labels"], !labels.isEmpty else {
            return problems + ["auto_resolve needs labels: the exception labels it may resolve"]
        }
        for label in labels where label.stringValue.flatMap(ExceptionLabel.init(rawValue:)) == nil {
            problems.append("auto_resolve.labels: \(label.stringValue ?? "(not a string)") is not an exception label")
        }
        return problems
    }
}
