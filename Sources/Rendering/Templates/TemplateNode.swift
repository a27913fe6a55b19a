/// One compiled piece of a template; a template is a list of these.
///
/// Text is kept as UTF-8 bytes so rendering is a sequence of bulk appends.
/// Every tag keeps its line for error messages.
indirect enum TemplateNode: Sendable {
    case text([UInt8])
    case escaped(PathExpression, line: Int)
    case trusted(PathExpression, line: Int)
    case each(PathExpression, body: [TemplateNode], otherwise: [TemplateNode], line: Int)
    /// `{{#if}}` when `whenTruthy`, `{{#unless}}` otherwise.
    case conditional(PathExpression, whenTruthy: Bool, body: [TemplateNode], otherwise: [TemplateNode], line: Int)
    /// `name` is the partial's template name, `partials/…`.
    case partial(name: String, context: PathExpression?, line: Int)
}

/// A template file after compilation.
struct CompiledTemplate: Sendable {
    /// Name without extension, relative to the views folder: `layouts/base`.
    let name: String
    let nodes: [TemplateNode]
    /// `layouts/<name>` from `{{!layout name}}`, with the directive's line.
    let layout: (name: String, line: Int)?

    var fileName: String { name + ".html" }
}
