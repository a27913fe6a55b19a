import Foundation

/// The JSON Schema 2020-12 subset the catalog uses, compiled once at start-up.
///
/// Only the keywords listed in `Templates/events/README.md` are understood; any
/// other keyword is refused when the catalog loads, because a silently ignored
/// keyword (a typo such as `minLenght`) would make a schema look stricter than it is.
final class SchemaNode: Sendable {
    enum JSONType: String, Sendable, CaseIterable {
        case object, array, string, number, integer, boolean, null
    }

    enum Format: String, Sendable {
        case dateTime = "date-time"
        case date
    }

    /// `false` as a schema: nothing is valid. `true` compiles to a node with no keywords.
    let rejectsEverything: Bool
    let types: [JSONType]?
    /// Sorted by name (`String` order), so `propertyIndex` can search them.
    let properties: [(name: String, schema: SchemaNode)]
    let required: [String]
    /// For each of `properties`, whether `required` lists it.
    let propertyIsRequired: [Bool]
    /// How many of `required` have an entry in `properties`; the others are `requiredElsewhere`.
    let requiredPropertyCount: Int
    let requiredElsewhere: [String]
    /// nil: any extra property is allowed.
    let additionalProperties: SchemaNode?
    let items: SchemaNode?
    let enumValues: [JSONValue]?
    let constValue: JSONValue?
    let pattern: Pattern?
    let minLength: Int?
    let maxLength: Int?
    let minItems: Int?
    let maxItems: Int?
    let minimum: Decimal?
    let maximum: Decimal?
    let format: Format?
    /// Name of a root `$defs` entry.
    let ref: String?
    /// Position of that entry in `CompiledSchema.orderedDefinitions`, so validation need not hash the name.
    let refIndex: Int?
    /// `x-expected`: the noun phrase reported instead of this node's own violations.
    let expected: String?

    init(
        rejectsEverything: Bool = false, types: [JSONType]? = nil, properties: [(name: String, schema: SchemaNode)] = [],
        required: [String] = [], additionalProperties: SchemaNode? = nil, items: SchemaNode? = nil,
        enumValues: [JSONValue]? = nil, constValue: JSONValue? = nil, pattern: Pattern? = nil, minLength: Int? = nil,
        maxLength: Int? = nil, minItems: Int? = nil, maxItems: Int? = nil, minimum: Decimal? = nil,
        maximum: Decimal? = nil, format: Format? = nil, ref: String? = nil, refIndex: Int? = nil,
        expected: String? = nil
    ) {
        self.rejectsEverything = rejectsEverything
        self.types = types
        self.properties = properties.sorted { $0.name < $1.name }
        self.required = required
        let requiredSet = Set(required)
        self.propertyIsRequired = self.properties.map { requiredSet.contains($0.name) }
        self.requiredPropertyCount = self.propertyIsRequired.filter { $0 }.count
        let propertyNames = Set(properties.map(\.name))
        self.requiredElsewhere = required.filter { !propertyNames.contains($0) }
        self.additionalProperties = additionalProperties
        self.items = items
        self.enumValues = enumValues
        self.constValue = constValue
        self.pattern = pattern
        self.minLength = minLength
        self.maxLength = maxLength
        self.minItems = minItems
        self.maxItems = maxItems
        self.minimum = minimum
        self.maximum = maximum
        self.format = format
        self.ref = ref
        self.refIndex = refIndex
        self.expected = expected
    }

    func property(_ name: String) -> SchemaNode? {
        propertyIndex(name).map { properties[$0].schema }
    }

    /// Position of `name` in `properties`, which the compiler sorts by name.
    func propertyIndex(_ name: String) -> Int? {
        var low = 0
        var high = properties.count
        while low < high {
            let middle = (low + high) / 2
            let candidate = properties[middle].name
            if candidate == name { return middle }
            if candidate < name { low = middle + 1 } else { high = middle }
        }
        return nil
    }
}

