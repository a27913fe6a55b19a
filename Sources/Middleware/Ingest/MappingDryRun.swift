import ControlPlane
import Events
import Foundation
import Mapping

/// What a mapping makes of a sample payload, stored nowhere: the partner's
/// loop for writing and checking a mapping before deploying it.
public struct MappingDryRun: Sendable {
    public let resolver: MappingResolver
    public let events: EventCatalog

    public init(resolver: MappingResolver, events: EventCatalog) {
        self.resolver = resolver
        self.events = events
    }

    /// Tries shipped mappings only (tools without a control plane).
    public init(catalog: MappingCatalog, events: EventCatalog) {
        self.init(resolver: MappingResolver(catalog: catalog, published: nil), events: events)
    }

    /// The mapping to try: a published one by slug (and version), or an inline document.
    public enum Source: Sendable {
        case published(slug: String, version: String?)
        case inline(Data)
    }

    /// The mapping `source` names, as a deployment for `audience` would find
    /// it (the partner's published versions first); shipped ones only when nil.
    public func mapping(_ source: Source, for audience: PublishedVersions.Audience? = nil) async throws -> MappingDocument {
        switch source {
        case .published(let slug, let version):
            let found =
                if let audience {
                    try await resolver.mapping(slug, version: version, for: audience)
                } else {
                    resolver.catalog.mapping(slug, version: version)
                }
            guard let found else { throw MiddlewareError.mappingNotFound(slug, version: version) }
            return found
        case .inline(let data):
            let mapping = try MappingDocument.parse(data)
            try mapping.checkEventTypes(in: events)
            return mapping
        }
    }

    /// The validated canonical events, or the ``MappingError`` a webhook would get.
    public func run(_ mapping: MappingDocument, payload: [UInt8], lookups: some ReferenceLookup) throws(MappingError)
        -> [ValidatedEvent]
    {
        try MappedIngest.map(payload, with: mapping, lookups: lookups, catalog: events)
    }
}
