import Finance

/// When the assistant may act on its own, and when it may only recommend.
///
/// Pure policy, fail-safe by construction: every path that is not an explicit yes
/// (no auto-resolution for the template, an amount in another currency, a label outside the
/// allow-list, low confidence, an amount at or above either threshold) is `.recommend`.
/// Above the tenant's materiality threshold the assistant may only ever recommend.
public struct GovernancePolicy: Sendable, Equatable {
    /// Auto-resolution for the workflow templates that enable it.
    public struct AutoResolution: Sendable, Equatable {
        /// Template ids (slugs) whose exceptions may be auto-resolved.
        public var templates: Set<String>
        /// Strictly below this amount only: meant to be tiny, and never above materiality.
        public var threshold: Money
        /// The recommendation's confidence must be at least this, 0 to 1.
        public var minimumConfidence: Double
        /// Every label of the exception must be in this set.
        public var allowedLabels: Set<ExceptionLabel>

        public init(
            templates: Set<String>, threshold: Money, minimumConfidence: Double, allowedLabels: Set<ExceptionLabel>
        ) {
            self.templates = templates
            self.threshold = threshold
            self.minimumConfidence = minimumConfidence
            self.allowedLabels = allowedLabels
        }
    }

    public let tenant: TenantID
    /// At or above this amount an exception is material: recommend only.
    public let materialityThreshold: Money
    public let autoResolution: AutoResolution?

    /// - Throws: `invalid_policy` for a negative threshold, an auto-resolution threshold above materiality or in
    ///   another currency, or a minimum confidence outside 0…1.
    public init(tenant: TenantID, materialityThreshold: Money, autoResolution: AutoResolution? = nil)
        throws(TriageError)
    {
        guard !materialityThreshold.isNegative else {
            throw TriageError(
                .invalidPolicy, "the materiality threshold cannot be negative", field: "materiality_threshold")
        }
        if let auto = autoResolution {
            guard auto.threshold.currency == materialityThreshold.currency else {
                throw TriageError(
                    .invalidPolicy, "the auto-resolution threshold must be in the materiality threshold's currency",
                    field: "auto_resolution.threshold")
            }
            guard !auto.threshold.isNegative, auto.threshold.minorUnits <= materialityThreshold.minorUnits else {
                throw TriageError(
                    .invalidPolicy, "the auto-resolution threshold must be between zero and the materiality threshold",
                    field: "auto_resolution.threshold")
            }
            guard (0...1).contains(auto.minimumConfidence) else {
                throw TriageError(
                    .invalidPolicy, "the minimum confidence must be between 0 and 1",
                    field: "auto_resolution.minimum_confidence")
            }
        }
        self.tenant = tenant
        self.materialityThreshold = materialityThreshold
        self.autoResolution = autoResolution
    }

    /// What may be done with `recommendation` for `exception`, raised by workflow template `template`.
    public func decide(_ recommendation: Recommendation, for exception: OpenException, template: String)
        -> GovernanceDecision
    {
        guard exception.tenant == tenant else {
            return GovernanceDecision(
                action: .recommend, isMaterial: true, reasons: ["the exception belongs to another tenant's policy"])
        }
        let amount = exception.exposure.absolute
        guard amount.currency == materialityThreshold.currency else {
            return GovernanceDecision(
                action: .recommend, isMaterial: true,
                reasons: [
                    "the amount is in \(amount.currency), the thresholds in \(materialityThreshold.currency): "
                        + "treated as material"
                ])
        }
        let isMaterial = amount.minorUnits >= materialityThreshold.minorUnits
        var blockers: [String] = []
        if isMaterial {
            blockers.append("\(amount) is at or above the materiality threshold \(materialityThreshold)")
        }
        guard let auto = autoResolution, auto.templates.contains(template) else {
            blockers.append("auto-resolution is not enabled for template \(template.prefix(64))")
            return GovernanceDecision(action: .recommend, isMaterial: isMaterial, reasons: blockers)
        }
        if amount.minorUnits >= auto.threshold.minorUnits {
            blockers.append("\(amount) is at or above the auto-resolution threshold \(auto.threshold)")
        }
        if !(recommendation.confidence >= auto.minimumConfidence) {
            blockers.append(
                "confidence \(FixedPoint.text(recommendation.confidence, places: 2)) is below the minimum "
                    + FixedPoint.text(auto.minimumConfidence, places: 2))
        }
        let outside = exception.labels.filter { !auto.allowedLabels.contains($0) }
        if exception.labels.isEmpty {
            blockers.append("the exception has no label to check against the allow-list")
        } else if !outside.isEmpty {
            blockers.append(
                "labels not allowed for auto-resolution: " + outside.map(\.rawValue).joined(separator: ", "))
        }
        guard blockers.isEmpty else {
            return GovernanceDecision(action: .recommend, isMaterial: isMaterial, reasons: blockers)
        }
        return GovernanceDecision(
            action: .autoResolve, isMaterial: false,
            reasons: [
                "\(amount) is below the auto-resolution threshold \(auto.threshold), confidence "
                    + "\(FixedPoint.text(recommendation.confidence, places: 2)) meets the minimum, and every label is allowed"
            ])
    }
}

/// The outcome of the governance check, with the reasons in sentences.
public struct GovernanceDecision: Sendable, Equatable {
    public enum Action: String, Sendable {
        /// The recommended resolution may be applied without a person.
        case autoResolve = "auto_resolve"
        /// A person decides; the recommendation is shown.
        case recommend
    }

    public var action: Action
    public var isMaterial: Bool
    public var reasons: [String]
}
