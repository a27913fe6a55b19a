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
/// after a dead letter keeps the raw bytes with the reason and the source;
/// replaying it maps it again with the source's mapping as deployed then
/// (``DeadLetterReplayPath``). Idempotency is the caller's key
/// (`webhook:<source>:<webhook-id>`) over the raw body, as for canonical webhooks.
public struct MappedIngest: DeadLetterReplayPath {
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
        let contentType = contentType ?? "application/json"
        let events: [ValidatedEvent]
        do {
            events = try await translate(body, with: deployment, tenant: tenant)
        } catch let error as MappingError {
            if error.httpStatus != 413 {
                try await deadLetters.record(
                    body, code: error.code, reason: error.message, tenant: tenant, context: context,
                    translation: deployment.translation, origin: .mapping(source: deployment.source),
                    contentType: contentType)
            }
            throw error
        }
        return try await store(
            events, from: body, contentType: contentType, deployment: deployment, tenant: tenant,
            idempotencyKey: idempotencyKey, context: context)
    }

    /// Maps a dead letter's payload with the mapping deployed for its source now, and stores the events.
    public func replay(_ letter: DeadLetter, tenant: Slug, context: IngestContext) async throws -> IngestResponse {
        guard case .mapping(let source) = letter.origin else {
            throw MiddlewareError(
                code: "replay_unavailable", message: "dead letter \(letter.id) did not come through a mapping",
                httpStatus: 409)
        }
        guard let deployment = try await deployments.active(tenant: tenant, source: source) else {
            throw MiddlewareError(
                code: "mapping_not_deployed",
                message: "no mapping is deployed for webhook source \"\(source)\"; deploy one before replaying",
                httpStatus: 409, field: "source")
        }
        let events = try await translate(letter.payload, with: deployment, tenant: tenant)
        return try await store(
            events, from: letter.payload, contentType: letter.contentType ?? "application/json", deployment: deployment,
            tenant: tenant, idempotencyKey: nil, context: context)
    }

    /// The payload's events with the tenant's reference tables as they are now; a refusal is a ``MappingError``.
    private func translate(_ body: [UInt8], with deployment: MappingDeployment, tenant: Slug) async throws
        -> [ValidatedEvent]
    {
        let mapping = deployment.mapping
        let lookups = try await references.lookups(tenant: tenant, tables: mapping.lookupTables)
        return try Self.map(body, with: mapping, lookups: lookups, catalog: ingest.catalog)
    }

    private func store(
        _ events: [ValidatedEvent], from body: [UInt8], contentType: String, deployment: MappingDeployment, tenant: Slug,
        idempotencyKey: String?, context: IngestContext
    ) async throws -> IngestResponse {
        // A payload no output applies to (a heartbeat) is answered, not stored.
        guard !events.isEmpty else {
            return IngestResponse(status: 200, body: #"{"accepted":0,"duplicates":0,"events":[]}"#)
        }
        let raw = try RawPayload(body: body, contentType: contentType, translation: deployment.translation)
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
