import Foundation

/// Which model produced a recommendation, recorded with it so a decision can be traced to a model version.
public struct ModelIdentity: Sendable, Equatable {
    public var name: String
    public var version: String

    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }
}

/// What the assistant suggests for one exception, and why. A recommendation, never a decision.
public struct Recommendation: Sendable, Equatable {
    public struct Alternative: Sendable, Equatable {
        public var rootCause: RootCause
        public var resolution: Resolution
        public var probability: Double

        public init(rootCause: RootCause, resolution: Resolution, probability: Double) {
            self.rootCause = rootCause
            self.resolution = resolution
            self.probability = probability
        }
    }

    /// A past case the recommendation drew on, to show the user.
    public struct SimilarCase: Sendable, Equatable {
        public var id: String
        /// 0 to 1: 1 is the same supplier, labels, variance type and amount band.
        public var similarity: Double
        public var rootCause: RootCause
        public var resolution: Resolution
        public var resolvedAt: Date
    }

    public var rootCause: RootCause
    public var resolution: Resolution
    /// The calibrated probability that ``rootCause`` is right, 0 to 1.
    public var confidence: Double
    /// The next most likely root causes, most likely first.
    public var alternatives: [Alternative]
    /// At most five, most similar first.
    public var similarCases: [SimilarCase]
    /// Sentences that say which features pointed to the root cause.
    public var reasons: [String]
    public var model: ModelIdentity

    public init(
        rootCause: RootCause, resolution: Resolution, confidence: Double, alternatives: [Alternative] = [],
        similarCases: [SimilarCase] = [], reasons: [String] = [], model: ModelIdentity
    ) {
        self.rootCause = rootCause
        self.resolution = resolution
        self.confidence = confidence
        self.alternatives = alternatives
        self.similarCases = similarCases
        self.reasons = reasons
        self.model = model
    }
}
