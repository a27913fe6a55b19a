import Platform

/// A partner's brand settings that cannot be used: an unparsable colour, a
/// colour that leaves text unreadable, or a name unfit for a stylesheet URL.
public struct BrandError: CodedError, Equatable {
    public enum Kind: String, Sendable {
        case invalidColour = "brand_invalid_colour"
        case insufficientContrast = "brand_insufficient_contrast"
        case invalidPartner = "brand_invalid_partner"
    }

    public let kind: Kind
    public let message: String
    /// Which setting is at fault: `primary`, `accent` or `partner`.
    public let field: String?

    public init(_ kind: Kind, field: String?, _ message: String) {
        self.kind = kind
        self.field = field
        self.message = message
    }

    public var code: String { kind.rawValue }
    /// Brand settings come from a partner admin's request, so a bad one is the caller's to fix.
    public var httpStatus: Int { 422 }
}
