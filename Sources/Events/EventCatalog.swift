import Foundation
import Platform

/// Work bounds for validating untrusted events; they come from configuration.
public struct EventLimits: Sendable, Equatable {
    /// Largest event document accepted, in bytes.
    public var maxDocumentBytes: Int
    /// Deepest nesting of objects and arrays accepted (the event object itself is depth 1).
    public var maxDepth: Int
    /// Violations reported per event; beyond this the list says it was cut short.
    public var maxViolations: Int

    public init(maxDocumentBytes: Int = 1 << 20, maxDepth: Int = 32, maxViolations: Int = 100) {
        self.maxDocumentBytes = maxDocumentBytes
        self.maxDepth = maxDepth
        self.maxViolations = maxViolations
    }
}

/// An event that was refused: invalid JSON, too large, unknown type or schema violations.
///
/// `violations` lists every problem found (with its JSON path) so a sender can fix
/// them all at once; `field` is the first path, for the standard error body.
public struct EventError: CodedError, Equatable {
    public let code: String
    public let message: String
    public let httpStatus: Int
    public let field: String?
    public let violations: [Violation]

    public init(code: String, message: String, httpStatus: Int, field: String? = nil, violations: [Violation] = []) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.field = field
        self.violations = violations
    }

    static func invalid(_ violations: [Violation], subject: String, truncated: Bool = false) -> EventError {
        let count = violations.count
        let list = violations.map(\.description).joined(separator: "; ")
        let more = truncated ? "; further violations not listed" : ""
        return EventError(
            code: "invalid_event",
            message: "\(subject) is invalid (\(count) violation\(count == 1 ? "" : "s")\(truncated ? " or more" : "")): \(list)\(more)",
            httpStatus: 422, field: violations.first?.path, violations: violations)
    }
}

/// The catalog folder could not be loaded; `file` names the offending file.
///
/// A bad catalog is an operator's mistake, so it stops start-up (500 if ever
/// surfaced through the API) rather than quietly serving fewer event types.
public struct EventCatalogError: CodedError, Equatable {
    public let file: String
    public let problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var code: String { "event_catalog_invalid" }
    public var httpStatus: Int { 500 }
    public var message: String { "\(file): \(problem)" }
}

/// One version of one event type's schema, as loaded from the catalog folder.
public struct EventSchema: Sendable {
    public let type: String
    public let version: Int
    public let title: String?
    public let description: String?
    /// File name inside the catalog folder, for diagnostics.
    public let fileName: String
    /// The schema document as written, to be served by `GET /v1/event-types`.
    public let document: JSONValue
    let compiled: CompiledSchema
}

/// An event type with all its schema versions, oldest first.
public struct EventTypeDescription: Sendable {
    public let type: String
    public let versions: [EventSchema]

    /// The newest version, the one new senders should target.
    public var latest: EventSchema? { versions.last }
}

/// An event that passed its schema, with the envelope pulled out for storage.
public struct ValidatedEvent: Sendable {
    public let type: String
    public let schemaVersion: Int
    /// The sender's unique id (the idempotency key when no header gives one).
    public let id: String
    public let occurredAt: Date
    /// `occurred_at` exactly as sent, so the stored event round-trips unchanged.
    public let occurredAtText: String
    public let source: String
    public let data: JSONValue
    public let causedBy: String?
    public let traceparent: String?
    /// The whole event document as received.
    public let document: JSONValue
}

/// The canonical event catalog: every event type's versioned JSON Schema.
///
/// Loaded once at start-up from `Templates/events/`; afterwards it is immutable,
/// does no I/O, and may be shared by every request.
public struct EventCatalog: Sendable {
    public let limits: EventLimits
    private let byType: [String: [Int: EventSchema]]

    /// Every event type, sorted by name, each with its versions oldest first.
    public var types: [EventTypeDescription] {
        byType.keys.sorted().map { name in
            EventTypeDescription(
                type: name, versions: (byType[name] ?? [:]).values.sorted { $0.version < $1.version })
        }
    }

    public func schema(type: String, version: Int) -> EventSchema? {
        byType[type]?[version]
    }