/// One compiled catalog document: the root node and its `$defs`.
struct CompiledSchema: Sendable {
    let root: SchemaNode
    let definitions: [String: SchemaNode]
    /// The same definitions in name order, indexed by `SchemaNode.refIndex`.
    let orderedDefinitions: [SchemaNode]
}

/// Why a schema document was refused; `pointer` is a JSON Pointer into the file.
struct SchemaProblem: Error {
    let pointer: String
    let message: String
}

/// Turns a schema document into `SchemaNode`s, refusing anything it does not implement.
struct SchemaCompiler {
    static let annotationKeywords: Set<String> = ["title", "description", "$comment", "examples", "default"]
    static let rootOnlyKeywords: Set<String> = ["$schema", "$id", "$defs", "x-event-type", "x-event-version"]
    static let validationKeywords: Set<String> = [
        "type", "properties", "required", "additionalProperties", "items", "enum", "const", "pattern", "minLength",
        "maxLength", "minItems", "maxItems", "minimum", "maximum", "format", "$ref", "x-expected",
    ]
    static let dialect = "https://json-schema.org/draft/2020-12/schema"

    private var referenced: [(name: String, pointer: String)] = []
    /// Each `$defs` name's position in name order.
    private var definitionNumbers: [String: Int] = [:]
    /// Compiled patterns by source: the catalog's files repeat the same few many times.
    private var patterns: [String: Pattern]

    static func compile(document: JSONValue) throws(SchemaProblem) -> CompiledSchema {
        var patterns: [String: Pattern] = [:]
        return try compile(document: document, patterns: &patterns)
    }

    /// Compiles one document, reusing and adding to `patterns` across documents.
    static func compile(document: JSONValue, patterns: inout [String: Pattern]) throws(SchemaProblem)
        -> CompiledSchema
    {
        var compiler = SchemaCompiler(patterns: patterns)
        defer { patterns = compiler.patterns }
        guard case .object(let members) = document else {
            throw SchemaProblem(pointer: "#", message: "the document must be a JSON object")
        }
        if let dialect = members["$schema"], dialect != .string(Self.dialect) {
            throw SchemaProblem(pointer: "#/$schema", message: "must be \"\(Self.dialect)\"")
        }
        var definitions: [String: SchemaNode] = [:]
        if let defs = members["$defs"] {
            guard case .object(let entries) = defs else {
                throw SchemaProblem(pointer: "#/$defs", message: "must be an object")
            }
            let names = entries.keys.sorted()
            compiler.definitionNumbers = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
            for name in names {
                guard let entry = entries[name] else { continue }
                guard Self.isDefinitionName(name) else {
                    throw SchemaProblem(pointer: "#/$defs/\(name)", message: "definition names use [A-Za-z0-9_.-] only")
                }
                definitions[name] = try compiler.compile(entry, pointer: "#/$defs/\(name)", isRoot: false)
            }
        }
        let root = try compiler.compile(document, pointer: "#", isRoot: true)
        for reference in compiler.referenced where definitions[reference.name] == nil {
            throw SchemaProblem(pointer: reference.pointer, message: "no definition #/$defs/\(reference.name)")
        }
        // A definition that is only a `$ref` chain back to itself would loop without consuming input.
        for start in definitions.keys.sorted() {
            var seen: Set<String> = [start]
            var next = definitions[start]?.ref
            while let name = next {
                guard seen.insert(name).inserted else {
                    throw SchemaProblem(pointer: "#/$defs/\(start)", message: "$ref cycle through #/$defs/\(name)")
                }
                next = definitions[name]?.ref
            }
        }
        let ordered = definitions.keys.sorted().compactMap { definitions[$0] }
        return CompiledSchema(root: root, definitions: definitions, orderedDefinitions: ordered)
    }

