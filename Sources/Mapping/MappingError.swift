import Platform

/// Why a mapping document was refused, or why a payload could not be mapped.
///
/// One type for both phases so that the API answers with one error shape: a
/// stable `code`, a message a partner can act on, and where it went wrong —
/// `sourcePath` in the payload (`$.lines[3].qty`), `target` in the canonical
/// event (`data.lines[].quantity`) and `rule` (`transforms[1] decimal`).
/// Document problems and per-event schema violations are all listed in
/// `issues`, so a partner can fix everything in one round.
public struct MappingError: CodedError, Equatable {
    public enum Kind: String, Sendable {
        /// The mapping document is malformed; `issues` name paths inside it.
        case documentInvalid = "mapping_document_invalid"
        /// A `required` rule found nothing (absent or null) and had no default.
        case valueMissing = "mapping_value_missing"
        /// A transform could not convert the value (bad number, date, unit, map key).
        case transformFailed = "mapping_transform_failed"
        /// A reference-table lookup found no row and `on_missing` is `error`.
        case lookupMissing = "mapping_lookup_missing"
        /// A value had the wrong JSON type for its use (a `for_each` that is not an array).
        case typeMismatch = "mapping_type_mismatch"
        /// The payload asked for more work than the configured limits allow.
        case limitExceeded = "mapping_limit_exceeded"
        /// The payload bytes are not acceptable JSON (syntax, size or depth).
        case payloadInvalid = "mapping_payload_invalid"
        /// The mapping produced events that the canonical catalog refuses.
        case outputInvalid = "mapping_output_invalid"
    }

    public let kind: Kind
    public let message: String
    /// Where in the payload the failing value was read, as a concrete path.
    public let sourcePath: String?
    /// The canonical field being produced (`data.lines[].quantity`).
    public let target: String?
    /// The rule or transform that failed, with its position in the pipeline.
    public let rule: String?
    /// Every problem found, each with its path (document path or event path).
    public let issues: [MappingIssue]

    public init(
        _ kind: Kind, _ message: String, sourcePath: String? = nil, target: String? = nil, rule: String? = nil,
        issues: [MappingIssue] = []
    ) {
        self.kind = kind
        self.message = message
        self.sourcePath = sourcePath
        self.target = target
        self.rule = rule
        self.issues = issues
    }

    public var code: String { kind.rawValue }

    public var httpStatus: Int {
        switch kind {
        case .payloadInvalid: 400
        case .limitExceeded: 413
        default: 422
        }
    }

    public var field: String? { sourcePath ?? issues.first?.path ?? target }
}

/// One problem with its location: a JSON path in the mapping document, or in a produced event.
public struct MappingIssue: Sendable, Hashable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
