import Platform

/// A template that cannot be compiled or a context that does not fit it.
///
/// Always names the template file and, where there is one, the line, so that
/// the person who wrote the page can go straight to it. Compile errors are
/// raised when the views are loaded at start-up; render errors (a missing
/// variable, a plain string in `{{{ }}}`) when a page is rendered. Either way
/// the portal answers 500: both are bugs in the page, never the user's input.
public struct TemplateError: CodedError, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// A tag that cannot be read: bad path, unterminated `{{`, stray `{{else}}`.
        case syntax = "template_syntax"
        case unclosedBlock = "template_unclosed_block"
        case mismatchedBlock = "template_mismatched_block"
        case unknownPartial = "template_unknown_partial"
        case unknownLayout = "template_unknown_layout"
        case layoutCycle = "template_layout_cycle"
        case unknownView = "template_unknown_view"
        case unreadable = "template_unreadable"
        case missingVariable = "template_missing_variable"
        /// `{{{ x }}}` on anything but `ViewValue.html`.
        case untrustedRawOutput = "template_untrusted_raw_output"
        /// `{{ x }}` on a list, object or null, or `{{#each}}` on a non-list.
        case typeMismatch = "template_type_mismatch"
        case depthLimit = "template_depth_limit"
    }

    public let kind: Kind
    /// The template file relative to the views folder, e.g. `partials/flash.html`.
    public let view: String
    /// 1-based line of the tag at fault; `nil` when the error concerns the whole file.
    public let line: Int?
    /// The variable path as written in the template, for missing-variable and type errors.
    public let variable: String?
    public let detail: String

    public init(_ kind: Kind, view: String, line: Int?, variable: String? = nil, _ detail: String) {
        self.kind = kind
        self.view = view
        self.line = line
        self.variable = variable
        self.detail = detail
    }

    public var code: String { kind.rawValue }
    public var httpStatus: Int { 500 }

    public var message: String {
        if let line { return "\(view) line \(line): \(detail)" }
        return "\(view): \(detail)"
    }
}
