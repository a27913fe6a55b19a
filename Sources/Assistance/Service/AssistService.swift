import ControlPlane
import Events
import Finance
import Foundation
import Postgres
import Triage

/// The `assist` step's work: classify, score, recommend, govern, record — inside the step's transaction.
///
/// Design:
/// - The model is the tenant's own (``ModelCache`` over the tenant's `triage_cases`, read on the
///   tenant's connection), so another tenant's history can never reach it.
/// - An external model, when the tenant configured one and the process enabled access
///   (``ExternalModelAccess``), is asked first under a timeout; the built-in model answers when it
///   is slow, down or wrong (``Triage/FallbackRecommender``), and the record says which answered.
/// - Governance (``Triage/GovernancePolicy``) decides; the assistant acts on its own only when the
///   template step enables it, the exposure is below both the step's and the tenant's materiality
///   threshold, the confidence is high enough and every label is allowed. Above materiality it only
///   ever recommends.
/// - The ``Triage/RecommendationRecord`` JSON (inputs, model name and version, answer, governance)
///   is stored unchanged in `triage_recommendations`, and audited, in the same transaction as the
///   step; an auto-resolution adds a `triage_actions` row audited as `system:assistant`.
/// - The external call happens while the run's row is locked; the timeout bounds how long.
public struct AssistService: Sendable {
    public static let actor = "system:assistant"

    let cache: ModelCache
    let access: ExternalModelAccess

    public init(cache: ModelCache = .shared, access: ExternalModelAccess = .shared) {
        self.cache = cache
        self.access = access
    }

    public func assist(_ request: AssistRequest, on transaction: PostgresConnection) async throws -> AssistOutcome {
        let tenant = try TenantID(request.tenant.value)
        let classification = request.classification
        let settings = try await SettingsStore.load(on: transaction)
        let knowledge = try await cache.knowledge(for: request.tenant, on: transaction)
        let exception = OpenException(
            id: request.exceptionID, tenant: tenant, supplier: request.supplier, classification: classification,
            documentValue: request.documentValue, openedAt: request.openedAt, dueAt: request.dueAt)
        let scorer = try PriorityScorer(configuration: .init(currency: request.documentValue.currency))
        let priority = try scorer.score(
            PriorityInput(
                exception: exception, typicalCycleTime: knowledge?.typicalCycleTime ?? TenantKnowledge.defaultCycleTime,
                supplierHistory: knowledge?.supplierHistory(request.supplier) ?? .none),
            now: request.now)
        var result: [String: JSONValue] = [
            "labels": .array(classification.labels.map { .string($0.rawValue) }),
            "findings": AssistJSON.findings(classification),
            "exposure": AssistJSON.money(exception.exposure),
            "priority": AssistJSON.priority(priority),
        ]
        guard !classification.isEmpty else {
            result["recommendation"] = .null
            result["governance"] = AssistJSON.governance(
                action: "none", material: false, reasons: ["nothing to triage: the step found no exception"])
            return AssistOutcome(result: .object(result), autoResolved: false, recommendationID: nil)
        }
        guard let knowledge else {
            result["recommendation"] = .null
            result["governance"] = AssistJSON.governance(
                action: GovernanceDecision.Action.recommend.rawValue, material: false,
                reasons: ["tenant \(request.tenant) has no resolved cases yet, so there is nothing to recommend from"])
            return AssistOutcome(result: .object(result), autoResolved: false, recommendationID: nil)
        }
        let answer = try await recommend(exception, knowledge: knowledge, settings: settings, request: request)
        let policy = try GovernancePolicy(
            tenant: tenant, materialityThreshold: settings.materialityThreshold,
            autoResolution: try request.autoResolution.map { rule in
                try autoResolution(rule, template: request.template, materiality: settings.materialityThreshold)
            })
        let decision = policy.decide(answer.recommendation, for: exception, template: request.template)
        let record = RecommendationRecord(
            exception: exception, answer: answer, decision: decision, template: request.template,
            recordedAt: request.now)
        let autoResolved = decision.action == .autoResolve && request.autoResolution != nil
        let id = try await RecommendationStore.save(
            record, runID: request.runID, stepID: request.stepID, on: transaction)
        let log = try AuditLog(schema: SQLIdentifier(request.tenant.tenantSchemaName))
        let recommendation = answer.recommendation
        try await log.append(
            AuditEntry(
                actor: Self.actor, action: "assistant.recommended",
                subject: "run:\(request.runID.uuidString.lowercased())",
                details: [
                    "step": request.stepID, "recommendation": id.uuidString.lowercased(),
                    "root_cause": recommendation.rootCause.code, "resolution": recommendation.resolution.code,
                    "model": "\(recommendation.model.name)@\(recommendation.model.version)",
                    "governance": decision.action.rawValue,
                ]), on: transaction)
        var actionID: UUID?
        if autoResolved, let rule = request.autoResolution {
            actionID = try await AssistantActions.apply(
                recommendation: id, request: request, recommended: recommendation,
                exposure: exception.exposure.absolute,
                appliedStep: rule.next, on: transaction)
        }
        result["recommendation"] = AssistJSON.recommendation(answer, id: id)
        var governance = AssistJSON.governance(
            action: decision.action.rawValue, material: decision.isMaterial, reasons: decision.reasons)
        if let actionID, case .object(var fields) = governance {
            fields["action_id"] = .string(actionID.uuidString.lowercased())
            fields["actor"] = .string(Self.actor)
            governance = .object(fields)
        }
        result["governance"] = governance
        return AssistOutcome(result: .object(result), autoResolved: autoResolved, recommendationID: id)
    }

    /// The external model with fallback when the tenant has one and the process may call it; else the built-in model.
    private func recommend(
        _ exception: OpenException, knowledge: TenantKnowledge, settings: AssistantSettings, request: AssistRequest
    ) async throws -> AnsweredRecommendation {
        let builtIn = BuiltInRecommender(model: knowledge.model)
        guard let endpoint = settings.external else { return try await builtIn.recommend(for: exception) }
        guard let enabled = access.current else {
            let answer = try await builtIn.recommend(for: exception)
            return AnsweredRecommendation(
                recommendation: answer.recommendation,
                source: .builtIn(
                    fallbackReason: .externalError(code: AssistanceError.Kind.externalNotConfigured.rawValue)))
        }
        let tenant = request.tenant
        let now = request.now
        let fallback = FallbackRecommender(builtIn: builtIn, timeout: endpoint.timeout) { external in
            try await ExternalModelCall.send(external, to: endpoint, tenant: tenant, access: enabled, now: now)
        }
        return try await fallback.recommend(for: exception)
    }

    private func autoResolution(_ rule: AutoResolutionRule, template: String, materiality: Money) throws
        -> GovernancePolicy.AutoResolution
    {
        let threshold: Money
        do {
            threshold = try Money.rounding(rule.below, currency: materiality.currency, rule: .down)
        } catch {
            throw AssistanceError(.invalidSettings, "the auto-resolution amount is not representable", field: "below")
        }
        // Below both thresholds: the step's bound never lifts the tenant's.
        let capped = threshold.minorUnits <= materiality.minorUnits ? threshold : materiality
        return GovernancePolicy.AutoResolution(
            templates: [template], threshold: capped.isNegative ? .zero(materiality.currency) : capped,
            minimumConfidence: rule.minimumConfidence, allowedLabels: rule.labels)
    }
}
