import Events
import Finance
import Foundation
import Triage

/// The `assist` step's result, in the shapes the run page and API clients read.
///
/// Numbers are fixed-point text (`"0.842"`), never `Double.description`, so the same result always
/// serialises to the same bytes in the run's context and its evidence bundle.
enum AssistJSON {
    static func fixed(_ value: Double, places: Int = 3) -> JSONValue {
        guard value.isFinite else { return .number("0") }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let units = Int((value.magnitude * scale).rounded(.toNearestOrAwayFromZero).clamped(to: 0...9e15))
        let divisor = Int(scale)
        let sign = value < 0 && units != 0 ? "-" : ""
        guard places > 0 else { return .number(sign + String(units)) }
        let fraction = String(units % divisor)
        return .number(
            sign + String(units / divisor) + "." + String(repeating: "0", count: places - fraction.count) + fraction)
    }

    static func money(_ money: Money) -> JSONValue {
        .object(["amount": .string(money.amountText), "currency": .string(money.currency.code)])
    }

    static func findings(_ classification: Classification) -> JSONValue {
        .array(
            classification.findings.map { finding in
                .object([
                    "label": .string(finding.label.rawValue),
                    "evidence": .array(
                        finding.evidence.map { item in
                            .object([
                                "line": item.line.map { .number(String($0)) } ?? .null,
                                "field": .string(item.field),
                                "expected": item.expected.map(JSONValue.string) ?? .null,
                                "actual": item.actual.map(JSONValue.string) ?? .null,
                                "amount": item.amount.map(money) ?? .null,
                                "note": .string(item.note),
                            ])
                        }),
                ])
            })
    }

    static func priority(_ score: PriorityScore) -> JSONValue {
        .object([
            "score": fixed(score.total, places: 1),
            "parts": .array(
                score.components.map { part in
                    .object([
                        "factor": .string(part.factor.rawValue), "points": fixed(part.points, places: 1),
                        "weight": fixed(part.weight, places: 0), "sentence": .string(part.sentence),
                    ])
                }),
        ])
    }

    static func recommendation(_ answer: AnsweredRecommendation, id: UUID) -> JSONValue {
        let recommendation = answer.recommendation
        return .object([
            "id": .string(id.uuidString.lowercased()),
            "root_cause": .string(recommendation.rootCause.code),
            "resolution": .string(recommendation.resolution.code),
            "sentence": .string(sentence(recommendation)),
            "confidence": fixed(recommendation.confidence),
            "alternatives": .array(
                recommendation.alternatives.map { alternative in
                    .object([
                        "root_cause": .string(alternative.rootCause.code),
                        "resolution": .string(alternative.resolution.code),
                        "probability": fixed(alternative.probability),
                    ])
                }),
            "similar_cases": .array(
                recommendation.similarCases.map { similar in
                    .object([
                        "id": .string(similar.id), "similarity": fixed(similar.similarity),
                        "root_cause": .string(similar.rootCause.code), "resolution": .string(similar.resolution.code),
                    ])
                }),
            "reasons": .array(recommendation.reasons.map(JSONValue.string)),
            "model": .object([
                "name": .string(recommendation.model.name), "version": .string(recommendation.model.version),
            ]),
            "answered_by": .string(answer.source.code),
            "fallback_reason": answer.source.fallbackReason.map { .string($0.code) } ?? .null,
        ])
    }

    /// "Likely partial delivery (84 % confident): hold the invoice until the rest is received."
    static func sentence(_ recommendation: Recommendation) -> String {
        let percent = Int((recommendation.confidence * 100).rounded())
        return "Likely \(recommendation.rootCause.code.replacingOccurrences(of: "_", with: " ")) "
            + "(\(percent) % confident): \(recommendation.resolution.sentence)."
    }

    static func governance(action: String, material: Bool, reasons: [String]) -> JSONValue {
        .object([
            "action": .string(action), "material": .bool(material), "reasons": .array(reasons.map(JSONValue.string)),
        ])
    }
}

extension Double {
    fileprivate func clamped(to range: ClosedRange<Double>) -> Double {
        Swift.min(Swift.max(self, range.lowerBound), range.upperBound)
    }
}
