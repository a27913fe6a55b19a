/// Anything that answers "what is the likely root cause and resolution of this exception?".
public protocol Recommender: Sendable {
    func recommend(for exception: OpenException) async throws(TriageError) -> AnsweredRecommendation
}

/// A recommendation and which model gave it.
public struct AnsweredRecommendation: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// The external model answered in time and validly.
        case external
        /// The tenant's built-in model answered; `fallbackReason` says why the external one did not, if one was asked.
        case builtIn(fallbackReason: FallbackReason?)

        public var code: String {
            switch self {
            case .external: "external"
            case .builtIn: "built_in"
            }
        }

        public var fallbackReason: FallbackReason? {
            if case .builtIn(let reason) = self { return reason }
            return nil
        }
    }

    public var recommendation: Recommendation
    public var source: Source

    public init(recommendation: Recommendation, source: Source) {
        self.recommendation = recommendation
        self.source = source
    }
}

/// Why the external model's answer was not used.
public enum FallbackReason: Sendable, Equatable {
    case timeout
    /// The call failed; the code is the error's own when it is a ``Platform/CodedError``.
    case externalError(code: String)
    /// The call answered, but the answer broke the contract.
    case invalidAnswer(code: String)

    public var code: String {
        switch self {
        case .timeout: "timeout"
        case .externalError(let code): "external_error:\(code)"
        case .invalidAnswer(let code): "invalid_answer:\(code)"
        }
    }
}

/// The tenant's own naive-Bayes and nearest-neighbour model.
public struct BuiltInRecommender: Recommender {
    public let model: TenantModel

    public init(model: TenantModel) {
        self.model = model
    }

    public func recommend(for exception: OpenException) async throws(TriageError) -> AnsweredRecommendation {
        AnsweredRecommendation(
            recommendation: try model.recommend(for: exception), source: .builtIn(fallbackReason: nil))
    }
}
