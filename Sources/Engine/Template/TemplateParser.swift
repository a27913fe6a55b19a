import Events
import Expressions
import Finance
import Foundation

extension WorkflowTemplate {
    /// Parses and validates a template document.
    ///
    /// - Parameter knownEventTypes: the catalog's types; triggers, correlated
    ///   documents and emitted events must be among them (empty skips the check).
    /// - Throws: ``TemplateError`` listing every problem found.
    public static func parse(_ data: Data, knownEventTypes: Set<String> = []) throws(TemplateError) -> WorkflowTemplate {
        let document: JSONValue
        do {
            document = try JSONParser(maxBytes: 1 << 20, maxDepth: 32).parse(data)
        } catch {
            throw TemplateError(problems: [.init(step: nil, path: "$", message: "not valid JSON: \(error)")])
        }
        var parser = TemplateParser(knownEventTypes: knownEventTypes)
        guard let template = parser.parse(document), parser.problems.isEmpty else {
            throw TemplateError(problems: parser.problems)
        }
        return template
    }
}

/// Collects every problem rather than stopping at the first.
struct TemplateParser {
    let knownEventTypes: Set<String>
    var problems: [TemplateError.Problem] = []

    mutating func problem(_ path: String, _ message: String, step: String? = nil) {
        problems.append(.init(step: step, path: path, message: message))
    }

    mutating func parse(_ document: JSONValue) -> WorkflowTemplate? {
        guard case .object(let root) = document else {
            problem("$", "a template is a JSON object")
            return nil
        }
        let allowed: Set<String> = [
            "slug", "version", "title", "description", "trigger", "correlation", "parameters", "steps", "display",
        ]
        for key in root.keys.sorted() where !allowed.contains(key) { problem("$.\(key)", "unknown field") }
        let slug = string(root, "slug", at: "$", pattern: Names.isSlug, expected: "lower-case letters, digits and -")
        let version = string(root, "version", at: "$", pattern: Names.isVersion, expected: "a semantic version such as 1.0.0")
        let title = string(root, "title", at: "$") ?? ""
        let description = root["description"]?.stringValue ?? ""
        let trigger = string(root, "trigger", at: "$") ?? ""
        if !trigger.isEmpty && !knownEventTypes.isEmpty && !knownEventTypes.contains(trigger) {
            problem("$.trigger", "unknown event type \"\(trigger)\"")
        }
        let correlation = parseCorrelation(root["correlation"])
        let parameters = parseParameters(root["parameters"])
        let steps = parseSteps(root["steps"], parameters: parameters)
        guard let slug, let version, let correlation else { return nil }
        return WorkflowTemplate(
            slug: slug, version: version, title: title, description: description, trigger: trigger,
            correlation: correlation, parameters: parameters, steps: steps, document: document)
    }

    mutating func string(
        _ object: [String: JSONValue], _ key: String, at path: String, pattern: ((String) -> Bool)? = nil,
        expected: String = "a string"
    ) -> String? {
        guard let value = object[key] else {
            problem("\(path).\(key)", "is required")
            return nil
        }
        guard let text = value.stringValue, !text.isEmpty else {
            problem("\(path).\(key)", "must be a non-empty string")
            return nil
        }
        if let pattern, !pattern(text) {
            problem("\(path).\(key)", "must be \(expected)")
            return nil
        }
        return text
    }

    /// Settings written as exactly `params.<name>`, anywhere in a step.
    static func parameterReferences(in value: JSONValue) -> [String] {
        switch value {
        case .string(let text):
            guard text.hasPrefix("params."), Names.isIdentifier(String(text.dropFirst("params.".count))) else {
                return []
            }
            return [String(text.dropFirst("params.".count))]
        case .object(let members): return members.values.flatMap(parameterReferences)
        case .array(let items): return items.flatMap(parameterReferences)
        default: return []
        }
    }

