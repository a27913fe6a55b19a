import ControlPlane
import Events
import Finance
import Foundation
import Triage

/// One exception for the `assist` step to triage, as the engine read it from the run.
public struct AssistRequest: Sendable {
    public var tenant: Slug
    public var runID: UUID
    public var stepID: String
    /// The workflow template's slug: auto-resolution is allowed per template.
    public var template: String
    /// How the exception is named to people and external models (the invoice number, or the run).
    public var exceptionID: String
    public var supplier: String
    public var classification: Classification
    /// The whole document's value; its currency is the exception's.
    public var documentValue: Money
    public var openedAt: Date
    public var dueAt: Date
    /// Set when the template step enables auto-resolution.
    public var autoResolution: AutoResolutionRule?
    /// The step the run continues at when a person decides (`next` of the step).
    public var humanStep: String?
    public var now: Date

    public init(
        tenant: Slug, runID: UUID, stepID: String, template: String, exceptionID: String, supplier: String,
        classification: Classification, documentValue: Money, openedAt: Date, dueAt: Date,
        autoResolution: AutoResolutionRule?, humanStep: String?, now: Date
    ) {
        self.tenant = tenant
        self.runID = runID
        self.stepID = stepID
        self.template = template
        self.exceptionID = exceptionID
        self.supplier = supplier
        self.classification = classification
        self.documentValue = documentValue
        self.openedAt = openedAt
        self.dueAt = dueAt
        self.autoResolution = autoResolution
        self.humanStep = humanStep
        self.now = now
    }
}

/// What a template step allows the assistant to do on its own.
///
/// Only an upper bound: the tenant's materiality threshold caps it, and governance still requires
/// the confidence and every label to qualify (``Triage/GovernancePolicy``).
public struct AutoResolutionRule: Sendable, Equatable {
    /// Strictly below this amount, in major units of the tenant's threshold currency.
    public var below: Decimal
    public var minimumConfidence: Double
    public var labels: Set<ExceptionLabel>
    /// The step the run continues at when the assistant resolves the exception itself.
    public var next: String

    public init(below: Decimal, minimumConfidence: Double, labels: Set<ExceptionLabel>, next: String) {
        self.below = below
        self.minimumConfidence = minimumConfidence
        self.labels = labels
        self.next = next
    }
}

/// What the `assist` step records as its result, and where the run goes.
public struct AssistOutcome: Sendable {
    /// `labels`, `priority`, `recommendation` (null without history) and `governance`.
    public var result: JSONValue
    /// The assistant resolved the exception itself: the run continues at the rule's `next`.
    public var autoResolved: Bool
    public var recommendationID: UUID?
}
