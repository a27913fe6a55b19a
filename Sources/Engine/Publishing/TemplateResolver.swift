import ControlPlane
import Events
import Foundation

/// Finds the template a deployment means: the one way `countersign template
/// deploy`, the REST deploy route, `Tenants/` manifests and portal onboarding
/// turn a slug and an optional version into a ``WorkflowTemplate``.
///
/// The tenant's partner's published versions come first, then the
/// repository's shipped catalog: a partner may publish its own version of a
/// shipped slug (white-label wording, other defaults), and its tenants then
/// get the partner's unless they ask for a shipped version number — which
/// publishing never reuses, so a version names one document for a partner.
public struct TemplateResolver: Sendable {
    public let catalog: TemplateCatalog
    /// Nil resolves from the shipped catalog alone (tools and tests without a control plane).
    public let published: PublishedVersions?

    public init(catalog: TemplateCatalog, published: PublishedVersions?) {
        self.catalog = catalog
        self.published = published
    }

    /// Where a version comes from.
    public enum Origin: String, Sendable { case shipped, published }

    /// `version` of `slug` (the newest when nil) for `audience`, or nil when there is none.
    public func template(_ slug: String, version: String?, for audience: PublishedVersions.Audience) async throws
        -> WorkflowTemplate?
    {
        if let published, let found = try await published.resolve(for: audience, kind: .template, slug: slug, version: version) {
            return try WorkflowTemplate.parse(Data(found.document.utf8))
        }
        return catalog.template(slug, version: version)
    }

    /// One slug as a partner sees it: every version it can deploy, oldest first.
    public struct Entry: Sendable {
        public let slug: String
        /// The title of the version deployed by default (the partner's newest, else the shipped newest).
        public let title: String
        public let versions: [Version]

        public struct Version: Sendable {
            public let version: String
            public let origin: Origin
            public let title: String
            public let trigger: String
            /// Nil for shipped versions.
            public let published: PublishedVersion?
        }

        /// What a deployment without a version gets.
        public var defaultVersion: Version? { versions.last { $0.origin == .published } ?? versions.last }
    }

    /// The shipped catalog merged with `partner`'s published versions, by slug.
    public func entries(partner: Slug) async throws -> [Entry] {
        var bySlug: [String: [Entry.Version]] = [:]
        for slug in catalog.slugs {
            bySlug[slug] = catalog.versions(of: slug).map {
                Entry.Version(version: $0.version, origin: .shipped, title: $0.title, trigger: $0.trigger, published: nil)
            }
        }
        for version in try await published?.versions(partner: partner, kind: .template) ?? [] {
            let document = try? JSONParser(maxBytes: 1 << 20, maxDepth: 32).parse(version.document)
            bySlug[version.slug, default: []].append(
                Entry.Version(
                    version: version.version, origin: .published, title: document?["title"]?.stringValue ?? version.slug,
                    trigger: document?["trigger"]?.stringValue ?? "", published: version))
        }
        return bySlug.keys.sorted().compactMap { slug in
            let versions = (bySlug[slug] ?? []).sorted { SemanticVersion($0.version) < SemanticVersion($1.version) }
            let preferred = versions.last { $0.origin == .published } ?? versions.last
            guard let preferred else { return nil }
            return Entry(slug: slug, title: preferred.title, versions: versions)
        }
    }
}
