import ControlPlane
import Events
import Foundation
import Mapping

/// Partners publish source mapping versions: compiled by the same
/// ``Mapping/MappingDocument`` parser that loads the shipped mappings and
/// checked against the event catalog, stored immutably per partner,
/// compared version to version.
///
/// A refused document answers with `mapping_document_invalid` listing every
/// issue with its JSON path in the document (`$.outputs[1].fields…`). The
/// version rules are those of ``Engine/TemplatePublishing``: greater than the
/// partner's previous versions of the slug, never a shipped version number.
public struct MappingPublishing: Sendable {
    public let resolver: MappingResolver
    let store: PublishedVersions
    let events: EventCatalog

    public init(catalog: MappingCatalog, store: PublishedVersions, events: EventCatalog) {
        self.store = store
        self.events = events
        resolver = MappingResolver(catalog: catalog, published: store)
    }

    /// Validates and stores a mapping document as the partner's new version.
    ///
    /// - Throws: ``Mapping/MappingError`` (422) with every issue;
    ///   `version_not_greater` or `version_shipped` (409); `partner_not_found` (404).
    public func publish(partner: Slug, document: Data, actor: String) async throws -> PublishedVersion {
        let mapping = try MappingDocument.parse(document)
        try mapping.checkEventTypes(in: events)
        let version = mapping.version.description
        if resolver.catalog.mapping(mapping.slug, version: version) != nil {
            throw ControlPlaneError.conflict(
                "version_shipped",
                "\(mapping.slug) \(version) is a version of the shipped catalog; publish a greater version",
                field: "version")
        }
        return try await store.publish(
            partner: partner, kind: .mapping, slug: mapping.slug, version: version,
            document: mapping.document.serialized(), actor: actor)
    }

    public func catalog(partner: Slug) async throws -> [MappingResolver.Entry] {
        try await resolver.entries(partner: partner)
    }

    /// One version the partner can see: its own published one, else the shipped one.
    ///
    /// - Throws: `mapping_not_found` (404).
    public func mapping(partner: Slug, slug: String, version: String) async throws -> MappingDocument {
        guard let mapping = try await resolver.mapping(slug, version: version, for: .partner(partner)) else {
            throw MiddlewareError.mappingNotFound(slug, version: version)
        }
        return mapping
    }

    public func diff(partner: Slug, slug: String, from: String, to: String) async throws -> VersionDiff {
        VersionDiff(
            from: try await mapping(partner: partner, slug: slug, version: from),
            to: try await mapping(partner: partner, slug: slug, version: to))
    }
}

extension VersionDiff {
    /// A mapping diff, summarised by output (event type and schema version) and reference table.
    public init(from old: MappingDocument, to new: MappingDocument) {
        func outputs(_ mapping: MappingDocument) -> [(String, JSONValue)] {
            let documents = mapping.document["outputs"]?.arrayValue ?? []
            var seen: [String: Int] = [:]
            return zip(mapping.outputs, documents).map { output, document in
                // Two outputs of one event type (one per line kind, say) stay apart by their order.
                let name = "\(output.eventType)@\(output.schemaVersion)"
                seen[name, default: 0] += 1
                return (seen[name] == 1 ? name : "\(name)#\(seen[name] ?? 0)", document)
            }
        }
        func lookups(_ mapping: MappingDocument) -> [(String, JSONValue)] {
            mapping.lookupTables.map { ($0, JSONValue.string($0)) }
        }
        self.init(
            slug: new.slug, from: old.version.description, to: new.version.description,
            sections: [
                Section(name: "outputs", old: outputs(old), new: outputs(new)),
                Section(name: "lookups", old: lookups(old), new: lookups(new)),
            ],
            changes: JSONDiff(from: old.document, to: new.document))
    }
}
