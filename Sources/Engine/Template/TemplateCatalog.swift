import Events
import Foundation

/// The published template versions the engine can deploy: every `*.json`
/// directly in `Templates/` (the event catalog lives in `Templates/events/`).
public struct TemplateCatalog: Sendable {
    private let bySlug: [String: [String: WorkflowTemplate]]

    public init(templates: [WorkflowTemplate]) {
        var bySlug: [String: [String: WorkflowTemplate]] = [:]
        for template in templates { bySlug[template.slug, default: [:]][template.version] = template }
        self.bySlug = bySlug
    }

    /// Loads and validates every template file; one bad file fails the load, naming it.
    public static func load(from folder: URL, knownEventTypes: Set<String>) throws -> TemplateCatalog {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
        var templates: [WorkflowTemplate] = []
        for name in names {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            do {
                templates.append(try WorkflowTemplate.parse(data, knownEventTypes: knownEventTypes))
            } catch {
                throw TemplateFileError(file: name, error: error)
            }
        }
        return TemplateCatalog(templates: templates)
    }

    public var slugs: [String] { bySlug.keys.sorted() }

    /// The given version, or the highest one when `version` is nil.
    public func template(_ slug: String, version: String? = nil) -> WorkflowTemplate? {
        guard let versions = bySlug[slug] else { return nil }
        if let version { return versions[version] }
        return versions.values.max { SemanticVersion($0.version) < SemanticVersion($1.version) }
    }

    public func versions(of slug: String) -> [WorkflowTemplate] {
        (bySlug[slug] ?? [:]).values.sorted { SemanticVersion($0.version) < SemanticVersion($1.version) }
    }
}

/// A template file in the repository that does not validate.
public struct TemplateFileError: Error, CustomStringConvertible {
    public let file: String
    public let error: TemplateError
    public var description: String { "\(file): \(error.message)" }
}

/// `major.minor.patch`, compared numerically.
struct SemanticVersion: Comparable {
    let parts: [Int]

    init(_ text: String) { parts = text.split(separator: ".").map { Int($0) ?? 0 } }

    static func < (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool { lhs.parts.lexicographicallyPrecedes(rhs.parts) }
}
