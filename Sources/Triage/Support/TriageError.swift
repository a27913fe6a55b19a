import Platform

/// Why the triage core refused an input: a stable code, a sentence for people, and the field at fault.
///
/// One error type for the whole module because its callers (the `assist` step, the CLI, the portal)
/// branch on `code` alone; the kinds are the contract.
public struct TriageError: CodedError, Equatable {
    public enum Kind: String, Sendable {
        case invalidTenant = "invalid_tenant"
        case invalidCode = "invalid_code"
        case crossTenantCase = "cross_tenant_case"
        case duplicateCase = "duplicate_case"
        case noHistory = "no_history"
        case insufficientHistory = "insufficient_history"
        case unknownExceptionKind = "unknown_exception_kind"
        case invalidException = "invalid_exception"
        case invalidFact = "invalid_fact"
        case currencyMismatch = "currency_mismatch"
        case invalidPolicy = "invalid_policy"
        case invalidInput = "invalid_input"
    }

    public let kind: Kind
    public let message: String
    public let field: String?
    /// Where the error was thrown; for debug output only.
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
        // The caller named another tenant's data: treated like any other forbidden cross-tenant reach.
        case .crossTenantCase: 403
        case .duplicateCase: 409
        case .noHistory, .insufficientHistory: 409
        default: 422
        }
    }

    public static func == (lhs: TriageError, rhs: TriageError) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message && lhs.field == rhs.field
    }
}
