import Events

/// Checks a parsed mapping document and compiles it into a `MappingPlan`.
///
/// It keeps going after a problem so that every mistake in the document is
/// reported at once, each with its JSON path in the document
/// (`$.outputs[0].fields["data.lines[]"].fields.quantity.transforms[1]`). A
/// compile function returns nil when its part was refused; the caller only
/// assembles a plan when no issue was recorded.
struct DocumentCompiler {
    /// Where a rule sits: how deeply nested, whether `@` and `index` refer to an
    /// iteration, and the canonical field prefix for error messages.
    struct Context {
        var depth = 0
        var inIteration = false
        var targetPrefix = ""

        func nested() -> Context {
            var copy = self
            copy.depth += 1
            return copy
        }
    }

    static let maxIssues = 50
    static let envelopeFields: Set<String> = ["id", "occurred_at", "source", "caused_by", "traceparent", "data"]
    static let requiredEnvelopeFields = ["id", "occurred_at", "source", "data"]

    let limits: MappingLimits
    private(set) var issues: [MappingIssue] = []
    private(set) var truncated = false
    var declaredTables: Set<String> = []

    init(limits: MappingLimits) {
        self.limits = limits
    }

    mutating func report(_ path: String, _ message: String) {
        if issues.count < Self.maxIssues {
            issues.append(MappingIssue(path: path, message: message))
        } else {
            truncated = true
        }
    }

    static func child(_ path: String, _ key: String) -> String {
        path + SourcePath(anchor: .root, segments: [.key(key)]).segmentsText
    }

    static func item(_ path: String, _ index: Int) -> String { "\(path)[\(index)]" }

    /// Reports every key of `object` outside `allowed` (`$comment` is allowed everywhere).
    mutating func checkKeys(_ object: [String: JSONValue], allowed: [String], at path: String, what: String) {
        for key in object.keys.sorted() where key != "$comment" && !allowed.contains(key) {
            report(Self.child(path, key), "unknown key in \(what); expected \(allowed.joined(separator: ", "))")
        }
    }

    // MARK: Scalars

    mutating func string(_ value: JSONValue?, at path: String, what: String, required: Bool = true) -> String? {
        guard let value else {
            if required { report(path, "\(what) is required") }
            return nil
        }
        guard case .string(let text) = value, !text.isEmpty else {
            report(path, "\(what) must be a non-empty string")
            return nil
        }
        return text
    }

    mutating func integer(_ value: JSONValue?, at path: String, range: ClosedRange<Int>) -> Int? {
        guard case .number(let text)? = value, let number = Int(text), range.contains(number) else {
            report(path, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return number
    }

    mutating func sourcePath(_ value: JSONValue?, at path: String) -> SourcePath? {
        guard case .string(let text)? = value else {
            report(path, "must be a path string such as \"$.order.lines\" or \"@.qty\"")
            return nil
        }
        switch SourcePath.parse(text) {
        case .success(let parsed): return parsed
        case .failure(let problem):
            report(path, "bad path \(JSONValue.string(text).serialized()): \(problem.reason)")
            return nil
        }
    }

    mutating func checkDepth(_ context: Context, at path: String) -> Bool {
        guard context.depth <= limits.maxRuleNesting else {
            report(path, "rules nest deeper than \(limits.maxRuleNesting) levels")
            return false
        }
        return true
    }

    // MARK: Outputs

    mutating func compileOutput(_ value: JSONValue, at path: String, index: Int) -> OutputPlan? {
        guard case .object(let object) = value else {
            report(path, "an output must be an object with event_type and fields")
            return nil
        }
        checkKeys(
            object, allowed: ["event_type", "schema_version", "description", "when", "for_each", "fields"], at: path,
            what: "an output")
        let eventType = string(object["event_type"], at: Self.child(path, "event_type"), what: "event_type")
        if let eventType, !Self.isEventTypeName(eventType) {
            report(
                Self.child(path, "event_type"), "must be a dotted lower-case event type such as \"invoice.received\"")
        }
        var schemaVersion: Int? = 1
        if let version = object["schema_version"] {
            schemaVersion = integer(version, at: Self.child(path, "schema_version"), range: 1...1000)
        }
        if let description = object["description"], description.stringValue == nil {
            report(Self.child(path, "description"), "must be a string")
        }
        var context = Context()
        var forEach: SourcePath?
        if let loop = object["for_each"] {
            forEach = sourcePath(loop, at: Self.child(path, "for_each"))
            context.inIteration = true
        }
        var when: Condition?
        if let condition = object["when"] {
            when = compileCondition(condition, at: Self.child(path, "when"), context: context)
        }
        var envelope: ObjectShape?
        if case .object(let fields)? = object["fields"] {
            envelope = compileFields(fields, at: Self.child(path, "fields"), context: context, isEnvelope: true)
        } else {
            report(Self.child(path, "fields"), "fields must be an object of target field → rule")
        }
        guard let eventType, let schemaVersion, let envelope else { return nil }
        return OutputPlan(
            eventType: eventType, schemaVersion: schemaVersion, when: when, forEach: forEach, envelope: envelope,
            label: "outputs[\(index)] (\(eventType))")
    }

    /// Dotted lower-case segments, as the event catalog names types.
    static func isEventTypeName(_ name: String) -> Bool {
        let segments = name.split(separator: ".", omittingEmptySubsequences: false)
        return segments.count >= 2 && name.utf8.count <= 100
            && segments.allSatisfy { segment in
                guard let first = segment.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else {
                    return false
                }
                return segment.utf8.allSatisfy {
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                        || $0 == UInt8(ascii: "_")
                }
            }
    }
}
