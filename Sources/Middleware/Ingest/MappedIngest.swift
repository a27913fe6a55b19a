import ControlPlane
import Events
import Foundation
import Ingest
import Mapping
import Telemetry

/// Webhook ingest for a source with a deployed mapping: the payload is mapped
/// (with the tenant's reference tables), validated against the catalog, and
/// the events stored in one commit with the raw payload as their lineage.
///
/// A payload the mapping or the catalog refuses throws the ``MappingError``
/// after a dead letter keeps the raw bytes with the reason. Idempotency is
/// the caller's key (`webhook:<source>:<webhook-id>`) over the raw body, as
/// for canonical webhooks.
public struct MappedIngest: Sendable {
    public let ingest: IngestService
    public let deployments: MappingDeployments
    public let references: ReferenceCache
    let deadLetters: DeadLetterRecorder

    public init(
        ingest: IngestService, deployments: MappingDeployments, references: ReferenceCache, logger: Logger = .disabled
    ) {
        self.ingest = ingest
        self.deployments = deployments
        self.references = references
        deadLetters = DeadLetterRecorder(databases: ingest.databases, logger: logger)
    }

    /// Maps and ingests `body` with `deployment`.
    public func ingest(
        body: [UInt8], contentType: String?, deployment: MappingDeployment, tenant: Slug, idempotencyKey: String?,
        context: IngestContext
    ) async throws -> IngestResponse {
        let mapping = deployment.mapping
        let lookups = try await references.lookups(tenant: tenant, tables: mapping.lookupTables)
        let events: [ValidatedEvent]
        do {
            events = try Self.map(body, with: mapping, lookups: lookups, catalog: ingest.catalog)
        } catch {
            if error.httpStatus != 413 {
                try await deadLetters.record(
                    body, code: error.code, reason: error.message, tenant: tenant, context: context,
                    translation: deployment.translation)
            }
            throw error
        }
        // A payload no output applies to (a heartbeat) is answered, not stored.
        guard !events.isEmpty else {
            return IngestResponse(status: 200, body: #"{"accepted":0,"duplicates":0,"events":[]}"#)
        }
        let raw = try RawPayload(
            body: body, contentType: contentType ?? "application/json", translation: deployment.translation)
        return try await ingest.ingest(
            translated: events, from: raw, tenant: tenant, idempotencyKey: idempotencyKey, context: context)
    }

    /// Parses and maps a payload and validates the events: the pure part, shared with the dry run and the benchmark.
    public static func map(
        _ body: [UInt8], with mapping: MappingDocument, lookups: some ReferenceLookup, catalog: EventCatalog
    ) throws(MappingError) -> [ValidatedEvent] {
        let plan = mapping.plan
        let payload: JSONValue
        do {
            payload = try JSONParser(maxBytes: plan.limits.maxPayloadBytes, maxDepth: plan.limits.maxPayloadDepth)
                .parse(Data(body))
        } catch {
            switch error.kind {
            case .tooLarge:
                throw MappingError(.limitExceeded, "the payload is larger than \(plan.limits.maxPayloadBytes) bytes")
            default:
                throw MappingError(.payloadInvalid, "the payload is not valid JSON: \(error)")
            }
        }
        return try plan.applyValidated(payload: payload, lookups: lookups, catalog: catalog)
    }
}