    static func isDefinitionName(_ name: String) -> Bool {
        !name.isEmpty
            && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0)
            }
    }

    private mutating func compile(_ value: JSONValue, pointer: String, isRoot: Bool) throws(SchemaProblem) -> SchemaNode {
        switch value {
        case .bool(true): return SchemaNode()
        case .bool(false): return SchemaNode(rejectsEverything: true)
        case .object(let members):
            for key in members.keys.sorted() {
                let known =
                    Self.annotationKeywords.contains(key) || Self.validationKeywords.contains(key)
                    || (isRoot && Self.rootOnlyKeywords.contains(key))
                if !known {
                    let hint = Self.rootOnlyKeywords.contains(key) ? " (allowed only at the document root)" : ""
                    throw SchemaProblem(pointer: pointer, message: "unknown keyword \"\(key)\"\(hint)")
                }
            }
            return try compileObject(members, pointer: pointer)
        default:
            throw SchemaProblem(pointer: pointer, message: "a schema must be an object or a boolean")
        }
    }

    private mutating func compileObject(_ members: [String: JSONValue], pointer: String) throws(SchemaProblem)
        -> SchemaNode
    {
        var types: [SchemaNode.JSONType]?
        if let type = members["type"] {
            let names: [JSONValue]
            switch type {
            case .string: names = [type]
            case .array(let list) where !list.isEmpty: names = list
            default: throw SchemaProblem(pointer: pointer + "/type", message: "must be a type name or a list of them")
            }
            types = []
            for name in names {
                guard let text = name.stringValue, let parsed = SchemaNode.JSONType(rawValue: text) else {
                    throw SchemaProblem(pointer: pointer + "/type", message: "unknown type \(name.serialized())")
                }
                types?.append(parsed)
            }
        }
        var properties: [(name: String, schema: SchemaNode)] = []
        if let value = members["properties"] {
            guard case .object(let entries) = value else {
                throw SchemaProblem(pointer: pointer + "/properties", message: "must be an object")
            }
            for name in entries.keys.sorted() {
                guard let entry = entries[name] else { continue }
                properties.append((name, try compile(entry, pointer: pointer + "/properties/" + escape(name), isRoot: false)))
            }
        }
        var required: [String] = []
        if let value = members["required"] {
            guard case .array(let list) = value else {
                throw SchemaProblem(pointer: pointer + "/required", message: "must be an array of strings")
            }
            for item in list {
                guard let name = item.stringValue else {
                    throw SchemaProblem(pointer: pointer + "/required", message: "must be an array of strings")
                }
                guard !required.contains(name) else {
                    throw SchemaProblem(pointer: pointer + "/required", message: "lists \"\(name)\" twice")
                }
                required.append(name)
            }
        }
        let additional = try members["additionalProperties"].map { (value) throws(SchemaProblem) in
            try compile(value, pointer: pointer + "/additionalProperties", isRoot: false)
        }
        if additional?.rejectsEverything == true {
            for name in required where !properties.contains(where: { $0.name == name }) {
                throw SchemaProblem(
                    pointer: pointer + "/required",
                    message: "requires \"\(name)\", which additionalProperties: false forbids")
            }
        }
        let items = try members["items"].map { (value) throws(SchemaProblem) in
            try compile(value, pointer: pointer + "/items", isRoot: false)
        }
        var enumValues: [JSONValue]?
        if let value = members["enum"] {
            guard case .array(let list) = value, !list.isEmpty else {
                throw SchemaProblem(pointer: pointer + "/enum", message: "must be a non-empty array")
            }
            enumValues = list
        }
        var pattern: Pattern?
        if let value = members["pattern"] {
            guard let source = value.stringValue else {
                throw SchemaProblem(pointer: pointer + "/pattern", message: "must be a string")
            }
            if let known = patterns[source] {
                pattern = known
            } else {
                do {
                    let compiled = try Pattern(source)
                    patterns[source] = compiled
                    pattern = compiled
                } catch {
                    throw SchemaProblem(
                        pointer: pointer + "/pattern", message: "is not a supported regular expression: \(error)")
                }
            }
        }
        var format: SchemaNode.Format?
        if let value = members["format"] {
            guard let name = value.stringValue, let parsed = SchemaNode.Format(rawValue: name) else {
                throw SchemaProblem(
                    pointer: pointer + "/format", message: "unsupported format \(value.serialized()) (date-time, date)")
            }
            format = parsed
        }
        var ref: String?
        if let value = members["$ref"] {
            guard let text = value.stringValue, text.hasPrefix("#/$defs/"),
                Self.isDefinitionName(String(text.dropFirst(8)))
            else {
                throw SchemaProblem(pointer: pointer + "/$ref", message: "only local references \"#/$defs/<name>\" are supported")
            }
            ref = String(text.dropFirst(8))
            referenced.append((String(text.dropFirst(8)), pointer + "/$ref"))
        }
        var expected: String?
        if let value = members["x-expected"] {
            guard let text = value.stringValue, !text.isEmpty else {
                throw SchemaProblem(pointer: pointer + "/x-expected", message: "must be a non-empty string")
            }
            expected = text
        }
        let minLength = try count(members, "minLength", pointer)
        let maxLength = try count(members, "maxLength", pointer)
        let minItems = try count(members, "minItems", pointer)
        let maxItems = try count(members, "maxItems", pointer)
        if let low = minLength, let high = maxLength, low > high {
            throw SchemaProblem(pointer: pointer + "/minLength", message: "is greater than maxLength")
        }
        if let low = minItems, let high = maxItems, low > high {
            throw SchemaProblem(pointer: pointer + "/minItems", message: "is greater than maxItems")
        }
        return SchemaNode(
            types: types, properties: properties, required: required, additionalProperties: additional, items: items,
            enumValues: enumValues, constValue: members["const"], pattern: pattern, minLength: minLength,
            maxLength: maxLength, minItems: minItems, maxItems: maxItems,
            minimum: try bound(members, "minimum", pointer), maximum: try bound(members, "maximum", pointer),
            format: format, ref: ref, refIndex: ref.flatMap { definitionNumbers[$0] }, expected: expected)
    }

    private func count(_ members: [String: JSONValue], _ keyword: String, _ pointer: String) throws(SchemaProblem)
        -> Int?
    {
        guard let value = members[keyword] else { return nil }
        guard case .number(let text) = value, let number = Int(text), number >= 0 else {
            throw SchemaProblem(pointer: pointer + "/" + keyword, message: "must be a non-negative integer")
        }
        return number
    }

    private func bound(_ members: [String: JSONValue], _ keyword: String, _ pointer: String) throws(SchemaProblem)
        -> Decimal?
    {
        guard let value = members[keyword] else { return nil }
        guard case .number(let text) = value, let number = Decimal(string: text, locale: posixLocale) else {
            throw SchemaProblem(pointer: pointer + "/" + keyword, message: "must be a number")
        }
        return number
    }

    private func escape(_ name: String) -> String {
        name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}

