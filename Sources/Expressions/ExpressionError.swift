import Platform

/// Why an expression was refused when a template was published, or failed
/// while a run evaluated it.
///
/// Codes are stable; the template editor branches on them. `message` starts
/// with the position (`line 1, column 14: expected a number, found money`)
/// and names the template's own text, never the run's data values, which may
/// be confidential: a data value shows up only by its type.
public struct ExpressionError: Error, CodedError, Equatable, CustomDebugStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// The source is not a well-formed expression.
        case syntax = "expression_syntax"
        /// Operand or argument types do not fit the operator or function.
        case type = "expression_type"
        /// A name, field or function that the declared shape does not have.
        case unknownName = "expression_unknown_name"
        /// A run failed: division by zero, currencies that differ, an index
        /// out of range, an overflow.
        case evaluation = "expression_evaluation"
        /// The source is too long, nested too deeply, or took too many steps.
        case limit = "expression_limit"
        /// A declaration of the environment's shape is malformed or contradicts another.
        case declaration = "expression_declaration"
        /// A run's data does not have the declared shape.
        case data = "expression_data"
    }

    public let kind: Kind
    /// Where in the source; nil for faults that belong to no one place
    /// (the whole source is too long, a declaration, the data).
    public let position: SourcePosition?
    /// The explanation without the position.
    public let detail: String
    /// The data path at fault for `expression_data` and `expression_declaration` errors.
    public let path: String?
    /// The ``Finance/MoneyError`` code behind an evaluation failure, if any.
    public let underlyingCode: String?
    public let site: ThrowSite

    public init(
        _ kind: Kind, _ detail: String, at position: SourcePosition? = nil, path: String? = nil,
        underlyingCode: String? = nil, file: String = #fileID, line: UInt = #line
    ) {
        self.kind = kind
        self.detail = detail
        self.position = position
        self.path = path
        self.underlyingCode = underlyingCode
        self.site = ThrowSite(file: file, line: line)
    }

    public var code: String { kind.rawValue }

    public var message: String {
        if let position { return "\(position): \(detail)" }
        if let path { return "\(path): \(detail)" }
        return detail
    }

    /// Every kind is the template's or the data's fault, not the server's.
    public var httpStatus: Int { 422 }

    public var field: String? { path }

    public var debugDescription: String {
        "\(code): \(message)" + (underlyingCode.map { " (\($0))" } ?? "") + " [at \(site)]"
    }

    public static func == (lhs: ExpressionError, rhs: ExpressionError) -> Bool {
        lhs.kind == rhs.kind && lhs.position == rhs.position && lhs.detail == rhs.detail && lhs.path == rhs.path
            && lhs.underlyingCode == rhs.underlyingCode
    }
}
