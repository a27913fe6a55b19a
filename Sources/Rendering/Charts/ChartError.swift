import Platform

/// Chart input that cannot be drawn truthfully.
public struct ChartError: CodedError, Equatable {
    public enum Kind: String, Sendable {
        case invalidData = "chart_invalid_data"
        case invalidID = "chart_invalid_id"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var code: String { kind.rawValue }
    /// Chart data comes from our own queries, so bad data is a bug on our side.
    public var httpStatus: Int { 500 }
}
