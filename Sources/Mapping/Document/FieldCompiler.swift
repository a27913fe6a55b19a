import Events

/// `fields` objects: dotted target paths turned into a tree of canonical
/// objects, each leaf a value rule or an array builder.
extension DocumentCompiler {
    /// A target key split into its segments: `data.supplier.id`, `data.lines[]`.
    struct TargetKey {
        let segments: [String]
        let isArray: Bool
    }

    static func parseTarget(_ key: String) -> TargetKey? {
        var text = Substring(key)
        let isArray = text.hasSuffix("[]")
        if isArray { text = text.dropLast(2) }
        let segments = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !segments.isEmpty, segments.count <= 8, segments.allSatisfy(SourcePath.isPlainKey) else { return nil }
        return TargetKey(segments: segments, isArray: isArray)
    }

    /// Nested objects being assembled from dotted keys, before sorting into an `ObjectShape`.
    struct PendingObject {
        indirect enum Node {
            case leaf(TargetNode, key: String)
            case object(PendingObject)
        }

        var members: [String: Node] = [:]

        /// Adds `node` at `segments`; returns the document key it collides with, if any.
        mutating func insert(_ node: TargetNode, key: String, at segments: ArraySlice<String>) -> String? {
            guard let head = segments.first else { return key }
            let rest = segments.dropFirst()
            switch members[head] {
            case nil:
                if rest.isEmpty {
                    members[head] = .leaf(node, key: key)
                    return nil
                }
                var child = PendingObject()
                let conflict = child.insert(node, key: key, at: rest)
                members[head] = .object(child)
                return conflict
            case .leaf(_, let other)?:
                return other
            case .object(var child)?:
                guard !rest.isEmpty else { return child.firstKey ?? key }
                let conflict = child.insert(node, key: key, at: rest)
                members[head] = .object(child)
                return conflict
            }
        }

        var firstKey: String? {
            for name in members.keys.sorted() {
                switch members[name] {
                case .leaf(_, let key)?: return key
                case .object(let child)?: if let key = child.firstKey { return key }
                case nil: break
                }
            }
            return nil
        }

        var shape: ObjectShape {
            ObjectShape(
                members: members.keys.sorted().compactMap { name in
                    switch members[name] {
                    case .leaf(let node, _)?: ObjectShape.Member(key: name, node: node)
                    case .object(let child)?: ObjectShape.Member(key: name, node: .object(child.shape))
                    case nil: nil
                    }
                })
        }
    }

    mutating func compileFields(
        _ fields: [String: JSONValue], at path: String, context: Context, isEnvelope: Bool
    ) -> ObjectShape? {
        var pending = PendingObject()
        var failed = false
        if fields.count > 500 {
            report(path, "at most 500 fields per object")
            return nil
        }
        for key in fields.keys.sorted() where key != "$comment" {
            guard let value = fields[key] else { continue }
            let keyPath = Self.child(path, key)
            guard let target = Self.parseTarget(key) else {
                report(
                    keyPath,
                    "a target is dotted keys of letters, digits, '_' or '-' (at most 8), the last optionally ending in [] for an array"
                )
                failed = true
                continue
            }
            if isEnvelope, !checkEnvelopeTarget(target, key: key, at: keyPath) {
                failed = true
                continue
            }
            let display = context.targetPrefix + key
            let node: TargetNode?
            if target.isArray {
                node = compileArrayBuilder(value, at: keyPath, target: display, context: context).map(TargetNode.array)
            } else {
                node = compileRule(value, at: keyPath, target: display, context: context).map(TargetNode.value)
            }
            guard let node else {
                failed = true
                continue
            }
            if let other = pending.insert(node, key: key, at: target.segments[...]) {
                report(
                    keyPath,
                    "conflicts with the target \(JSONValue.string(other).serialized()): one is inside the other")
                failed = true
            }
        }
        if isEnvelope {
            for name in Self.requiredEnvelopeFields where pending.members[name] == nil {
                report(path, "no rule produces the envelope field \"\(name)\"")
                failed = true
            }
        }
        return failed ? nil : pending.shape
    }

    private mutating func checkEnvelopeTarget(_ target: TargetKey, key: String, at path: String) -> Bool {
        guard let first = target.segments.first else { return false }
        if first == "type" || first == "schema_version" {
            report(path, "\"\(first)\" is set from the output's event_type and schema_version")
            return false
        }
        guard Self.envelopeFields.contains(first) else {
            report(
                path,
                "\"\(first)\" is not an envelope field (id, occurred_at, source, caused_by, traceparent, data); canonical fields go under data., such as \"data.\(key)\""
            )
            return false
        }
        if first != "data", target.segments.count > 1 || target.isArray {
            report(path, "the envelope field \"\(first)\" is a single string")
            return false
        }
        if first == "data", target.segments.count == 1, target.isArray {
            report(path, "data is an object, not an array")
            return false
        }
        return true
    }

    mutating func compileArrayBuilder(_ value: JSONValue, at path: String, target: String, context: Context)
        -> ArrayBuilder?
    {
        let inner = Context(depth: context.depth + 1, inIteration: true, targetPrefix: target + ".")
        guard checkDepth(inner, at: path) else { return nil }
        guard case .object(let object) = value else {
            report(
                path,
                "an array target takes {\"each\": \"<array path>\", \"fields\": {…}} or {\"each\": …, \"value\": {…}}")
            return nil
        }
        checkKeys(object, allowed: ["each", "when", "fields", "value", "required"], at: path, what: "an array rule")
        let each = sourcePath(object["each"], at: Self.child(path, "each"))
        var when: Condition?
        var whenFailed = false
        if let condition = object["when"] {
            when = compileCondition(condition, at: Self.child(path, "when"), context: inner)
            whenFailed = when == nil
        }
        let required = boolean(object["required"], at: Self.child(path, "required")) ?? false
        let element: ArrayBuilder.Element?
        switch (object["fields"], object["value"]) {
        case (.object(let fields)?, nil):
            element = compileFields(fields, at: Self.child(path, "fields"), context: inner, isEnvelope: false)
                .map(ArrayBuilder.Element.object)
        case (nil, let rule?):
            element = compileRule(rule, at: Self.child(path, "value"), target: target, context: inner)
                .map(ArrayBuilder.Element.value)
        default:
            report(path, "an array rule needs either fields (an object) or value (a rule), not both")
            element = nil
        }
        guard let each, let element, !whenFailed else { return nil }
        return ArrayBuilder(each: each, when: when, element: element, required: required, target: target)
    }

    mutating func boolean(_ value: JSONValue?, at path: String) -> Bool? {
        guard let value else { return nil }
        guard case .bool(let flag) = value else {
            report(path, "must be true or false")
            return nil
        }
        return flag
    }
}
