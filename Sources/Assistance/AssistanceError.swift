import Platform

/// Why the assistant's storage or service refused something: a stable code, a sentence, the field at fault.
///
/// Errors of the triage core (``Triage/TriageError``) and the external model
/// (``Triage/ExternalModelError``) pass through unchanged; these are the ones
/// that only exist once there is a database and a configuration.
public struct AssistanceError: CodedError, Equatable {
    public enum Kind: String, Sendable {
        case invalidSettings = "invalid_assistant_settings"
        case invalidCase = "invalid_resolved_case"
        case actionNotFound = "assistant_action_not_found"
        case actionNotApplied = "assistant_action_not_applied"
        case externalUnavailable = "external_model_unavailable"
        case externalNotConfigured = "external_model_not_configured"
        case storedRecordUnreadable = "assistant_record_unreadable"
    }

    public let kind: Kind
    public let message: String
    public let field: String?
    public let site: ThrowSite

    public init(_ kind: Kind, _ message: String, field: String? = nil, site: ThrowSite = ThrowSite()) {
        self.kind = kind
        self.message = message
        self.field = field
        self.site = site
    }

    public var code: String { kind.rawValue }

    public var httpStatus: Int {
        switch kind {
        case .invalidSettings, .invalidCase: 422
        case .actionNotFound: 404
        case .actionNotApplied: 409
        case .externalUnavailable: 502
        case .externalNotConfigured, .storedRecordUnreadable: 500
        }
    }

    public static func == (lhs: AssistanceError, rhs: AssistanceError) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message && lhs.field == rhs.field
    }
}
