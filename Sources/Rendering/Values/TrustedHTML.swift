/// Markup that is known to be safe to place in an HTML document as it is.
///
/// Only this module can mint one from raw markup: the template engine (a
/// rendered view becomes a layout's `content`), the chart functions and the
/// escaping initialiser. A page therefore cannot turn request input into
/// markup by accident, and `{{{ x }}}` in a template refuses everything else.
public struct TrustedHTML: Sendable, Hashable, CustomStringConvertible {
    /// The markup, already safe.
    public let markup: String

    /// Markup produced inside this module, where every dynamic part was escaped.
    init(unchecked markup: String) {
        self.markup = markup
    }

    /// Text shown literally: every character that means something in HTML is escaped.
    public init(escaping text: String) {
        markup = HTMLEscaper.escape(text)
    }

    public static let empty = TrustedHTML(unchecked: "")

    /// Joins two trusted fragments; the result is as safe as its parts.
    public static func + (lhs: TrustedHTML, rhs: TrustedHTML) -> TrustedHTML {
        TrustedHTML(unchecked: lhs.markup + rhs.markup)
    }

    public var description: String { markup }
}
