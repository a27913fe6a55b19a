import Events
import Foundation
import Mapping

/// What a mapping makes of a sample payload, stored nowhere: the partner's
/// loop for writing and checking a mapping before deploying it.
public struct MappingDryRun: Sendable {
    public let catalog: MappingCatalog
    public let events: EventCatalog

    public init(catalog: MappingCatalog, events: EventCatalog) {
        self.catalog = catalog
        self.events = events
    }

    /// The mapping to try: a published one by slug (and version), or an inline document.
    public enum Source: Sendable {
        case published(slug: String, version: String?)
        case inline(Data)
    }

    public func mapping(_ source: Source) throws -> MappingDocument {
        switch source {
        case .published(let slug, let version):
            guard let mapping = catalog.mapping(slug, version: version) else {
                throw MiddlewareError.mappingNotFound(slug, version: version)
            }
            return mapping
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