    mutating func parseCorrelation(_ value: JSONValue?) -> WorkflowTemplate.Correlation? {
        guard case .object(let object)? = value else {
            problem("$.correlation", "is required: {\"key\": \"data.…\", \"documents\": {…}}")
            return nil
        }
        let key = string(
            object, "key", at: "$.correlation", pattern: Names.isTriggerPath,
            expected: "a path such as data.po_number or data.applies_to[0].po_number")
        var documents: [String: WorkflowTemplate.Correlation.Document] = [:]
        if case .object(let entries)? = object["documents"] {
            for (name, entry) in entries.sorted(by: { $0.key < $1.key }) {
                let path = "$.correlation.documents.\(name)"
                guard Names.isIdentifier(name) else {
                    problem(path, "document names are lower-case letters, digits and _")
                    continue
                }
                guard case .object(let fields) = entry else {
                    problem(path, "must be an object with event and key")
                    continue
                }
                guard let event = string(fields, "event", at: path),
                    let documentKey = string(fields, "key", at: path, pattern: Names.isPath, expected: "a path")
                else { continue }
                if !knownEventTypes.isEmpty && !knownEventTypes.contains(event) {
                    problem("\(path).event", "unknown event type \"\(event)\"")
                }
                documents[name] = .init(event: event, key: documentKey, many: fields["many"] == .bool(true))
            }
        } else if object["documents"] != nil {
            problem("$.correlation.documents", "must be an object of named documents")
        }
        guard let key else { return nil }
        return .init(key: key, documents: documents)
    }

    mutating func parseParameters(_ value: JSONValue?) -> [String: WorkflowTemplate.Parameter] {
        guard let value else { return [:] }
        guard case .object(let entries) = value else {
            problem("$.parameters", "must be an object of named parameters")
            return [:]
        }
        var parameters: [String: WorkflowTemplate.Parameter] = [:]
        for (name, entry) in entries.sorted(by: { $0.key < $1.key }) {
            let path = "$.parameters.\(name)"
            guard Names.isIdentifier(name), case .object(let fields) = entry,
                let kindText = fields["type"]?.stringValue, let kind = WorkflowTemplate.Parameter.Kind(rawValue: kindText)
            else {
                problem(path, "needs a name of lower-case letters, digits and _, and a type: decimal, money, integer, string or boolean")
                continue
            }
            guard let defaultValue = fields["default"] else {
                problem("\(path).default", "every parameter needs a default")
                continue
            }
            let minimum = fields["minimum"]?.stringValue.flatMap(DecimalText.parse)
            let maximum = fields["maximum"]?.stringValue.flatMap(DecimalText.parse)
            let parameter = WorkflowTemplate.Parameter(
                kind: kind, defaultValue: defaultValue, minimum: minimum, maximum: maximum,
                description: fields["description"]?.stringValue ?? "")
            if let problem = ParameterValues.check(defaultValue, against: parameter) {
                self.problem("\(path).default", problem)
            }
            parameters[name] = parameter
        }
        return parameters
    }

    mutating func parseSteps(_ value: JSONValue?, parameters: [String: WorkflowTemplate.Parameter]) -> [WorkflowTemplate.Step] {
        guard case .array(let items)? = value, !items.isEmpty else {
            problem("$.steps", "a template needs at least one step")
            return []
        }
        var steps: [WorkflowTemplate.Step] = []
        var seen: Set<String> = []
        for (index, item) in items.enumerated() {
            let path = "$.steps[\(index)]"
            guard case .object(let fields) = item else {
                problem(path, "a step is an object")
                continue
            }
            guard let id = string(fields, "id", at: path, pattern: Names.isIdentifier, expected: "lower-case letters, digits and _")
            else { continue }
            guard seen.insert(id).inserted else {
                problem("\(path).id", "another step already has the id \"\(id)\"", step: id)
                continue
            }
            guard let kindText = fields["kind"]?.stringValue, let kind = WorkflowTemplate.Step.Kind(rawValue: kindText) else {
                let kinds = WorkflowTemplate.Step.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                problem("\(path).kind", "must be one of \(kinds)", step: id)
                continue
            }
            let next = fields["next"]?.stringValue
            steps.append(.init(id: id, kind: kind, next: next, definition: fields))
        }
        // References are checked once every id is known, so a step may jump forward.
        let types = TemplateExpressions.types(parameters: parameters)
        for (index, step) in steps.enumerated() {
            let path = "$.steps[\(index)]"
            for (field, target) in StepReferences.targets(of: step) where !seen.contains(target) {
                problem("\(path).\(field)", "no step has the id \"\(target)\"", step: step.id)
            }
            for message in StepReferences.kindProblems(of: step, knownEventTypes: knownEventTypes) {
                problem(path, message, step: step.id)
            }
            for (field, message) in TemplateExpressions.problems(of: step, types: types) {
                problem("\(path).\(field)", message, step: step.id)
            }
            for name in Self.parameterReferences(in: .object(step.definition)) where parameters[name] == nil {
                problem(path, "params.\(name) names no parameter of this template", step: step.id)
            }
        }
        return steps
    }
}

