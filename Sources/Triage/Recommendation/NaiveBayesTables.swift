import Foundation

/// Weighted counts per class and per (feature, value, class), with Laplace-smoothed log scores.
///
/// Scoring is O(features × classes): one dictionary lookup per feature, then a pass over the
/// classes, whatever the number of cases. `excluding` scores a case as if it had not been counted
/// (leave-one-out), which calibration uses to judge the model on cases it did not learn from.
struct NaiveBayesTables: Sendable {
    let smoothing: Double
    let features: [Feature]
    private(set) var classWeights: [Double] = []
    private(set) var totalWeight: Double = 0
    /// Indexed by `Feature.rawValue`: value → weight per class.
    private var tables: [[Int: [Double]]] = Array(repeating: [:], count: Feature.allCases.count)

    init(smoothing: Double, features: [Feature]) {
        self.smoothing = smoothing
        self.features = features
    }

    var classCount: Int { classWeights.count }

    mutating func addClass() {
        classWeights.append(0)
        for feature in features {
            for key in tables[feature.rawValue].keys { tables[feature.rawValue][key]?.append(0) }
        }
    }

    mutating func add(_ encoded: EncodedFeatures, to label: Int, weight: Double) {
        classWeights[label] += weight
        totalWeight += weight
        let classes = classWeights.count
        for feature in features {
            let value = encoded.value(of: feature)
            tables[feature.rawValue][value, default: Array(repeating: 0, count: classes)][label] += weight
        }
    }

    /// How much weight of `label` has `value` for `feature`.
    func weight(_ feature: Feature, _ value: Int, _ label: Int) -> Double {
        tables[feature.rawValue][value]?[label] ?? 0
    }

    /// Distinct values a feature can take: closed ones by definition, open ones as seen plus one for "unseen".
    private func cardinality(_ feature: Feature) -> Double {
        Double(feature.closedCardinality ?? (tables[feature.rawValue].count + 1))
    }

    /// Smoothed log P(label) + Σ log P(value | label), one per class.
    func logScores(_ encoded: EncodedFeatures, excluding: (label: Int, weight: Double)? = nil) -> [Double] {
        let classes = classWeights.count
        let alpha = smoothing
        var scores = [Double](repeating: 0, count: classes)
        let total = totalWeight - (excluding?.weight ?? 0)
        let priorDenominator = log(total + alpha * Double(classes))
        var classTotals = classWeights
        if let excluding { classTotals[excluding.label] -= excluding.weight }
        for label in 0..<classes {
            scores[label] = log(max(0, classTotals[label]) + alpha) - priorDenominator
        }
        for feature in features {
            let vocabulary = alpha * cardinality(feature)
            let row = tables[feature.rawValue][encoded.value(of: feature)]
            for label in 0..<classes {
                var count = row?[label] ?? 0
                if let excluding, excluding.label == label { count -= excluding.weight }
                scores[label] += log(max(0, count) + alpha) - log(max(0, classTotals[label]) + vocabulary)
            }
        }
        return scores
    }

    /// How much each feature's value favours `label` over `other`, in log odds.
    func contributions(_ encoded: EncodedFeatures, favouring label: Int, over other: Int) -> [(Feature, Double)] {
        features.map { feature in
            let vocabulary = smoothing * cardinality(feature)
            func logLikelihood(_ label: Int) -> Double {
                log(weight(feature, encoded.value(of: feature), label) + smoothing)
                    - log(classWeights[label] + vocabulary)
            }
            return (feature, logLikelihood(label) - logLikelihood(other))
        }
    }
}

/// Turns log scores into probabilities that sum to 1.
enum Softmax {
    static func probabilities(_ scores: [Double]) -> [Double] {
        guard let top = scores.max() else { return [] }
        let exps = scores.map { exp($0 - top) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }
}
