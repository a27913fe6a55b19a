/// An error that is safe to show to a caller: a stable machine-readable code,
/// a message a person understands, and the HTTP status it maps to.
///
/// Every module's domain errors conform; one middleware turns any `CodedError`
/// into `{"error":{"code","message","field"}}` and everything else into a 500
/// with a request id. `message` must never contain secrets, SQL text or server
/// internals: those belong in `debugDescription`, which is only logged.
public protocol CodedError: Error, CustomStringConvertible {
    /// Stable identifier such as `tenant_not_found`; clients branch on it.
    var code: String { get }
    /// Human-readable explanation, safe to return to the caller.
    var message: String { get }
    /// The HTTP status code this error is answered with.
    var httpStatus: Int { get }
    /// The request field (JSON path, header or parameter name) at fault, if any.
    var field: String? { get }
}

extension CodedError {
    public var field: String? { nil }
    public var description: String { "\(code): \(message)" }
}

/// The source location an error was thrown from; kept for debug output only.
public struct ThrowSite: Sendable, CustomStringConvertible {
    public let file: String
    public let line: UInt

    public init(file: String = #fileID, line: UInt = #line) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}
