import ControlPlane
import EDI
import Events
import Foundation
import Ingest
import Telemetry

/// The middleware of one process, built once and shared by the routes, the
/// webhook path and the commands, so a deployment or a reference-table
/// change made here is seen at once by everything in this process.
///
/// Design: partners' payloads become canonical events *before* ingest's
/// group commit, never after — a mapping deployed per tenant and webhook
/// source (``MappingDeployments``), X12 (``EDIIngest``) and CSV imports
/// (``CSVDocumentImport``) all end in ``IngestService/ingest(translated:from:tenant:idempotencyKey:context:)``,
/// which stores the events and the raw payload (their lineage) in one
/// commit. Reference tables (``ReferenceTables``) feed mappings through a
/// versioned cache (``ReferenceCache``). What cannot be translated becomes a
/// dead letter holding the raw bytes and its origin; replaying it takes the
/// same path again (``DeadLetterReplayPaths``), with what was fixed since.
public struct MiddlewareServices: Sendable {
    public let catalog: MappingCatalog
    public let deployments: MappingDeployments
    public let tables: ReferenceTables
    public let references: ReferenceCache
    public let mapped: MappedIngest
    public let edi: EDIIngest
    public let dryRun: MappingDryRun
    public let ingest: IngestService

    /// - Parameter published: partners' published mappings, which deployments
    ///   resolve before the shipped `catalog`; nil deploys shipped mappings only.
    public init(
        ingest: IngestService, catalog: MappingCatalog, published: PublishedVersions? = nil, logger: Logger = .disabled,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.ingest = ingest
        self.catalog = catalog
        let resolver = MappingResolver(catalog: catalog, published: published)
        deployments = MappingDeployments(databases: ingest.databases, resolver: resolver)
        tables = ReferenceTables(databases: ingest.databases)
        references = ReferenceCache(databases: ingest.databases)
        mapped = MappedIngest(ingest: ingest, deployments: deployments, references: references, logger: logger)
        edi = EDIIngest(ingest: ingest, references: references, logger: logger, now: now)
        dryRun = MappingDryRun(resolver: resolver, events: ingest.catalog)
        // Dead letters of these paths are replayed along them, from the API and the portal alike.
        ingest.replayPaths.register(mapped, for: .mapping)
        ingest.replayPaths.register(edi, for: .x12)
    }
}
