import Events
import Foundation
import Finance

/// The JSON an external model endpoint receives: one exception's features and the tenant's vocabulary.
///
/// Shape (schema `countersign.triage.recommend.v1`), documented with an example in the README:
/// `{"schema", "tenant", "exception": {"id", "supplier", "labels", "variance_type", "amount_band",
/// "day_of_week", "exposure": {"minor_units", "currency"}}, "known_root_causes": [...]}`.
public struct ExternalModelRequest: Sendable, Equatable {
    public static let schema = "countersign.triage.recommend.v1"

    public var tenant: TenantID
    public var exceptionID: String
    public var features: CaseFeatures
    public var exposure: Money
    /// The root causes this tenant's history uses, so the external model answers in the tenant's vocabulary.
    public var knownRootCauses: [RootCause]

    public init(
        tenant: TenantID, exceptionID: String, features: CaseFeatures, exposure: Money, knownRootCauses: [RootCause]
    ) {
        self.tenant = tenant
        self.exceptionID = exceptionID
        self.features = features
        self.exposure = exposure
        self.knownRootCauses = knownRootCauses
    }

    public init(_ exception: OpenException, knownRootCauses: [RootCause]) {
        self.init(
            tenant: exception.tenant, exceptionID: exception.id, features: CaseFeatures(exception),
            exposure: exception.exposure, knownRootCauses: knownRootCauses)
    }

    public var json: JSONValue {
        .object([
            "schema": .string(Self.schema),
            "tenant": .string(tenant.slug),
            "exception": .object([
                "id": .string(exceptionID),
                "supplier": .string(features.supplier),
                "labels": .array(features.labels.map { .string($0.rawValue) }),
                "variance_type": .optional(features.varianceType?.rawValue),
                "amount_band": .string(features.amountBand.rawValue),
                "day_of_week": .string(features.dayOfWeek.code),
                "exposure": .money(exposure),
            ]),
            "known_root_causes": .array(knownRootCauses.map { .string($0.code) }),
        ])
    }

    /// The request body: compact JSON with sorted keys.
    public func encoded() -> Data { Data(json.serialized().utf8) }

    /// Reads a request (what a model endpoint written against this contract does).
    ///
    /// - Throws: ``ExternalModelError`` for malformed JSON, a wrong schema, a missing field, an unknown label or code.
    public static func decode(_ data: Data) throws(ExternalModelError) -> ExternalModelRequest {
        let root = try ContractReader.parse(data)
        guard try root.string("schema") == schema else {
            throw ExternalModelError(.unsupportedSchema, "the request is not \(schema)", field: "schema")
        }
        let tenantText = try root.string("tenant")
        let tenant: TenantID
        do { tenant = try TenantID(tenantText) } catch {
            throw ExternalModelError(.invalidCode, "the tenant is not a tenant slug", field: "tenant")
        }
        let exception = try root.object("exception")
        let labels = try exception.labels("labels")
        let varianceType = try exception.optionalString("variance_type").map { text throws(ExternalModelError) in
            guard let type = VarianceType(rawValue: text) else {
                throw ExternalModelError(
                    .invalidCode, "'\(text.prefix(40))' is not a variance type", field: exception.path("variance_type"))
            }
            return type
        }
        let bandText = try exception.string("amount_band")
        guard let band = AmountBand(rawValue: bandText) else {
            throw ExternalModelError(
                .invalidCode, "'\(bandText.prefix(40))' is not an amount band", field: exception.path("amount_band"))
        }
        let dayText = try exception.string("day_of_week")
        guard let day = Weekday(code: dayText) else {
            throw ExternalModelError(
                .invalidCode, "'\(dayText.prefix(40))' is not a weekday", field: exception.path("day_of_week"))
        }
        let exposure = try exception.object("exposure").money()
        let causes = try root.strings("known_root_causes").map { text throws(ExternalModelError) in
            try ContractReader.rootCause(text, field: "known_root_causes")
        }
        let features = CaseFeatures(
            supplier: try exception.string("supplier"), labels: labels, varianceType: varianceType, amountBand: band,
            dayOfWeek: day)
        return ExternalModelRequest(
            tenant: tenant, exceptionID: try exception.string("id"), features: features, exposure: exposure,
            knownRootCauses: causes)
    }
}

