/// The model's features as small integers, so that counting and scoring hash integers, not strings.
struct EncodedFeatures: Sendable, Equatable {
    /// Interned supplier; -1 for a supplier the model has not seen.
    var supplier: Int
    /// One bit per label, by ``ExceptionLabel`` case order.
    var labelMask: Int
    /// 0 for none, else 1 + the ``VarianceType`` case index.
    var varianceType: Int
    var amountBand: Int
    var dayOfWeek: Int

    /// The value of `feature`, as the naive-Bayes tables key it.
    func value(of feature: Feature) -> Int {
        switch feature {
        case .supplier: supplier
        case .labelSet: labelMask
        case .varianceType: varianceType
        case .amountBand: amountBand
        case .dayOfWeek: dayOfWeek
        }
    }

    static func labelMask(_ labels: [ExceptionLabel]) -> Int {
        labels.reduce(0) { mask, label in mask | (1 << (ExceptionLabel.allCases.firstIndex(of: label) ?? 0)) }
    }

    static func varianceIndex(_ type: VarianceType?) -> Int {
        type.flatMap { VarianceType.allCases.firstIndex(of: $0) }.map { $0 + 1 } ?? 0
    }
}

/// The naive-Bayes features. The label set is one categorical feature rather than one per label:
/// labels co-occur (a short shipment often carries a missing receipt), and counting them apart would
/// count the same evidence twice.
enum Feature: Int, Sendable, CaseIterable {
    case supplier, labelSet, varianceType, amountBand, dayOfWeek

    /// The number of values a closed feature can take; `nil` for open vocabularies, which grow with the data.
    var closedCardinality: Int? {
        switch self {
        case .supplier, .labelSet: nil
        case .varianceType: VarianceType.allCases.count + 1
        case .amountBand: AmountBand.allCases.count
        case .dayOfWeek: Weekday.allCases.count
        }
    }

    var name: String {
        switch self {
        case .supplier: "supplier"
        case .labelSet: "labels"
        case .varianceType: "variance type"
        case .amountBand: "amount band"
        case .dayOfWeek: "weekday"
        }
    }
}

/// Interns the open vocabularies (suppliers, root causes, resolutions) of one tenant.
struct Vocabulary<Value: Hashable & Sendable>: Sendable {
    private(set) var values: [Value] = []
    private var indices: [Value: Int] = [:]

    func index(of value: Value) -> Int? { indices[value] }

    mutating func intern(_ value: Value) -> Int {
        if let index = indices[value] { return index }
        indices[value] = values.count
        values.append(value)
        return values.count - 1
    }

    var count: Int { values.count }
}
