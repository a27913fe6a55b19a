import Platform

/// Why an external model's request or answer was refused.
///
/// Distinct from ``TriageError`` because these describe another system's output: the fallback
/// recommender reports the code and answers with the built-in model instead.
public struct ExternalModelError: CodedError, Equatable {
    public enum Kind: String, Sendable {
        case invalidJSON = "external_invalid_json"
        case invalidShape = "external_invalid_shape"
        case unknownLabel = "external_unknown_label"
        case confidenceOutOfRange = "external_confidence_out_of_range"
        case invalidCode = "external_invalid_code"
        case unsupportedSchema = "external_unsupported_schema"
    }

    public let kind: Kind
    public let message: String
    public let field: String?

    public init(_ kind: Kind, _ message: String, field: String? = nil) {
        self.kind = kind
        self.message = message
        self.field = field
    }

    public var code: String { kind.rawValue }
    /// The external system answered badly: a bad gateway, not the caller's fault.
    public var httpStatus: Int { 502 }
}
