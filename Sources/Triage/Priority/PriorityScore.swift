/// A priority between 0 and 100 and the parts it is made of, each with a sentence for people.
public struct PriorityScore: Sendable, Equatable {
    public enum Factor: String, Sendable, CaseIterable {
        case exposure = "financial_exposure"
        case slaRisk = "sla_risk"
        case age
        case supplierHistory = "supplier_history"
    }

    public struct Component: Sendable, Equatable {
        public var factor: Factor
        /// How strongly the factor applies, 0 to 1.
        public var strength: Double
        /// `strength × weight`: this factor's share of the total.
        public var points: Double
        /// The most points the factor can give.
        public var weight: Double
        public var sentence: String
    }

    public var exceptionID: String
    /// 0 to 100: the sum of the components' points.
    public var total: Double
    public var components: [Component]

    public func component(_ factor: Factor) -> Component? { components.first { $0.factor == factor } }
}
