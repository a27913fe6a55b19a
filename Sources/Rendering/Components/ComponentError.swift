import Platform

/// A page built a component from values that would render broken or unsafe markup.
public struct ComponentError: CodedError, Equatable {
    public enum Kind: String, Sendable {
        case unsafeLink = "component_unsafe_link"
        case invalidComponent = "component_invalid"
    }

    public let kind: Kind
    public let message: String
    public let field: String?

    public init(_ kind: Kind, field: String? = nil, _ message: String) {
        self.kind = kind
        self.field = field
        self.message = message
    }

    public var code: String { kind.rawValue }
    /// Components are built by our pages from our data: a failure is our bug.
    public var httpStatus: Int { 500 }
}
