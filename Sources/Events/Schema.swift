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
    let properties: [(name: String, schema: SchemaNode)]
    let required: [String]
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
    /// `x-expected`: the noun phrase reported instead of this node's own violations.
    let expected: String?

    init(
        rejectsEverything: Bool = false, types: [JSONType]? = nil, properties: [(name: String, schema: SchemaNode)] = [],
        required: [String] = [], additionalProperties: SchemaNode? = nil, items: SchemaNode? = nil,
        enumValues: [JSONValue]? = nil, constValue: JSONValue? = nil, pattern: Pattern? = nil, minLength: Int? = nil,
        maxLength: Int? = nil, minItems: Int? = nil, maxItems: Int? = nil, minimum: Decimal? = nil,
        maximum: Decimal? = nil, format: Format? = nil, ref: String? = nil, expected: String? = nil
    ) {
        self.rejectsEverything = rejectsEverything
        self.types = types
        self.properties = properties
        self.required = required
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
        self.expected = expected
    }

    func property(_ name: String) -> SchemaNode? {
        properties.first { $0.name == name }?.schema
    }
}

/// A compiled `pattern`. NSRegularExpression is immutable and documented thread-safe.
struct Pattern: @unchecked Sendable {
    let source: String
    let regex: NSRegularExpression

    /// JSON Schema patterns are ECMA-262 and unanchored. ICU's `$` also matches
    /// before a final newline, which would let `"12.50\n"` pass as a decimal, so
    /// every unescaped `$` outside a character class is rewritten to "end of input".
    init(_ source: String) throws {
        var translated = ""
        var inClass = false
        var escaped = false
        for character in source {
            if escaped {
                translated.append(character)
                escaped = false
                continue
            }
            switch character {
            case "\\":
                escaped = true
                translated.append(character)
            case "[":
                inClass = true
                translated.append(character)
            case "]":
                inClass = false
                translated.append(character)
            case "$" where !inClass:
                translated += "(?![\\s\\S])"
            default:
                translated.append(character)
            }
        }
        self.source = source
        self.regex = try NSRegularExpression(pattern: translated)
    }

    func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

/// One compiled catalog document: the root node and its `$defs`.
struct CompiledSchema: Sendable {
    let root: SchemaNode
    let definitions: [String: SchemaNode]
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

    static func compile(document: JSONValue) throws(SchemaProblem) -> CompiledSchema {
        var compiler = SchemaCompiler()
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
            for name in entries.keys.sorted() {
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
        return CompiledSchema(root: root, definitions: definitions)
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
            do {
                pattern = try Pattern(source)
            } catch {
                throw SchemaProblem(pointer: pointer + "/pattern", message: "is not a valid regular expression")
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
            format: format, ref: ref, expected: expected)
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
struct SchemaValidator {
    let schema: CompiledSchema
    let maxViolations: Int
    private(set) var violations: [Violation] = []
    private(set) var truncated = false

    init(schema: CompiledSchema, maxViolations: Int) {
        self.schema = schema
        self.maxViolations = max(1, maxViolations)
    }

    mutating func validate(_ value: JSONValue) {
        check(schema.root, value, path: "$")
    }

    private mutating func report(_ path: String, _ message: String) {
        guard violations.count < maxViolations else {
            truncated = true
            return
        }
        violations.append(Violation(path: path, message: message))
    }

    private mutating func check(_ node: SchemaNode, _ value: JSONValue, path: String) {
        guard let expected = node.expected else {
            checkKeywords(node, value, path: path)
            return
        }
        // Collapse this node's own complaints into "must be <expected>"; keep deeper ones.
        let before = violations.count
        checkKeywords(node, value, path: path)
        guard violations.count > before else { return }
        let added = violations[before...]
        guard added.contains(where: { $0.path == path }) else { return }
        var kept = [Violation(path: path, message: "must be \(expected)")]
        kept.append(contentsOf: added.filter { $0.path != path })
        violations.removeSubrange(before...)
        violations.append(contentsOf: kept)
    }

    private mutating func checkKeywords(_ node: SchemaNode, _ value: JSONValue, path: String) {
        guard !truncated else { return }
        if node.rejectsEverything {
            report(path, "is not allowed")
            return
        }
        if let name = node.ref, let target = schema.definitions[name] {
            check(target, value, path: path)
        }
        if let types = node.types, !types.contains(where: { Self.matches(value, $0) }) {
            report(path, "must be " + types.map { Self.article($0.rawValue) }.joined(separator: " or "))
            return
        }
        if let constant = node.constValue, !value.jsonEquals(constant) {
            report(path, "must be \(constant.serialized())")
        }
        if let options = node.enumValues, !options.contains(where: { value.jsonEquals($0) }) {
            report(path, "must be one of " + options.map { $0.serialized() }.joined(separator: ", "))
        }
        switch value {
        case .string(let text):
            checkString(node, text, path: path)
        case .number(let text):
            if let decimal = Decimal(string: text, locale: posixLocale) {
                if let minimum = node.minimum, decimal < minimum { report(path, "must be at least \(minimum)") }
                if let maximum = node.maximum, decimal > maximum { report(path, "must be at most \(maximum)") }
            }
        case .array(let items):
            if let minItems = node.minItems, items.count < minItems {
                report(path, "must have at least \(minItems) item\(minItems == 1 ? "" : "s")")
            }
            if let maxItems = node.maxItems, items.count > maxItems {
                report(path, "must have at most \(maxItems) item\(maxItems == 1 ? "" : "s")")
            }
            if let itemSchema = node.items {
                for (index, item) in items.enumerated() {
                    check(itemSchema, item, path: "\(path)[\(index)]")
                }
            }
        case .object(let members):
            for name in node.required where members[name] == nil {
                report(Self.append(name, to: path), "is required")
            }
            for name in members.keys.sorted() {
                guard let member = members[name] else { continue }
                if let propertySchema = node.property(name) {
                    check(propertySchema, member, path: Self.append(name, to: path))
                } else if let additional = node.additionalProperties {
                    check(additional, member, path: Self.append(name, to: path))
                }
            }
        case .bool, .null:
            break
        }
    }

    private mutating func checkString(_ node: SchemaNode, _ text: String, path: String) {
        let length = text.unicodeScalars.count
        if let minLength = node.minLength, length < minLength {
            report(path, minLength == 1 ? "must not be empty" : "must be at least \(minLength) characters long")
        }
        if let maxLength = node.maxLength, length > maxLength {
            report(path, "must be at most \(maxLength) characters long")
        }
        if let pattern = node.pattern, !pattern.matches(text) {
            report(path, "must match the pattern \(pattern.source)")
        }
        switch node.format {
        case .dateTime where RFC3339.parseDateTime(text) == nil:
            report(path, "must be an RFC 3339 date-time such as 2026-11-05T14:02:00Z")
        case .date where RFC3339.parseDate(text) == nil:
            report(path, "must be an RFC 3339 full-date such as 2026-11-05")
        default:
            break
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
        if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return true }
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
        var quoted = ""
        JSONValue.writeString(name, to: &quoted)
        return path + "[" + quoted + "]"
    }
}
