import Events

/// Value rules: exactly one source, then `transforms`, `default` and `required`.
extension DocumentCompiler {
    static let ruleKeys = [
        "path", "const", "template", "concat", "separator", "skip_missing", "index", "default", "required",
        "transforms",
    ]
    static let sourceKeys = ["path", "const", "template", "concat", "index"]

    mutating func compileRule(_ value: JSONValue, at path: String, target: String, context: Context) -> ValueRule? {
        guard checkDepth(context, at: path) else { return nil }
        // A bare path string is the common case; anything else must be spelled as a rule object.
        if case .string(let text) = value, text.hasPrefix("$") || text.hasPrefix("@") {
            guard let source = sourcePath(value, at: path) else { return nil }
            return ValueRule(source: .path(source), transforms: [], defaultValue: nil, required: false, target: target)
        }
        guard case .object(let object) = value else {
            report(
                path,
                "a rule is a path string (\"$.order.number\") or an object such as {\"path\": …} or {\"const\": …}")
            return nil
        }
        checkKeys(object, allowed: Self.ruleKeys, at: path, what: "a rule")
        let sources = Self.sourceKeys.filter { object[$0] != nil }
        guard sources.count == 1, let sourceKey = sources.first else {
            report(
                path,
                sources.isEmpty
                    ? "a rule needs one of path, const, template, concat or index"
                    : "a rule takes only one of path, const, template, concat or index (found \(sources.joined(separator: ", ")))"
            )
            return nil
        }
        if sourceKey != "concat" {
            for key in ["separator", "skip_missing"] where object[key] != nil {
                report(Self.child(path, key), "\(key) only goes with concat")
            }
        }
        let sourcePath = Self.child(path, sourceKey)
        var source: ValueRule.Source?
        switch sourceKey {
        case "path":
            source = self.sourcePath(object["path"], at: sourcePath).map(ValueRule.Source.path)
        case "const":
            if object["const"] == .null {
                report(sourcePath, "a null constant produces nothing; leave the field out instead")
            } else {
                source = object["const"].map(ValueRule.Source.constant)
            }
        case "template":
            source = compileTemplate(object["template"], at: sourcePath).map(ValueRule.Source.template)
        case "concat":
            source = compileConcat(object, at: path, target: target, context: context)
        default:
            if !context.inIteration {
                report(sourcePath, "index numbers elements, so it is only allowed inside for_each or an array target")
            } else {
                source = integer(object["index"], at: sourcePath, range: 0...1).map { .index(offset: $0) }
            }
        }
        var defaultValue: JSONValue?
        if let fallback = object["default"] {
            if fallback == .null {
                report(Self.child(path, "default"), "a null default produces nothing; leave default out instead")
            }
            defaultValue = fallback
        }
        let required = boolean(object["required"], at: Self.child(path, "required")) ?? false
        if required, defaultValue != nil {
            report(
                Self.child(path, "required"), "a rule with a default never misses its value; drop required or default")
        }
        var transforms: [TransformStep] = []
        if let steps = object["transforms"] {
            guard let compiled = compileTransforms(steps, at: Self.child(path, "transforms")) else {
                return nil
            }
            transforms = compiled
        }
        guard let source else { return nil }
        return ValueRule(
            source: source, transforms: transforms, defaultValue: defaultValue, required: required, target: target)
    }

    /// `"INV-{$.number}/{@.line}"`: literal text with `{path}` placeholders; `{{` and `}}` are braces.
    mutating func compileTemplate(_ value: JSONValue?, at path: String) -> [ValueRule.TemplatePart]? {
        guard case .string(let text)? = value else {
            report(path, "a template is a string such as \"INV-{$.number}\"")
            return nil
        }
        var parts: [ValueRule.TemplatePart] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if character == "{", next < text.endIndex, text[next] == "{" {
                literal.append("{")
                index = text.index(after: next)
            } else if character == "}", next < text.endIndex, text[next] == "}" {
                literal.append("}")
                index = text.index(after: next)
            } else if character == "{" {
                guard let close = text[next...].firstIndex(of: "}") else {
                    report(path, "unclosed { in the template; write {{ for a literal brace")
                    return nil
                }
                let pathText = String(text[next..<close])
                switch SourcePath.parse(pathText) {
                case .success(let parsed):
                    if !literal.isEmpty { parts.append(.literal(literal)) }
                    literal = ""
                    parts.append(.path(parsed))
                case .failure(let problem):
                    report(path, "bad path {\(pathText)} in the template: \(problem.reason)")
                    return nil
                }
                index = text.index(after: close)
            } else if character == "}" {
                report(path, "unmatched } in the template; write }} for a literal brace")
                return nil
            } else {
                literal.append(character)
                index = next
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        guard parts.contains(where: { if case .path = $0 { true } else { false } }) else {
            report(path, "a template without {path} placeholders is a constant; use const")
            return nil
        }
        return parts
    }

    private mutating func compileConcat(
        _ object: [String: JSONValue], at path: String, target: String, context: Context
    ) -> ValueRule.Source? {
        let partsPath = Self.child(path, "concat")
        guard case .array(let items)? = object["concat"], (1...20).contains(items.count) else {
            report(partsPath, "concat is a list of 1 to 20 rules")
            return nil
        }
        var separator = ""
        if let value = object["separator"] {
            guard case .string(let text) = value else {
                report(Self.child(path, "separator"), "must be a string")
                return nil
            }
            separator = text
        }
        let skipMissing = boolean(object["skip_missing"], at: Self.child(path, "skip_missing")) ?? false
        var parts: [ValueRule] = []
        for (index, item) in items.enumerated() {
            // Literal strings are text to insert; paths and objects are rules.
            if case .string(let text) = item, !text.hasPrefix("$"), !text.hasPrefix("@") {
                parts.append(
                    ValueRule(
                        source: .constant(.string(text)), transforms: [], defaultValue: nil, required: false,
                        target: target))
                continue
            }
            guard
                let part = compileRule(item, at: Self.item(partsPath, index), target: target, context: context.nested())
            else { return nil }
            parts.append(part)
        }
        return .concat(parts, separator: separator, skipMissing: skipMissing)
    }
}
