import Foundation

/// One tenant's recommendation model, learned from that tenant's resolved cases only.
///
/// Design:
/// - Tenant isolation is in the type: a model is bound to one ``TenantID`` at
///   ``train(tenant:cases:configuration:)``, refuses any case of another tenant
///   (`cross_tenant_case`) there and in ``learn(_:)``, and refuses to answer for another
///   tenant's exception. There is no way to merge models.
/// - Root cause: naive Bayes with Laplace smoothing over supplier, label set, variance type,
///   amount band and (optionally) weekday. The confidence is calibrated (``ConfidenceCalibration``)
///   on leave-one-out answers for the most recent cases, so "0.8" means right about 80 % of the
///   time rather than naive Bayes' usual overconfidence.
/// - Resolution: the one this tenant most often chose for the predicted root cause.
/// - Why: feature log-odds against the runner-up become sentences, and a bounded k-nearest-
///   neighbour lookup (``NeighbourIndex``) names the past cases that look most alike.
/// - Cost: training is linear in cases; a recommendation is O(features × root causes) for the
///   model plus a bounded candidate set for the neighbours, independent of history size.
/// - Feedback: ``learn(_:)`` adds one resolved case; an override (the person chose differently)
///   counts ``Configuration/overrideWeight`` times. The calibration is kept until the next training.
public struct TenantModel: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Laplace pseudo-count added to every count.
        public var smoothing: Double = 1
        /// Whether the weekday the exception was raised on is a feature (off by default: rarely causal).
        public var usesDayOfWeek = false
        /// How many times a case whose resolution overrode the recommendation counts.
        public var overrideWeight: Double = 2
        /// At most this many recent cases are scored to calibrate the confidence.
        public var calibrationSample = 2_000
        /// At most this many candidates are scored for similar cases.
        public var neighbourCandidates = 256
        /// How many similar cases a recommendation shows.
        public var similarCases = 5
        /// How many alternatives a recommendation lists after the first.
        public var alternatives = 3

        public init() {}
    }

    public static let identity = ModelIdentity(name: "countersign_naive_bayes_knn", version: "1")

    public let tenant: TenantID
    public let configuration: Configuration
    /// Raw top probability → calibrated confidence, fitted at training.
    private(set) var calibration = ConfidenceCalibration.identity

    private var suppliers = Vocabulary<String>()
    private var rootCauses = Vocabulary<RootCause>()
    private var resolutions = Vocabulary<Resolution>()
    private var tables: NaiveBayesTables
    /// Weighted count of each resolution per root cause.
    private var resolutionWeights: [[Int: Double]] = []
    private var index: NeighbourIndex
    private var caseIDs = Set<String>()

    private init(tenant: TenantID, configuration: Configuration) {
        self.tenant = tenant
        self.configuration = configuration
        let features = Feature.allCases.filter { $0 != .dayOfWeek || configuration.usesDayOfWeek }
        tables = NaiveBayesTables(smoothing: configuration.smoothing, features: features)
        index = NeighbourIndex(limit: configuration.neighbourCandidates, weighsDayOfWeek: configuration.usesDayOfWeek)
    }

    /// Learns `tenant`'s model from its resolved cases, oldest first.
    ///
    /// - Throws: `cross_tenant_case` for a case of another tenant (nothing is learned), `duplicate_case`
    ///   for a case id seen twice, `invalid_policy` for a configuration that cannot work.
    public static func train(tenant: TenantID, cases: [ResolvedCase], configuration: Configuration = Configuration())
        throws(TriageError) -> TenantModel
    {
        guard configuration.smoothing > 0, configuration.overrideWeight > 0, configuration.neighbourCandidates > 0,
            configuration.similarCases >= 0, configuration.alternatives >= 0, configuration.calibrationSample >= 0
        else {
            throw TriageError(.invalidPolicy, "smoothing, override weight and neighbour candidates must be positive")
        }
        if let foreign = cases.first(where: { $0.tenant != tenant }) {
            throw crossTenant(foreign, model: tenant)
        }
        var model = TenantModel(tenant: tenant, configuration: configuration)
        let ordered = cases.sorted { a, b in a.resolvedAt != b.resolvedAt ? a.resolvedAt < b.resolvedAt : a.id < b.id }
        for resolved in ordered { try model.add(resolved) }
        model.calibrate()
        return model
    }

    /// Adds one newly resolved case: feedback from a person's decision.
    ///
    /// - Throws: `cross_tenant_case` for a case of another tenant, `duplicate_case` for a case already learned.
    public mutating func learn(_ resolved: ResolvedCase) throws(TriageError) {
        guard resolved.tenant == tenant else { throw Self.crossTenant(resolved, model: tenant) }
        try add(resolved)
    }

    /// Cases learned so far.
    public var caseCount: Int { caseIDs.count }

    /// The root causes this tenant's history knows, in the order first seen.
    public var knownRootCauses: [RootCause] { rootCauses.values }

    /// A recommendation for `exception`, which must be this model's tenant's.
    ///
    /// - Throws: `cross_tenant_case` for another tenant's exception, `no_history` before any case was learned.
    public func recommend(for exception: OpenException) throws(TriageError) -> Recommendation {
        guard exception.tenant == tenant else {
            throw TriageError(
                .crossTenantCase, "exception \(exception.id.prefix(64)) belongs to another tenant than this model",
                field: "tenant")
        }
        return try recommend(features: CaseFeatures(exception))
    }

    /// A recommendation for an exception with `features`.
    ///
    /// - Throws: `no_history` before any case was learned.
    public func recommend(features: CaseFeatures) throws(TriageError) -> Recommendation {
        guard tables.classCount > 0 else {
            throw TriageError(.noHistory, "tenant \(tenant) has no resolved cases to learn from yet")
        }
        let encoded = encode(features)
        let probabilities = Softmax.probabilities(tables.logScores(encoded))
        let ranked = probabilities.indices.sorted { a, b in
            probabilities[a] != probabilities[b]
                ? probabilities[a] > probabilities[b] : rootCauses.values[a] < rootCauses.values[b]
        }
        let top = ranked[0]
        let confidence = calibration.confidence(forRaw: probabilities[top])
        // The rest share what the calibrated confidence leaves, in the model's proportions, never above it.
        let rest = 1 - probabilities[top]
        let scale = rest > 1e-12 ? (1 - confidence) / rest : 0
        let alternatives = ranked.dropFirst().prefix(configuration.alternatives).map { label in
            Recommendation.Alternative(
                rootCause: rootCauses.values[label], resolution: resolution(for: label),
                probability: min(confidence, probabilities[label] * scale))
        }
        let similar = index.nearest(encoded, count: configuration.similarCases).map { neighbour in
            Recommendation.SimilarCase(
                id: neighbour.entry.id, similarity: neighbour.similarity,
                rootCause: rootCauses.values[neighbour.entry.rootCause],
                resolution: resolutions.values[neighbour.entry.resolution], resolvedAt: neighbour.entry.resolvedAt)
        }
        return Recommendation(
            rootCause: rootCauses.values[top], resolution: resolution(for: top), confidence: confidence,
            alternatives: Array(alternatives), similarCases: similar,
            reasons: reasons(features, encoded, top: top, runnerUp: ranked.count > 1 ? ranked[1] : nil),
            model: Self.identity)
    }

    // MARK: - Learning

    private mutating func add(_ resolved: ResolvedCase) throws(TriageError) {
        guard caseIDs.insert(resolved.id).inserted else {
            throw TriageError(.duplicateCase, "case \(resolved.id.prefix(64)) was already learned", field: "id")
        }
        let label = rootCauses.intern(resolved.rootCause)
        if label == tables.classCount {
            tables.addClass()
            resolutionWeights.append([:])
        }
        let resolution = resolutions.intern(resolved.resolution)
        _ = suppliers.intern(resolved.supplier)
        let encoded = encode(resolved.features)
        let weight = resolved.overrodeRecommendation ? configuration.overrideWeight : 1
        tables.add(encoded, to: label, weight: weight)
        resolutionWeights[label][resolution, default: 0] += weight
        index.add(
            NeighbourIndex.Entry(
                id: resolved.id, features: encoded, rootCause: label, resolution: resolution,
                resolvedAt: resolved.resolvedAt))
    }

    /// Calibrates on leave-one-out answers for the most recent cases, so no case judges itself.
    private mutating func calibrate() {
        guard tables.classCount > 1 else { return }
        var observations: [(raw: Double, correct: Bool)] = []
        for entry in index.entries.suffix(configuration.calibrationSample) {
            // Leave-one-out removes one unit of weight: an override counted twice still leaves one, a small bias.
            let probabilities = Softmax.probabilities(tables.logScores(entry.features, excluding: (entry.rootCause, 1)))
            guard let top = probabilities.indices.max(by: { probabilities[$0] < probabilities[$1] }) else { continue }
            observations.append((probabilities[top], top == entry.rootCause))
        }
        calibration = ConfidenceCalibration(observations: observations)
    }

    // MARK: - Reading

    private func encode(_ features: CaseFeatures) -> EncodedFeatures {
        EncodedFeatures(
            supplier: suppliers.index(of: features.supplier) ?? -1,
            labelMask: EncodedFeatures.labelMask(features.labels),
            varianceType: EncodedFeatures.varianceIndex(features.varianceType),
            amountBand: features.amountBand.ordinal,
            dayOfWeek: features.dayOfWeek.rawValue)
    }

    private func resolution(for label: Int) -> Resolution {
        let best = resolutionWeights[label].max { a, b in
            a.value != b.value ? a.value < b.value : resolutions.values[a.key] > resolutions.values[b.key]
        }
        // Every class was created with a resolution, so `best` exists; the fallback only keeps this total.
        return best.map { resolutions.values[$0.key] } ?? Resolution.approveVariance
    }

    private func reasons(_ features: CaseFeatures, _ encoded: EncodedFeatures, top: Int, runnerUp: Int?) -> [String] {
        let cause = rootCauses.values[top]
        let share = tables.classWeights[top] / max(tables.totalWeight, 1)
        var sentences = [
            "\(cause) is \(Self.percent(share)) of tenant \(tenant)'s \(caseCount) resolved cases"
        ]
        guard let runnerUp else { return sentences }
        let other = rootCauses.values[runnerUp]
        let favouring = tables.contributions(encoded, favouring: top, over: runnerUp)
            .filter { $0.1 > 0.1 }
            .sorted { $0.1 > $1.1 }
        for (feature, _) in favouring {
            let value = encoded.value(of: feature)
            func fraction(_ label: Int) -> String {
                Self.percent(tables.weight(feature, value, label) / max(tables.classWeights[label], 1))
            }
            sentences.append(
                "\(feature.name) \(describe(feature, features)) is seen in \(fraction(top)) of \(cause) cases "
                    + "against \(fraction(runnerUp)) of \(other) cases")
        }
        return sentences
    }

    private func describe(_ feature: Feature, _ features: CaseFeatures) -> String {
        switch feature {
        case .supplier: features.supplier
        case .labelSet: features.labels.isEmpty ? "(none)" : features.labels.map(\.rawValue).joined(separator: "+")
        case .varianceType: features.varianceType?.rawValue ?? "(none)"
        case .amountBand: features.amountBand.rawValue
        case .dayOfWeek: "\(features.dayOfWeek)"
        }
    }

    static func percent(_ value: Double) -> String { "\(Int((value * 100).rounded())) %" }

    private static func crossTenant(_ resolved: ResolvedCase, model: TenantID) -> TriageError {
        TriageError(
            .crossTenantCase,
            "case \(resolved.id.prefix(64)) belongs to another tenant than the model of \(model); "
                + "a model learns from its own tenant's cases only",
            field: "tenant")
    }
}