/// One way an instance fails its schema: where (a JSON path such as
/// `$.data.lines[1].quantity`) and what is wrong, in words a sender can act on.
public struct Violation: Sendable, Hashable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// Walks an instance against a compiled schema and collects every violation, up to a cap.
///
/// `.describeAll` visits object members in name order and reports each violation with
/// its path; `.firstOnly` answers only whether the instance is valid, visiting members
/// in storage order and stopping at the first violation without building messages or
/// paths — the cheap first pass for events, which are nearly always valid.
struct SchemaValidator {
    enum Mode {
        case describeAll, firstOnly
    }

    /// One step from the root to the value being checked.
    private enum Step {
        case member(String)
        case index(Int)
    }

    let schema: CompiledSchema
    let maxViolations: Int
    let mode: Mode
    private(set) var violations: [Violation] = []
    private(set) var truncated = false
    /// False once any violation was found, in either mode.
    private(set) var isValid = true
    /// Where the value being checked sits (kept only when describing).
    private var steps: [Step] = []

    init(schema: CompiledSchema, maxViolations: Int, mode: Mode = .describeAll) {
        self.schema = schema
        self.maxViolations = max(1, maxViolations)
        self.mode = mode
    }

    mutating func validate(_ value: JSONValue) {
        check(schema.root, value)
    }