/// Where each step kind may continue to, and what each kind requires.
enum StepReferences {
    static func targets(of step: WorkflowTemplate.Step) -> [(field: String, target: String)] {
        var targets: [(String, String)] = []
        if let next = step.next { targets.append(("next", next)) }
        for field in ["otherwise", "on_approve", "on_reject", "on_timeout"] {
            if let target = step.definition[field]?.stringValue { targets.append((field, target)) }
        }
        if let target = step.definition["auto_resolve"]?["next"]?.stringValue { targets.append(("auto_resolve.next", target)) }
        if case .array(let cases)? = step.definition["cases"] {
            for (index, entry) in cases.enumerated() {
                if let target = entry["next"]?.stringValue { targets.append(("cases[\(index)].next", target)) }
            }
        }
        return targets
    }

    static func kindProblems(of step: WorkflowTemplate.Step, knownEventTypes: Set<String>) -> [String] {
        let definition = step.definition
        switch step.kind {
        case .decision:
            guard case .array(let cases)? = definition["cases"], !cases.isEmpty else {
                return ["a decision needs cases: [{\"when\": …, \"next\": …}]"]
            }
            var problems: [String] = []
            for (index, entry) in cases.enumerated() where entry["when"]?.stringValue == nil || entry["next"]?.stringValue == nil {
                problems.append("cases[\(index)] needs when (a condition) and next (a step id)")
            }
            if definition["otherwise"]?.stringValue == nil { problems.append("a decision needs otherwise (a step id)") }
            return problems
        case .approval:
            var problems: [String] = []
            if definition["on_approve"]?.stringValue == nil { problems.append("an approval needs on_approve (a step id)") }
            if definition["on_reject"]?.stringValue == nil { problems.append("an approval needs on_reject (a step id)") }
            guard case .array(let routing)? = definition["routing"], !routing.isEmpty else {
                return problems + ["an approval needs routing: [{\"up_to\": \"5000.00\", \"role\": \"ap_clerk\"}, …]"]
            }
            for (index, rule) in routing.enumerated() {
                if rule["role"]?.stringValue == nil { problems.append("routing[\(index)] needs a role") }
                if let limit = rule["up_to"]?.stringValue, DecimalText.parse(limit) == nil, !limit.hasPrefix("params.") {
                    problems.append("routing[\(index)].up_to must be a decimal string such as \"5000.00\" or a params.name")
                }
            }
            if routing.last?["up_to"] != nil {
                problems.append("the last routing rule must have no up_to, so every amount has an approver")
            }
            return problems + Segregation.definitionProblems(definition) + TaskReminders.definitionProblems(definition)
        case .emit:
            guard let event = definition["event"]?.stringValue, !event.isEmpty else {
                return ["an emit step needs event (the outbound event type)"]
            }
            return []
        case .set:
            guard case .object? = definition["values"] else { return ["a set step needs values: {\"name\": expression}"] }
            return []
        case .wait:
            guard case .array(let names)? = definition["for"], !names.isEmpty else {
                return ["a wait step needs for: [document names]"]
            }
            if definition["on_timeout"]?.stringValue == nil { return ["a wait step needs on_timeout (a step id)"] }
            return []
        case .assist:
            return AssistStep.definitionProblems(definition)
        case .threeWayMatch, .landedCostAllocation, .varianceReview, .returnsDisposition, .claim:
            return []
        }
    }
}

