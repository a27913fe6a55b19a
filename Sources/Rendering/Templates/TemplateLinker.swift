/// Checks references between compiled templates: every partial and layout
/// exists, partials declare no layout, and no layout chain loops.
struct TemplateLinker {
    let templates: [String: CompiledTemplate]

    func check() throws(TemplateError) {
        for name in templates.keys.sorted() {
            guard let template = templates[name] else { continue }
            try checkPartials(template.nodes, in: template)
            if let layout = template.layout {
                if name.hasPrefix("partials/") {
                    throw TemplateError(
                        .syntax, view: template.fileName, line: layout.line, "a partial cannot declare a layout")
                }
                try checkLayoutChain(from: template)
            }
        }
    }

    private func checkPartials(_ nodes: [TemplateNode], in template: CompiledTemplate) throws(TemplateError) {
        for node in nodes {
            switch node {
            case .partial(let name, _, let line):
                guard templates[name] != nil else {
                    throw TemplateError(
                        .unknownPartial, view: template.fileName, line: line, "unknown partial \(name).html")
                }
            case .each(_, let body, let otherwise, _), .conditional(_, _, let body, let otherwise, _):
                try checkPartials(body, in: template)
                try checkPartials(otherwise, in: template)
            case .text, .escaped, .trusted:
                continue
            }
        }
    }

    private func checkLayoutChain(from template: CompiledTemplate) throws(TemplateError) {
        var seen: Set<String> = [template.name]
        var current = template
        while let layout = current.layout {
            guard let next = templates[layout.name] else {
                throw TemplateError(
                    .unknownLayout, view: current.fileName, line: layout.line, "unknown layout \(layout.name).html")
            }
            guard seen.insert(next.name).inserted else {
                throw TemplateError(
                    .layoutCycle, view: current.fileName, line: layout.line,
                    "layout \(layout.name).html leads back to \(template.fileName)")
            }
            current = next
        }
    }
}
