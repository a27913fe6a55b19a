import Events
import Foundation

/// What the assistant saw, which model answered, what it said and what governance allowed, as
/// one JSON value the storage layer persists unchanged for audit.
///
/// Keys are snake_case and stable; numbers are fixed-point text so the same recommendation
/// always serialises to the same bytes.
public struct RecommendationRecord: Sendable, Equatable {
    public var exception: OpenException
    public var answer: AnsweredRecommendation
    public var decision: GovernanceDecision
    public var template: String
    public var recordedAt: Date

    public init(
        exception: OpenException, answer: AnsweredRecommendation, decision: GovernanceDecision, template: String,
        recordedAt: Date
    ) {
        self.exception = exception
        self.answer = answer
        self.decision = decision
        self.template = template
        self.recordedAt = recordedAt
    }

    public var json: JSONValue {
        let recommendation = answer.recommendation
        let features = CaseFeatures(exception)
        let inputs: JSONValue = .object([
            "exception_id": .string(exception.id),
            "supplier": .string(exception.supplier),
            "labels": .array(exception.labels.map { .string($0.rawValue) }),
            "variance_type": .optional(exception.varianceType?.rawValue),
            "amount_band": .string(exception.amountBand.rawValue),
            "day_of_week": .string(features.dayOfWeek.code),
            "exposure": .money(exception.exposure),
            "document_value": .money(exception.documentValue),
            "opened_at": .timestamp(exception.openedAt),
            "due_at": .timestamp(exception.dueAt),
        ])
        let output: JSONValue = .object([
            "root_cause": .string(recommendation.rootCause.code),
            "resolution": .string(recommendation.resolution.code),
            "confidence": .fixed(recommendation.confidence),
            "alternatives": .array(
                recommendation.alternatives.map { alternative in
                    .object([
                        "root_cause": .string(alternative.rootCause.code),
                        "resolution": .string(alternative.resolution.code),
                        "probability": .fixed(alternative.probability),
                    ])
                }),
            "similar_cases": .array(
                recommendation.similarCases.map { similar in
                    .object(["id": .string(similar.id), "similarity": .fixed(similar.similarity)])
                }),
            "reasons": .array(recommendation.reasons.map(JSONValue.string)),
        ])
        return .object([
            "tenant": .string(exception.tenant.slug),
            "template": .string(template),
            "recorded_at": .timestamp(recordedAt),
            "inputs": inputs,
            "model": .object([
                "name": .string(recommendation.model.name), "version": .string(recommendation.model.version),
            ]),
            "answered_by": .string(answer.source.code),
            "fallback_reason": .optional(answer.source.fallbackReason?.code),
            "output": output,
            "governance": .object([
                "action": .string(decision.action.rawValue),
                "material": .bool(decision.isMaterial),
                "reasons": .array(decision.reasons.map(JSONValue.string)),
            ]),
        ])
    }
}
