import Events
import Foundation
import Mapping

/// The published mapping versions a tenant can deploy: every
/// `Templates/mappings/<folder>/mapping.json` (and any further
/// `mapping-<version>.json` beside it), compiled and checked against the
/// event catalog at load, so a broken shipped mapping stops start-up instead
/// of failing a partner's first webhook.
public struct MappingCatalog: Sendable {
    private let bySlug: [String: [MappingDocument]]

    public init(documents: [MappingDocument]) {
        var bySlug: [String: [MappingDocument]] = [:]
        for document in documents { bySlug[document.slug, default: []].append(document) }
        self.bySlug = bySlug.mapValues { $0.sorted { $0.version < $1.version } }
    }

    /// Loads every mapping under `folder`; one bad file fails the load, naming it.
    public static func load(from folder: URL, events: EventCatalog) throws -> MappingCatalog {
        let manager = FileManager.default
        guard manager.fileExists(atPath: folder.path) else { return MappingCatalog(documents: []) }
        var documents: [MappingDocument] = []
        for name in try manager.contentsOfDirectory(atPath: folder.path).sorted() where !name.hasPrefix(".") {
            let directory = folder.appendingPathComponent(name)
            let files = (try? manager.contentsOfDirectory(atPath: directory.path)) ?? []
            for file in files.sorted() where file == "mapping.json" || (file.hasPrefix("mapping-") && file.hasSuffix(".json")) {
                let path = directory.appendingPathComponent(file)
                do {
                    let document = try MappingDocument.parse(try Data(contentsOf: path))
                    try document.checkEventTypes(in: events)
                    documents.append(document)
                } catch {
                    throw MappingFileError(file: "\(name)/\(file)", reason: "\(error)")
                }
            }
        }
        return MappingCatalog(documents: documents)
    }

    public var slugs: [String] { bySlug.keys.sorted() }

    /// The given version, or the highest one when `version` is nil.
    public func mapping(_ slug: String, version: String? = nil) -> MappingDocument? {
        guard let versions = bySlug[slug] else { return nil }
        guard let version else { return versions.last }
        return versions.first { $0.version.description == version }
    }

    public func versions(of slug: String) -> [MappingDocument] { bySlug[slug] ?? [] }
}

/// A mapping file in the repository that does not compile.
public struct MappingFileError: Error, CustomStringConvertible {
    public let file: String
    public let reason: String
    public var description: String { "Templates/mappings/\(file): \(reason)" }
}