    /// Nothing more to learn: the cap was reached, or one violation settles a `.firstOnly` pass.
    private var isFinished: Bool { truncated || (mode == .firstOnly && !isValid) }

    /// `$`, then `.name`, `["odd name"]` or `[index]` per step.
    private var path: String {
        var text = "$"
        for step in steps {
            switch step {
            case .member(let name): text = Self.append(name, to: text)
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }

    private mutating func report(_ message: @autoclosure () -> String, member: String? = nil) {
        isValid = false
        guard mode == .describeAll else { return }
        guard violations.count < maxViolations else {
            truncated = true
            return
        }
        let at = member.map { Self.append($0, to: path) } ?? path
        violations.append(Violation(path: at, message: message()))
    }

    private mutating func check(_ node: SchemaNode, _ value: JSONValue, at step: Step) {
        guard mode == .describeAll else {
            check(node, value)
            return
        }
        steps.append(step)
        check(node, value)
        steps.removeLast()
    }

    private mutating func check(_ node: SchemaNode, _ value: JSONValue) {
        guard let expected = node.expected, mode == .describeAll else {
            checkKeywords(node, value)
            return
        }
        // Collapse this node's own complaints into "must be <expected>"; keep deeper ones.
        let before = violations.count
        checkKeywords(node, value)
        guard violations.count > before else { return }
        let path = self.path
        let added = violations[before...]
        guard added.contains(where: { $0.path == path }) else { return }
        var kept = [Violation(path: path, message: "must be \(expected)")]
        kept.append(contentsOf: added.filter { $0.path != path })
        violations.removeSubrange(before...)
        violations.append(contentsOf: kept)
    }

    private mutating func checkKeywords(_ node: SchemaNode, _ value: JSONValue) {
        guard !isFinished else { return }
        if node.rejectsEverything {
            report("is not allowed")
            return
        }
        if let index = node.refIndex {
            check(schema.orderedDefinitions[index], value)
        }
        if let types = node.types, !types.contains(where: { Self.matches(value, $0) }) {
            report("must be " + types.map { Self.article($0.rawValue) }.joined(separator: " or "))
            return
        }
        if let constant = node.constValue, !value.jsonEquals(constant) {
            report("must be \(constant.serialized())")
        }
        if let options = node.enumValues, !options.contains(where: { value.jsonEquals($0) }) {
            report("must be one of " + options.map { $0.serialized() }.joined(separator: ", "))
        }
        switch value {
        case .string(let text):
            checkString(node, text)
        case .number(let text):
            // Decimal parsing is costly: only when there is a bound to compare with.
            if node.minimum != nil || node.maximum != nil, let decimal = Decimal(string: text, locale: posixLocale) {
                if let minimum = node.minimum, decimal < minimum { report("must be at least \(minimum)") }
                if let maximum = node.maximum, decimal > maximum { report("must be at most \(maximum)") }
            }
        case .array(let items):
            if let minItems = node.minItems, items.count < minItems {
                report("must have at least \(minItems) item\(minItems == 1 ? "" : "s")")
            }
            if let maxItems = node.maxItems, items.count > maxItems {
                report("must have at most \(maxItems) item\(maxItems == 1 ? "" : "s")")
            }
            if let itemSchema = node.items {
                for (index, item) in items.enumerated() {
                    check(itemSchema, item, at: .index(index))
                    if isFinished { return }
                }
            }
        case .object(let members):
            switch mode {
            case .describeAll: checkMembersInOrder(node, members)
            case .firstOnly: checkMembers(node, members)
            }
        case .bool, .null:
            break
        }
    }

    /// Required members first, then every member in name order, each reported with its path.
    private mutating func checkMembersInOrder(_ node: SchemaNode, _ members: [String: JSONValue]) {
        for name in node.required where members[name] == nil {
            report("is required", member: name)
        }
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            if let propertySchema = node.property(name) {
                check(propertySchema, member, at: .member(name))
            } else if let additional = node.additionalProperties {
                check(additional, member, at: .member(name))
            }
        }
    }

    /// The same checks in storage order, counting required properties as they go by
    /// instead of looking each one up.
    private mutating func checkMembers(_ node: SchemaNode, _ members: [String: JSONValue]) {
        var requiredSeen = 0
        for (name, member) in members {
            if let index = node.propertyIndex(name) {
                if node.propertyIsRequired[index] { requiredSeen += 1 }
                check(node.properties[index].schema, member)
            } else if let additional = node.additionalProperties {
                check(additional, member)
            }
            if isFinished { return }
        }
        if requiredSeen < node.requiredPropertyCount || node.requiredElsewhere.contains(where: { members[$0] == nil }) {
            report("is required")
        }
    }

    private mutating func checkString(_ node: SchemaNode, _ text: String) {
        if node.minLength != nil || node.maxLength != nil {
            let length = Self.scalarCount(text)
            if let minLength = node.minLength, length < minLength {
                report(minLength == 1 ? "must not be empty" : "must be at least \(minLength) characters long")
            }
            if let maxLength = node.maxLength, length > maxLength {
                report("must be at most \(maxLength) characters long")
            }
        }
        if let pattern = node.pattern, !pattern.matches(text) {
            report("must match the pattern \(pattern.source)")
        }
        switch node.format {
        case .dateTime where RFC3339.parseDateTime(text) == nil:
            report("must be an RFC 3339 date-time such as 2026-11-05T14:02:00Z")
        case .date where RFC3339.parseDate(text) == nil:
            report("must be an RFC 3339 full-date such as 2026-11-05")
        default:
            break
        }
    }

    /// Unicode scalars in `text` (what minLength and maxLength count): its UTF-8 lead bytes.
    static func scalarCount(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { bytes in
            var count = 0
            for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }
            return count
        }
    }

