/// One render of one template: a scope stack and a growing byte buffer.
///
/// Values are looked up by walking the scope stack from the innermost frame
/// outwards, so an `each` body sees both the item and everything around it.
/// Errors leave the session half-written; it is discarded, never reused.
struct RenderSession {
    private struct Frame {
        var value: ViewValue
        /// Position in the enclosing `each`, when this frame is an iteration.
        var index: Int
        var count: Int
        var isIteration: Bool
    }

    private let templates: [String: CompiledTemplate]
    private let maxDepth: Int
    private var frames: [Frame]
    private var depth = 0
    private(set) var output: [UInt8] = []

    init(templates: [String: CompiledTemplate], maxDepth: Int, context: ViewValue, capacity: Int) {
        self.templates = templates
        self.maxDepth = maxDepth
        frames = [Frame(value: context, index: 0, count: 0, isIteration: false)]
        output.reserveCapacity(capacity)
    }

    /// Renders `template`, then wraps the result in its layout chain, innermost first.
    mutating func renderPage(_ template: CompiledTemplate) throws(TemplateError) {
        guard let layout = template.layout else {
            try run(template.nodes, in: template)
            return
        }
        let outer = output
        output = []
        output.reserveCapacity(outer.capacity)
        try run(template.nodes, in: template)
        let content = TrustedHTML(unchecked: String(decoding: output, as: UTF8.self))
        output = outer
        guard let layoutTemplate = templates[layout.name] else {
            throw TemplateError(
                .unknownLayout, view: template.fileName, line: layout.line, "no layout \(layout.name).html")
        }
        frames.append(Frame(value: .object(["content": .html(content)]), index: 0, count: 0, isIteration: false))
        try renderPage(layoutTemplate)
        frames.removeLast()
    }

    private mutating func run(_ nodes: [TemplateNode], in template: CompiledTemplate) throws(TemplateError) {
        for node in nodes {
            switch node {
            case .text(let bytes):
                output.append(contentsOf: bytes)
            case .escaped(let path, let line):
                try write(resolve(path, in: template, line: line), path: path, in: template, line: line)
            case .trusted(let path, let line):
                let value = try resolve(path, in: template, line: line)
                guard case .html(let html) = value else {
                    throw TemplateError(
                        .untrustedRawOutput, view: template.fileName, line: line, variable: path.text,
                        "{{{ \(path.text) }}} is a \(value.kindName), not ViewValue.html; use {{ \(path.text) }} to escape it"
                    )
                }
                output.append(contentsOf: html.markup.utf8)
            case .each(let path, let body, let otherwise, let line):
                let value = try resolve(path, in: template, line: line)
                switch value {
                case .list(let items) where !items.isEmpty:
                    frames.append(Frame(value: .null, index: 0, count: items.count, isIteration: true))
                    let top = frames.count - 1
                    for (index, item) in items.enumerated() {
                        frames[top] = Frame(value: item, index: index, count: items.count, isIteration: true)
                        try run(body, in: template)
                    }
                    frames.removeLast()
                case .list, .null:
                    try run(otherwise, in: template)
                default:
                    throw TemplateError(
                        .typeMismatch, view: template.fileName, line: line, variable: path.text,
                        "{{#each \(path.text)}} needs a list, found a \(value.kindName)")
                }
            case .conditional(let path, let whenTruthy, let body, let otherwise, let line):
                let value = try resolve(path, in: template, line: line)
                try run(value.isTruthy == whenTruthy ? body : otherwise, in: template)
            case .partial(let name, let context, let line):
                try renderPartial(name, context: context, from: template, line: line)
            }
        }
    }

    private mutating func renderPartial(
        _ name: String, context: PathExpression?, from template: CompiledTemplate, line: Int
    ) throws(TemplateError) {
        guard depth < maxDepth else {
            throw TemplateError(
                .depthLimit, view: template.fileName, line: line,
                "partials nested deeper than \(maxDepth) levels (a partial that includes itself without end?)")
        }
        guard let partial = templates[name] else {
            throw TemplateError(.unknownPartial, view: template.fileName, line: line, "no partial \(name).html")
        }
        if let context {
            let value = try resolve(context, in: template, line: line)
            frames.append(Frame(value: value, index: 0, count: 0, isIteration: false))
        }
        depth += 1
        try run(partial.nodes, in: partial)
        depth -= 1
        if context != nil { frames.removeLast() }
    }

    private func resolve(_ path: PathExpression, in template: CompiledTemplate, line: Int) throws(TemplateError)
        -> ViewValue
    {
        let start = frames.count - 1 - path.parentHops
        guard start >= 0 else {
            throw missing(path, template, line, "../ reaches above the render context")
        }
        var value: ViewValue
        switch path.head {
        case .current:
            value = frames[start].value
        case .iteration(let field):
            guard let frame = frames[...start].last(where: \.isIteration) else {
                throw missing(path, template, line, "@\(field.rawValue) is only defined inside {{#each}}")
            }
            switch field {
            case .index: value = .int(frame.index)
            case .first: value = .bool(frame.index == 0)
            case .last: value = .bool(frame.index == frame.count - 1)
            }
        case .name(let key):
            var found: ViewValue?
            var index = start
            while index >= 0 {
                if case .object(let fields) = frames[index].value, let hit = fields[key] {
                    found = hit
                    break
                }
                index -= 1
            }
            guard let found else { throw missing(path, template, line, "missing variable \(path.text)") }
            value = found
        }
        for segment in path.tail {
            guard case .object(let fields) = value, let next = fields[segment] else {
                throw missing(
                    path, template, line, "missing variable \(path.text) (\(value.kindName) has no field '\(segment)')")
            }
            value = next
        }
        return value
    }

    private func missing(_ path: PathExpression, _ template: CompiledTemplate, _ line: Int, _ detail: String)
        -> TemplateError
    {
        TemplateError(.missingVariable, view: template.fileName, line: line, variable: path.text, detail)
    }

    private mutating func write(_ value: ViewValue, path: PathExpression, in template: CompiledTemplate, line: Int)
        throws(TemplateError)
    {
        switch value {
        case .string(let text): HTMLEscaper.append(text, to: &output)
        case .int(let number): output.append(contentsOf: String(number).utf8)
        case .decimal(let number): HTMLEscaper.append(number.description, to: &output)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        // Double braces always escape, even trusted markup: it may sit inside an attribute.
        case .html(let html): HTMLEscaper.append(html.markup, to: &output)
        case .list, .object, .null:
            throw TemplateError(
                .typeMismatch, view: template.fileName, line: line, variable: path.text,
                "{{ \(path.text) }} is a \(value.kindName), which cannot be printed"
                    + (value == .null ? "; guard it with {{#if \(path.text)}}" : ""))
        }
    }
}