/// The JSON an external model endpoint answers with.
///
/// `{"root_cause", "resolution", "confidence" (0…1), "labels" (optional, taxonomy labels only),
/// "alternatives" (optional: [{"root_cause", "resolution", "confidence"}]), "reasons" (optional strings),
/// "model": {"name", "version"}}`.
public struct ExternalModelResponse: Sendable, Equatable {
    public var rootCause: RootCause
    public var resolution: Resolution
    public var confidence: Double
    /// The external model's own reading of the exception, if it gives one.
    public var labels: [ExceptionLabel]
    public var alternatives: [Recommendation.Alternative]
    public var reasons: [String]
    public var model: ModelIdentity

    public init(
        rootCause: RootCause, resolution: Resolution, confidence: Double, labels: [ExceptionLabel] = [],
        alternatives: [Recommendation.Alternative] = [], reasons: [String] = [], model: ModelIdentity
    ) {
        self.rootCause = rootCause
        self.resolution = resolution
        self.confidence = confidence
        self.labels = labels
        self.alternatives = alternatives
        self.reasons = reasons
        self.model = model
    }

    public var json: JSONValue {
        .object([
            "root_cause": .string(rootCause.code),
            "resolution": .string(resolution.code),
            "confidence": .fixed(confidence, places: 6),
            "labels": .array(labels.map { .string($0.rawValue) }),
            "alternatives": .array(
                alternatives.map { alternative in
                    .object([
                        "root_cause": .string(alternative.rootCause.code),
                        "resolution": .string(alternative.resolution.code),
                        "confidence": .fixed(alternative.probability, places: 6),
                    ])
                }),
            "reasons": .array(reasons.map(JSONValue.string)),
            "model": .object(["name": .string(model.name), "version": .string(model.version)]),
        ])
    }

    public func encoded() -> Data { Data(json.serialized().utf8) }

    /// Reads and validates an answer.
    ///
    /// - Throws: `external_invalid_json`, `external_invalid_shape` (a missing or mistyped field),
    ///   `external_unknown_label`, `external_confidence_out_of_range`, `external_invalid_code`.
    public static func decode(_ data: Data) throws(ExternalModelError) -> ExternalModelResponse {
        let root = try ContractReader.parse(data)
        let rootCause = try ContractReader.rootCause(try root.string("root_cause"), field: "root_cause")
        let resolution = try ContractReader.resolution(try root.string("resolution"), field: "resolution")
        let confidence = try root.confidence("confidence")
        let labels = root.has("labels") ? try root.labels("labels") : []
        var alternatives: [Recommendation.Alternative] = []
        if root.has("alternatives") {
            for item in try root.objects("alternatives") {
                alternatives.append(
                    Recommendation.Alternative(
                        rootCause: try ContractReader.rootCause(
                            try item.string("root_cause"), field: item.path("root_cause")),
                        resolution: try ContractReader.resolution(
                            try item.string("resolution"), field: item.path("resolution")),
                        probability: try item.confidence("confidence")))
            }
        }
        let reasons = root.has("reasons") ? try root.strings("reasons") : []
        let model = try root.object("model")
        return ExternalModelResponse(
            rootCause: rootCause, resolution: resolution, confidence: confidence, labels: labels,
            alternatives: alternatives, reasons: reasons,
            model: ModelIdentity(name: try model.string("name"), version: try model.string("version")))
    }

    /// The answer as a recommendation; similar cases are the built-in model's to show, so there are none.
    public var recommendation: Recommendation {
        Recommendation(
            rootCause: rootCause, resolution: resolution, confidence: confidence, alternatives: alternatives,
            similarCases: [], reasons: reasons, model: model)
    }
}