/// Parameter values: a deployment's values are checked against the template.
public enum ParameterValues {
    /// Nil when `value` is acceptable for `parameter`; otherwise why not.
    public static func check(_ value: JSONValue, against parameter: WorkflowTemplate.Parameter) -> String? {
        switch parameter.kind {
        case .boolean:
            if case .bool = value { return nil }
            return "must be true or false"
        case .string:
            return value.stringValue == nil ? "must be a string" : nil
        case .integer, .decimal, .money:
            guard let text = value.stringValue, let number = DecimalText.parse(text) else {
                return "must be a decimal string such as \"2.5\""
            }
            if parameter.kind == .integer && number != DecimalText.round(number, scale: 0, rule: .down) {
                return "must be a whole number"
            }
            if let minimum = parameter.minimum, number < minimum { return "must be at least \(DecimalText.text(minimum))" }
            if let maximum = parameter.maximum, number > maximum { return "must be at most \(DecimalText.text(maximum))" }
            return nil
        }
    }
}

/// The shapes of names in templates, checked byte by byte.
enum Names {
    private static func isLower(_ byte: UInt8) -> Bool { (97...122).contains(byte) }
    private static func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }

    /// `three-way-match`: a lower-case letter, then letters, digits and `-`; 2 to 63 long.
    static func isSlug(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (2...63).contains(bytes.count), isLower(bytes[0]) else { return false }
        return bytes.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
    }

    /// `approve_invoice`: a lower-case letter, then letters, digits and `_`; at most 63 long.
    static func isIdentifier(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...63).contains(bytes.count), isLower(bytes[0]) else { return false }
        return bytes.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    /// `1.0.0`: three whole numbers without leading zeros.
    static func isVersion(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3
            && parts.allSatisfy { part in
                !part.isEmpty && part.count <= 9 && part.utf8.allSatisfy(isDigit) && (part == "0" || part.first != "0")
            }
    }

    /// `data.po_number`: dot-separated names of lower-case letters, digits and `_`.
    static func isPath(_ text: String) -> Bool {
        let segments = text.split(separator: ".", omittingEmptySubsequences: false)
        return !segments.isEmpty && text.utf8.count <= 200
            && segments.allSatisfy { segment in
                guard let first = segment.utf8.first, isLower(first) || first == UInt8(ascii: "_") else { return false }
                return segment.utf8.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
            }
    }

    /// A path into the trigger event, which may also pick a list element:
    /// `data.applies_to[0].po_number`. Only the trigger's key may index, because
    /// it is read in Swift (``JSONValue/value(at:)``); correlated documents'
    /// keys become a SQL `#>>` path and stay plain ``isPath`` names.
    static func isTriggerPath(_ text: String) -> Bool {
        guard text.utf8.count <= 200 else { return false }
        let segments = text.split(separator: ".", omittingEmptySubsequences: false)
        return segments.allSatisfy { segment in
            guard let open = segment.firstIndex(of: "[") else { return isPath(String(segment)) }
            guard isPath(String(segment[..<open])) else { return false }
            // One or more `[digits]` selectors, nothing after the last.
            var rest = segment[open...]
            while !rest.isEmpty {
                guard rest.first == "[", let close = rest.firstIndex(of: "]") else { return false }
                let digits = rest[rest.index(after: rest.startIndex)..<close]
                guard !digits.isEmpty, digits.utf8.count <= 6, digits.utf8.allSatisfy(isDigit) else { return false }
                rest = rest[rest.index(after: close)...]
            }
            return true
        }
    }
}