    static func matches(_ value: JSONValue, _ type: SchemaNode.JSONType) -> Bool {
        switch (type, value) {
        case (.object, .object), (.array, .array), (.string, .string), (.number, .number), (.boolean, .bool),
            (.null, .null):
            return true
        case (.integer, .number(let text)):
            return isInteger(text)
        default:
            return false
        }
    }

    /// JSON Schema counts `1.0` as an integer: the value, not the spelling, decides.
    static func isInteger(_ text: String) -> Bool {
        if !text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            return true
        }
        guard var decimal = Decimal(string: text, locale: posixLocale), decimal.isFinite else { return false }
        var rounded = Decimal()
        NSDecimalRound(&rounded, &decimal, 0, .plain)
        return rounded == decimal
    }

    static func article(_ typeName: String) -> String {
        switch typeName {
        case "object", "array", "integer": "an \(typeName)"
        case "null": "null"
        default: "a \(typeName)"
        }
    }

    /// `$.a.b` for plain names, `$["odd key"]` otherwise, so paths stay unambiguous.
    static func append(_ name: String, to path: String) -> String {
        let plain =
            !name.isEmpty
            && name.unicodeScalars.enumerated().allSatisfy { index, scalar in
                ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
                    || (index > 0 && ("0"..."9").contains(scalar))
            }
        if plain { return path + "." + name }
        return path + "[" + JSONValue.string(name).serialized() + "]"
    }
}
