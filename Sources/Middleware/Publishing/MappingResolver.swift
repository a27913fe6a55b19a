import ControlPlane
import Events
import Foundation
import Mapping

/// Finds the mapping a deployment means, as ``Engine/TemplateResolver`` does
/// for templates: the tenant's partner's published versions first, then the
/// shipped `Templates/mappings` catalog. Publishing never reuses a shipped
/// version number, so a version names one document for a partner.
public struct MappingResolver: Sendable {
    public let catalog: MappingCatalog
    /// Nil resolves from the shipped catalog alone (tools and tests without a control plane).
    public let published: PublishedVersions?

    public init(catalog: MappingCatalog, published: PublishedVersions?) {
        self.catalog = catalog
        self.published = published
    }

    public enum Origin: String, Sendable { case shipped, published }

    /// `version` of `slug` (the newest when nil) for `audience`, or nil when there is none.
    public func mapping(_ slug: String, version: String?, for audience: PublishedVersions.Audience) async throws
        -> MappingDocument?
    {
        if let published, let found = try await published.resolve(for: audience, kind: .mapping, slug: slug, version: version) {
            return try MappingDocument.parse(Data(found.document.utf8))
        }
        return catalog.mapping(slug, version: version)
    }

    /// One slug as a partner sees it: every version it can deploy, oldest first.
    public struct Entry: Sendable {
        public let slug: String
        public let title: String
        public let versions: [Version]

        public struct Version: Sendable {
            public let version: MappingVersion
            public let origin: Origin
            public let title: String
            /// Nil for shipped versions.
            public let published: PublishedVersion?
        }
    }

    /// The shipped catalog merged with `partner`'s published versions, by slug.
    public func entries(partner: Slug) async throws -> [Entry] {
        var bySlug: [String: [Entry.Version]] = [:]
        for slug in catalog.slugs {
            bySlug[slug] = catalog.versions(of: slug).map {
                Entry.Version(version: $0.version, origin: .shipped, title: $0.title, published: nil)
            }
        }
        for version in try await published?.versions(partner: partner, kind: .mapping) ?? [] {
            guard let number = MappingVersion(version.version) else { continue }
            let title = (try? JSONParser(maxBytes: 4 << 20, maxDepth: 64).parse(version.document))?["title"]?.stringValue
            bySlug[version.slug, default: []].append(
                Entry.Version(version: number, origin: .published, title: title ?? version.slug, published: version))
        }
        return bySlug.keys.sorted().compactMap { slug in
            let versions = (bySlug[slug] ?? []).sorted { $0.version < $1.version }
            guard let preferred = versions.last(where: { $0.origin == .published }) ?? versions.last else { return nil }
            return Entry(slug: slug, title: preferred.title, versions: versions)
        }
    }
}
