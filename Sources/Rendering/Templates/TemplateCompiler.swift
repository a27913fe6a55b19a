/// Turns tokens into a tree of `TemplateNode`s, checking block structure and
/// every path so that a broken template fails at start-up, not on a request.
///
/// Partial and layout names are only recorded here; `ViewLibrary` checks that
/// they exist once every file is compiled.
struct TemplateCompiler {
    private struct OpenBlock {
        let kind: TemplateTokenizer.BlockKind
        let path: PathExpression
        let line: Int
        var body: [TemplateNode] = []
        var otherwise: [TemplateNode]?
    }

    let name: String
    let source: [UInt8]

    private var fileName: String { name + ".html" }

    func compile() throws(TemplateError) -> CompiledTemplate {
        let tokens = try TemplateTokenizer(source: source, view: fileName).tokenize()
        var root: [TemplateNode] = []
        var stack: [OpenBlock] = []
        var layout: (name: String, line: Int)?

        func emit(_ node: TemplateNode) {
            guard var top = stack.popLast() else {
                root.append(node)
                return
            }
            if top.otherwise != nil { top.otherwise?.append(node) } else { top.body.append(node) }
            stack.append(top)
        }

        for token in tokens {
            switch token.kind {
            case .text:
                if token.start < token.end { emit(.text(Array(source[token.start..<token.end]))) }
            case .comment:
                continue
            case .variable(let text):
                emit(.escaped(try path(text, line: token.line), line: token.line))
            case .trusted(let text):
                emit(.trusted(try path(text, line: token.line), line: token.line))
            case .open(let kind, let text):
                stack.append(OpenBlock(kind: kind, path: try path(text, line: token.line), line: token.line))
            case .otherwise:
                guard var top = stack.popLast() else {
                    throw TemplateError(
                        .syntax, view: fileName, line: token.line, "{{else}} outside #each, #if or #unless")
                }
                guard top.otherwise == nil else {
                    throw TemplateError(
                        .syntax, view: fileName, line: token.line,
                        "second {{else}} in the {{#\(top.kind.rawValue)}} opened on line \(top.line)")
                }
                top.otherwise = []
                stack.append(top)
            case .close(let closing):
                guard let top = stack.popLast() else {
                    throw TemplateError(
                        .mismatchedBlock, view: fileName, line: token.line, "{{/\(closing)}} closes nothing")
                }
                guard closing == top.kind.rawValue else {
                    throw TemplateError(
                        .mismatchedBlock, view: fileName, line: token.line,
                        "{{/\(closing)}} found where {{/\(top.kind.rawValue)}} closes the block opened on line \(top.line)"
                    )
                }
                emit(node(closing: top))
            case .partial(let text):
                emit(try partial(text, line: token.line))
            case .layout(let layoutName):
                guard stack.isEmpty, layout == nil, isTemplateName(layoutName) else {
                    throw TemplateError(
                        .syntax, view: fileName, line: token.line,
                        "{{!layout name}} must appear once, outside any block, with a name like base")
                }
                layout = (name: "layouts/" + layoutName, line: token.line)
            }
        }
        if let unclosed = stack.last {
            throw TemplateError(
                .unclosedBlock, view: fileName, line: unclosed.line,
                "{{#\(unclosed.kind.rawValue) \(unclosed.path.text)}} is never closed with {{/\(unclosed.kind.rawValue)}}"
            )
        }
        return CompiledTemplate(name: name, nodes: root, layout: layout)
    }

    private func node(closing block: OpenBlock) -> TemplateNode {
        switch block.kind {
        case .each:
            .each(block.path, body: block.body, otherwise: block.otherwise ?? [], line: block.line)
        case .if, .unless:
            .conditional(
                block.path, whenTruthy: block.kind == .if, body: block.body, otherwise: block.otherwise ?? [],
                line: block.line)
        }
    }

    private func partial(_ text: String, line: Int) throws(TemplateError) -> TemplateNode {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let partialName = words.first, words.count <= 2, isTemplateName(partialName) else {
            throw TemplateError(
                .syntax, view: fileName, line: line,
                "a partial is {{> name}} or {{> name context}}, found {{> \(text)}}")
        }
        let context: PathExpression? = words.count == 2 ? try path(words[1], line: line) : nil
        return .partial(name: "partials/" + partialName, context: context, line: line)
    }

    private func path(_ text: String, line: Int) throws(TemplateError) -> PathExpression {
        guard let parsed = PathExpression.parse(text) else {
            throw TemplateError(
                .syntax, view: fileName, line: line, variable: text,
                "'\(text)' is not a variable path (letters, digits, _ and - separated by dots; ., this, ../, @index)")
        }
        return parsed
    }

    private func isTemplateName(_ text: String) -> Bool {
        !text.isEmpty && !text.contains("..")
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "/"):
                    true
                default: false
                }
            }
    }
}