    /// Reads every `*.json` file in `folder` (other files, such as README.md, are skipped).
    public static func load(from folder: URL, limits: EventLimits = EventLimits()) throws(EventCatalogError)
        -> EventCatalog
    {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw EventCatalogError(file: folder.path, problem: "cannot list the catalog folder")
        }
        var files: [(name: String, data: Data)] = []
        for name in names.sorted() where name.hasSuffix(".json") && !name.hasPrefix(".") {
            do {
                files.append((name, try Data(contentsOf: folder.appendingPathComponent(name))))
            } catch {
                throw EventCatalogError(file: name, problem: "cannot be read")
            }
        }
        return try EventCatalog(files: files, limits: limits)
    }

    /// Builds a catalog from already-read files; `load(from:)` is the usual entry point.
    public init(files: [(name: String, data: Data)], limits: EventLimits = EventLimits()) throws(EventCatalogError) {
        self.limits = limits
        var byType: [String: [Int: EventSchema]] = [:]
        if files.isEmpty { throw EventCatalogError(file: "(catalog)", problem: "no *.json schema files found") }
        var patterns: [String: Pattern] = [:]
        for file in files {
            let schema = try Self.compileFile(name: file.name, data: file.data, patterns: &patterns)
            if let existing = byType[schema.type]?[schema.version] {
                throw EventCatalogError(
                    file: file.name,
                    problem: "duplicate schema for \(schema.type) version \(schema.version) (also in \(existing.fileName))")
            }
            byType[schema.type, default: [:]][schema.version] = schema
        }
        self.byType = byType
    }

    private static func compileFile(name: String, data: Data, patterns: inout [String: Pattern])
        throws(EventCatalogError) -> EventSchema
    {
        let document: JSONValue
        do {
            document = try JSONParser(maxBytes: 4 << 20, maxDepth: 64).parse(data)
        } catch {
            throw EventCatalogError(file: name, problem: "invalid JSON: \(error)")
        }
        let compiled: CompiledSchema
        do {
            compiled = try SchemaCompiler.compile(document: document, patterns: &patterns)
        } catch {
            throw EventCatalogError(file: name, problem: "\(error.message) at \(error.pointer)")
        }
        guard let type = document["x-event-type"]?.stringValue, isEventTypeName(type) else {
            throw EventCatalogError(
                file: name, problem: "x-event-type must name the event type, such as \"invoice.received\"")
        }
        guard case .number(let versionText)? = document["x-event-version"], let version = Int(versionText), version >= 1
        else {
            throw EventCatalogError(file: name, problem: "x-event-version must be a positive integer")
        }
        guard compiled.root.types == [.object], compiled.root.property("type")?.constValue == .string(type) else {
            throw EventCatalogError(
                file: name, problem: "the schema must be an object whose properties.type is {\"const\": \"\(type)\"}")
        }
        for envelope in ["type", "id", "occurred_at", "source", "data"] where !compiled.root.required.contains(envelope) {
            throw EventCatalogError(file: name, problem: "the envelope field \"\(envelope)\" must be required")
        }
        return EventSchema(
            type: type, version: version, title: document["title"]?.stringValue,
            description: document["description"]?.stringValue, fileName: name, document: document, compiled: compiled)
    }

    /// Dotted lower-case segments: `purchase_order.created`.
    static func isEventTypeName(_ name: String) -> Bool {
        let segments = name.split(separator: ".", omittingEmptySubsequences: false)
        return segments.count >= 2 && name.count <= 100
            && segments.allSatisfy { segment in
                guard let first = segment.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
                return segment.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
            }
    }

    /// Parses (within the size and depth limits) and validates one event.
    public func validate(_ data: Data) throws(EventError) -> ValidatedEvent {
        let value: JSONValue
        do {
            value = try JSONParser(maxBytes: limits.maxDocumentBytes, maxDepth: limits.maxDepth).parse(data)
        } catch {
            switch error.kind {
            case .tooLarge:
                throw EventError(
                    code: "event_too_large", message: "the event is larger than \(limits.maxDocumentBytes) bytes",
                    httpStatus: 413)
            case .tooDeep, .syntax:
                throw EventError(code: "invalid_json", message: "the event is not valid JSON: \(error)", httpStatus: 400)
            }
        }
        return try validate(value)
    }

    /// Validates an already-parsed event (for instance one element of a batch).
    public func validate(_ value: JSONValue) throws(EventError) -> ValidatedEvent {
        if Self.nests(value, deeperThan: limits.maxDepth) {
            throw EventError(
                code: "invalid_json", message: "the event nests deeper than \(limits.maxDepth) levels", httpStatus: 400)
        }
        guard case .object(let envelope) = value else {
            throw EventError.invalid([Violation(path: "$", message: "must be an object")], subject: "the event")
        }
        guard let typeValue = envelope["type"] else {
            throw EventError.invalid([Violation(path: "$.type", message: "is required")], subject: "the event")
        }
        guard let type = typeValue.stringValue else {
            throw EventError.invalid([Violation(path: "$.type", message: "must be a string")], subject: "the event")
        }
        guard let versions = byType[type] else {
            throw EventError(
                code: "unknown_event_type",
                message: "unknown event type \(JSONValue.string(type).serialized()); GET /v1/event-types lists the known types",
                httpStatus: 422, field: "$.type")
        }
        let version: Int
        switch envelope["schema_version"] {
        case nil:
            // Senders that never name a version keep the first one, so publishing v2 breaks nobody.
            version = versions.keys.min() ?? 1
        case .number(let text)?:
            guard let number = Int(text), number >= 1 else {
                throw EventError.invalid(
                    [Violation(path: "$.schema_version", message: "must be a positive integer")], subject: "the event")
            }
            version = number
        case .some:
            throw EventError.invalid(
                [Violation(path: "$.schema_version", message: "must be a positive integer")], subject: "the event")
        }
        guard let schema = versions[version] else {
            let known = versions.keys.sorted().map(String.init).joined(separator: ", ")
            throw EventError(
                code: "unknown_event_type",
                message: "event type \(JSONValue.string(type).serialized()) has no schema version \(version) (known: \(known))",
                httpStatus: 422, field: "$.schema_version")
        }
        // A quick pass that only answers "valid?"; the describing pass runs only for a refusal.
        var quick = SchemaValidator(schema: schema.compiled, maxViolations: 1, mode: .firstOnly)
        quick.validate(value)
        let subject = "\(type) v\(version) event"
        if !quick.isValid {
            var validator = SchemaValidator(schema: schema.compiled, maxViolations: limits.maxViolations)
            validator.validate(value)
            if !validator.violations.isEmpty {
                throw EventError.invalid(validator.violations, subject: subject, truncated: validator.truncated)
            }
        }
        // The catalog requires the envelope, but a schema could still type it loosely; check in code too.
        var problems: [Violation] = []
        let id = envelope["id"]?.stringValue
        let source = envelope["source"]?.stringValue
        let occurredAtText = envelope["occurred_at"]?.stringValue
        let occurredAt = occurredAtText.flatMap(RFC3339.date(from:))
        if id?.isEmpty != false { problems.append(Violation(path: "$.id", message: "must be a non-empty string")) }
        if occurredAt == nil {
            problems.append(Violation(path: "$.occurred_at", message: "must be an RFC 3339 date-time"))
        }
        if source?.isEmpty != false {
            problems.append(Violation(path: "$.source", message: "must be a non-empty string"))
        }
        if case .object? = envelope["data"] {} else {
            problems.append(Violation(path: "$.data", message: "must be an object"))
        }
        guard problems.isEmpty, let id, let source, let occurredAt, let occurredAtText, let data = envelope["data"] else {
            throw EventError.invalid(problems, subject: subject)
        }
        return ValidatedEvent(
            type: type, schemaVersion: version, id: id, occurredAt: occurredAt, occurredAtText: occurredAtText,
            source: source, data: data, causedBy: envelope["caused_by"]?.stringValue,
            traceparent: envelope["traceparent"]?.stringValue, document: value)
    }

    /// Whether some object or array sits deeper than `limit` (the value itself is level 1).
    /// Recursion stops one level past the limit, so a hostile document costs little and
    /// cannot exhaust the stack.
    static func nests(_ value: JSONValue, deeperThan limit: Int, level: Int = 1) -> Bool {
        switch value {
        case .object(let members):
            return level > limit || members.values.contains { nests($0, deeperThan: limit, level: level + 1) }
        case .array(let items):
            return level > limit || items.contains { nests($0, deeperThan: limit, level: level + 1) }
        default:
            return false
        }
    }
}
