import Platform

/// A value a page asked to format that has no sensible text form.
public struct FormatError: CodedError, Equatable {
    public enum Kind: String, Sendable {
        case invalidCurrency = "format_invalid_currency"
        case invalidTimeZone = "format_invalid_time_zone"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var code: String { kind.rawValue }
    /// Currencies and zones come from stored data, so a bad one is our bug, not the viewer's.
    public var httpStatus: Int { 500 }
}
