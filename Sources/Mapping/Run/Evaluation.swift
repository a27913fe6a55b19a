import Events

/// The run-time half of the rules: evaluation against a payload in a `Scope`.
///
/// Generic over the lookup so the call into the prefetched tables is direct.
/// Strings for error messages are built only on the failing path.
struct Evaluator<Lookups: ReferenceLookup> {
    let lookups: Lookups
    let limits: MappingLimits

    func build(_ shape: ObjectShape, scope: inout Scope) throws(MappingError) -> [String: JSONValue] {
        var members = [String: JSONValue](minimumCapacity: shape.members.count + 2)
        for member in shape.members {
            if let value = try evaluate(member.node, scope: &scope) {
                members[member.key] = value
            }
        }
        return members
    }

    func evaluate(_ node: TargetNode, scope: inout Scope) throws(MappingError) -> JSONValue? {
        switch node {
        case .value(let rule):
            return try evaluate(rule, scope: scope)
        case .object(let shape):
            // An object whose every member was left out disappears too, so an optional party stays optional.
            let members = try build(shape, scope: &scope)
            return members.isEmpty ? nil : .object(members)
        case .array(let builder):
            return try evaluate(builder, scope: &scope)
        }
    }

    func evaluate(_ builder: ArrayBuilder, scope: inout Scope) throws(MappingError) -> JSONValue? {
        guard let found = scope.resolve(builder.each), found != .null else {
            guard !builder.required else {
                throw MappingError(
                    .valueMissing,
                    "\(builder.target) is required but \(scope.concreteText(of: builder.each)) is absent",
                    sourcePath: scope.concreteText(of: builder.each), target: builder.target, rule: "each")
            }
            return nil
        }
        let items = try iterable(found, path: builder.each, target: builder.target, scope: &scope)
        var output: [JSONValue] = []
        output.reserveCapacity(items.count)
        let enclosing = scope.current
        scope.frames.append(Scope.Frame(array: builder.each, index: 0))
        for (index, item) in items.enumerated() {
            scope.frames[scope.frames.count - 1].index = index
            scope.current = item
            if let when = builder.when, !when.holds(in: scope) { continue }
            switch builder.element {
            case .object(let shape):
                output.append(.object(try build(shape, scope: &scope)))
            case .value(let rule):
                if let value = try evaluate(rule, scope: scope) { output.append(value) }
            }
        }
        scope.frames.removeLast()
        scope.current = enclosing
        return .array(output)
    }

    /// The elements of an array that an iteration is about to visit, within the limits.
    func iterable(_ value: JSONValue, path: SourcePath, target: String, scope: inout Scope) throws(MappingError)
        -> [JSONValue]
    {
        guard case .array(let items) = value else {
            throw MappingError(
                .typeMismatch,
                "\(target) iterates over \(scope.concreteText(of: path)), which is \(TransformFailure.describe(value)), not an array",
                sourcePath: scope.concreteText(of: path), target: target)
        }
        guard items.count <= limits.maxArrayItems else {
            throw MappingError(
                .limitExceeded,
                "\(scope.concreteText(of: path)) has \(items.count) elements; at most \(limits.maxArrayItems) are mapped",
                sourcePath: scope.concreteText(of: path), target: target)
        }
        scope.visited += items.count
        guard scope.visited <= limits.maxVisitedItems else {
            throw MappingError(
                .limitExceeded,
                "the payload's arrays have more than \(limits.maxVisitedItems) elements to map in all",
                sourcePath: scope.concreteText(of: path), target: target)
        }
        return items
    }

    func evaluate(_ rule: ValueRule, scope: Scope) throws(MappingError) -> JSONValue? {
        var value = try read(rule, scope: scope)
        if var current = value, current != .null {
            for step in rule.transforms {
                do {
                    current = try step.transform.apply(current, scope: scope, lookups: lookups)
                } catch {
                    let source = sourceText(rule, scope: scope)
                    let from = source.map { " (read from \($0))" } ?? ""
                    throw MappingError(
                        error.kind, "\(step.label) failed for \(rule.target)\(from): \(error.reason)",
                        sourcePath: source,
                        target: rule.target, rule: step.label)
                }
                if current == .null { break }
            }
            value = current
        }
        if let value, value != .null { return value }
        if let fallback = rule.defaultValue { return fallback }
        if rule.required {
            let source = sourceText(rule, scope: scope)
            throw MappingError(
                .valueMissing, "\(rule.target) is required but \(source ?? "its source") is absent or null",
                sourcePath: source, target: rule.target, rule: "required")
        }
        return nil
    }

    private func read(_ rule: ValueRule, scope: Scope) throws(MappingError) -> JSONValue? {
        switch rule.source {
        case .path(let path):
            return scope.resolve(path)
        case .constant(let value):
            return value
        case .index(let offset):
            return .number(String((scope.position ?? 0) + offset))
        case .template(let parts):
            var text = ""
            for part in parts {
                switch part {
                case .literal(let literal): text += literal
                case .path(let path):
                    guard let value = scope.resolve(path), value != .null else { return nil }
                    text += try scalarText(value, path: scope.concreteText(of: path), rule: rule, name: "template")
                }
                try checkLength(text, rule: rule, name: "template")
            }
            return .string(text)
        case .concat(let parts, let separator, let skipMissing):
            var text = ""
            var first = true
            for part in parts {
                guard let value = try evaluate(part, scope: scope) else {
                    if skipMissing { continue }
                    return nil
                }
                if !first { text += separator }
                first = false
                text += try scalarText(
                    value, path: sourceText(part, scope: scope) ?? rule.target, rule: rule, name: "concat")
                try checkLength(text, rule: rule, name: "concat")
            }
            return first ? nil : .string(text)
        }
    }

    private func scalarText(_ value: JSONValue, path: String, rule: ValueRule, name: String) throws(MappingError)
        -> String
    {
        switch value {
        case .string(let text): return text
        case .number(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        default:
            throw MappingError(
                .typeMismatch,
                "\(name) for \(rule.target) needs text at \(path), got \(TransformFailure.describe(value))",
                sourcePath: path, target: rule.target, rule: name)
        }
    }

    private func checkLength(_ text: String, rule: ValueRule, name: String) throws(MappingError) {
        guard text.utf8.count <= limits.maxBuiltStringBytes else {
            throw MappingError(
                .limitExceeded, "\(name) for \(rule.target) built more than \(limits.maxBuiltStringBytes) bytes",
                target: rule.target, rule: name)
        }
    }

    private func sourceText(_ rule: ValueRule, scope: Scope) -> String? {
        if case .path(let path) = rule.source { return scope.concreteText(of: path) }
        return nil
    }
}
