import ControlPlane
import Events
import Foundation

/// Partners publish workflow template versions: validated by the same parser
/// that loads the shipped templates, stored immutably per partner, compared
/// version to version.
///
/// A refused document answers with every problem, each naming the step and
/// its position (``TemplateError``), so the publisher fixes all of them in one
/// round. A version must be greater than the partner's previous versions of
/// the slug (``PublishedVersions``) and must not reuse a shipped version
/// number of the same slug, so `three-way-match 1.0.0` never means two
/// different documents to one partner's tenants.
public struct TemplatePublishing: Sendable {
    public let resolver: TemplateResolver
    let store: PublishedVersions
    let knownEventTypes: Set<String>

    public init(catalog: TemplateCatalog, store: PublishedVersions, knownEventTypes: Set<String>) {
        self.store = store
        self.knownEventTypes = knownEventTypes
        resolver = TemplateResolver(catalog: catalog, published: store)
    }

    /// Validates and stores a template document as the partner's new version.
    ///
    /// - Throws: ``TemplateError`` (422) listing every problem;
    ///   `version_not_greater` or `version_shipped` (409); `partner_not_found` (404).
    public func publish(partner: Slug, document: Data, actor: String) async throws -> PublishedVersion {
        let template = try WorkflowTemplate.parse(document, knownEventTypes: knownEventTypes)
        if resolver.catalog.template(template.slug, version: template.version) != nil {
            throw ControlPlaneError.conflict(
                "version_shipped",
                "\(template.slug) \(template.version) is a version of the shipped catalog; publish a greater version",
                field: "version")
        }
        return try await store.publish(
            partner: partner, kind: .template, slug: template.slug, version: template.version,
            document: template.document.serialized(), actor: actor)
    }

    /// The shipped catalog and the partner's versions, by slug.
    public func catalog(partner: Slug) async throws -> [TemplateResolver.Entry] {
        try await resolver.entries(partner: partner)
    }

    /// One version the partner can see: its own published one, else the shipped one.
    ///
    /// - Throws: `template_not_found` (404).
    public func template(partner: Slug, slug: String, version: String) async throws -> WorkflowTemplate {
        guard let template = try await resolver.template(slug, version: version, for: .partner(partner)) else {
            throw ControlPlaneError(
                code: "template_not_found", message: "no template \"\(slug)\" version \(version) is published",
                httpStatus: 404, field: "version")
        }
        return template
    }

    /// What changed from one version to another (either may be shipped or published).
    public func diff(partner: Slug, slug: String, from: String, to: String) async throws -> VersionDiff {
        VersionDiff(
            from: try await template(partner: partner, slug: slug, version: from),
            to: try await template(partner: partner, slug: slug, version: to))
    }
}

extension VersionDiff {
    /// A template diff, summarised by parameter name and step id.
    public init(from old: WorkflowTemplate, to new: WorkflowTemplate) {
        func parameters(_ template: WorkflowTemplate) -> [(String, JSONValue)] {
            (template.document["parameters"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
        func steps(_ template: WorkflowTemplate) -> [(String, JSONValue)] {
            (template.document["steps"]?.arrayValue ?? []).compactMap { step in step["id"]?.stringValue.map { ($0, step) } }
        }
        self.init(
            slug: new.slug, from: old.version, to: new.version,
            sections: [
                Section(name: "parameters", old: parameters(old), new: parameters(new)),
                Section(name: "steps", old: steps(old), new: steps(new)),
            ],
            changes: JSONDiff(from: old.document, to: new.document))
    }
}
