import Platform

/// Why an expression was refused when a template was published, or failed
/// while a run evaluated it.
///
/// Codes are stable; the template editor branches on them. `message` starts
/// with the position (`line 1, column 14: expected a number, found money`)
/// and quotes only the template's own text, never the run's data, which may
/// be confidential: a data value shows up by its type (and money by its
/// currency code), never by its amount or text.
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

    /// The fields live in one immutable box: typed throws pass the error
    /// back through a buffer in every caller's frame, and the parser, checker
    /// and evaluator recurse, so a word per call site instead of ~120 bytes
    /// is what lets the deepest allowed expression fit a small stack.
    private final class Storage: Sendable {
        let kind: Kind
        let position: SourcePosition?
        let detail: String
        let path: String?
        let underlyingCode: String?
        let site: ThrowSite

        init(
            kind: Kind, position: SourcePosition?, detail: String, path: String?, underlyingCode: String?,
            site: ThrowSite
        ) {
            self.kind = kind
            self.position = position
            self.detail = detail
            self.path = path
            self.underlyingCode = underlyingCode
            self.site = site
        }
    }

    private let storage: Storage

    public var kind: Kind { storage.kind }
    /// Where in the source; nil for faults that belong to no one place
    /// (the whole source is too long, a declaration, the data).
    public var position: SourcePosition? { storage.position }
    /// The explanation without the position.
    public var detail: String { storage.detail }
    /// The data path at fault for `expression_data` and `expression_declaration` errors.
    public var path: String? { storage.path }
    /// The ``Finance/MoneyError`` code behind an evaluation failure, if any.
    public var underlyingCode: String? { storage.underlyingCode }
    public var site: ThrowSite { storage.site }

    public init(
        _ kind: Kind, _ detail: String, at position: SourcePosition? = nil, path: String? = nil,
        underlyingCode: String? = nil, file: String = #fileID, line: UInt = #line
    ) {
        storage = Storage(
            kind: kind, position: position, detail: detail, path: path, underlyingCode: underlyingCode,
            site: ThrowSite(file: file, line: line))
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
