import Events
import Foundation

/// A partner's declarative source mapping: how one client system's JSON
/// payloads become canonical events, written as data rather than Swift.
///
/// Design: a document is checked and compiled once, when it is published or
/// loaded (`parse`), into an immutable `MappingPlan`; every path, date format,
/// decimal syntax, unit table and reference-table name is resolved then, and
/// every mistake is reported with its JSON path in the document. Applying the
/// plan to a payload is pure — no I/O, no database: reference tables arrive
/// through `ReferenceLookup`, prefetched by the caller from `lookupTables`.
/// Produced events are plain `JSONValue` documents; `applyValidated` also
/// checks them against the canonical `EventCatalog` (what a dry run shows).
/// The format is described in `Templates/mappings/README.md`.
public struct MappingDocument: Sendable {
    /// Names the mapping across versions: lower-case letters, digits and `-`.
    public let slug: String
    public let version: MappingVersion
    public let title: String
    public let description: String?
    /// What the mapping reads: the source system and payload, for people.
    public let source: String
    /// Reference tables the plan looks up, to be prefetched for the tenant.
    public let lookupTables: [String]
    /// Each output's event type and schema version, in document order.
    public let outputs: [OutputDescription]
    public let plan: MappingPlan
    /// The document as written, to store and serve back.
    public let document: JSONValue

    /// Parses, checks and compiles a mapping document.
    ///
    /// - Throws: `mapping_document_invalid` with every problem in `issues`,
    ///   each naming its JSON path in the document.
    public static func parse(_ data: Data, limits: MappingLimits = MappingLimits()) throws(MappingError)
        -> MappingDocument
    {
        guard data.count <= limits.maxDocumentBytes else {
            throw invalid([
                MappingIssue(path: "$", message: "the document is larger than \(limits.maxDocumentBytes) bytes")
            ])
        }
        let json: JSONValue
        do {
            json = try JSONParser(maxBytes: limits.maxDocumentBytes, maxDepth: limits.maxDocumentDepth).parse(data)
        } catch {
            throw invalid([MappingIssue(path: "$", message: "not valid JSON: \(error)")])
        }
        var compiler = DocumentCompiler(limits: limits)
        let parsed = compiler.compileDocument(json)
        guard compiler.issues.isEmpty, let parsed else {
            throw invalid(compiler.issues, truncated: compiler.truncated)
        }
        return parsed
    }

    private static func invalid(_ issues: [MappingIssue], truncated: Bool = false) -> MappingError {
        let count = issues.count
        let more = truncated ? "; further problems not listed" : ""
        return MappingError(
            .documentInvalid,
            "the mapping document is invalid (\(count) problem\(count == 1 ? "" : "s")): "
                + issues.map(\.description).joined(separator: "; ") + more,
            issues: issues)
    }

    init(
        slug: String, version: MappingVersion, title: String, description: String?, source: String,
        lookupTables: [String], plan: MappingPlan, document: JSONValue
    ) {
        self.slug = slug
        self.version = version
        self.title = title
        self.description = description
        self.source = source
        self.lookupTables = lookupTables
        self.outputs = plan.outputs.map { OutputDescription(eventType: $0.eventType, schemaVersion: $0.schemaVersion) }
        self.plan = plan
        self.document = document
    }
}

/// One entry of a document's `outputs`: the canonical event it produces.
public struct OutputDescription: Sendable, Hashable {
    public let eventType: String
    public let schemaVersion: Int
}

/// A semantic version, `MAJOR.MINOR.PATCH`, ordered numerically.
public struct MappingVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let major: Int
    public let minor: Int
    public let patch: Int

    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var numbers: [Int] = []
        for part in parts {
            // No signs, no leading zeros (SemVer 2.0.0 §2).
            guard !part.isEmpty, part.count <= 9, part.utf8.allSatisfy({ (48...57).contains($0) }),
                part == "0" || !part.hasPrefix("0"), let number = Int(part)
            else { return nil }
            numbers.append(number)
        }
        major = numbers[0]
        minor = numbers[1]
        patch = numbers[2]
    }

    public var description: String { "\(major).\(minor).\(patch)" }

    public static func < (lhs: MappingVersion, rhs: MappingVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }
}
