import ControlPlane
import Cryptography
import Events
import Foundation
import Platform
import Postgres
import Telemetry

/// Accepts canonical events for a tenant: validates them against the
/// catalog, and stores them through the group commit, answering only after
/// the commit. Refused events are kept as dead letters with the reason.
///
/// The tenant is always the caller's: an authenticated principal's or a
/// verified webhook signature's, never a field of the request.
public struct IngestService: Sendable {
    public struct Configuration: Sendable {
        /// Events in one request (`{"events": [...]}`).
        public var maximumEventsPerRequest = 1_000
        /// Rows per transaction when concurrent requests are grouped.
        public var maximumEventsPerCommit = 1_000
        /// Transactions in flight per tenant: two, so that one batch gathers
        /// while the other commits. More make the batches smaller, and each
        /// batch costs two statements and a WAL flush however small it is:
        /// with 64 concurrent senders, eight in flight gave batches of 7 and
        /// 6,100 events/s, two give batches of 30 and 8,400 (ops/bench/README.md).
        public var concurrentCommitsPerTenant = 2
        /// Counts accepted events; off only for benchmarks (see ``UsageMeter``). The
        /// engine, deliveries and decisions of the same process follow this setting.
        public var usage = UsageMeter.enabled

        public init() {}
    }

    public let catalog: EventCatalog
    public let databases: TenantDatabases
    public let configuration: Configuration
    private let queue: GroupCommitQueue<Slug, IngestSubmission, IngestResponse>
    private let logger: Logger
    /// How dead letters from translating paths are replayed; the middleware registers its paths here.
    public let replayPaths = DeadLetterReplayPaths()

    /// Told each group commit's answers (HTTP statuses, one per submission) and how long it took (metrics).
    public typealias CommitObserver = @Sendable (_ statuses: [Int], _ duration: Duration) -> Void

    public init(
        catalog: EventCatalog, databases: TenantDatabases, configuration: Configuration = Configuration(),
        logger: Logger = .disabled, observeCommit: CommitObserver? = nil
    ) {
        self.catalog = catalog
        self.databases = databases
        self.configuration = configuration
        self.logger = logger
        let inbox = EventInbox(databases: databases, usage: configuration.usage)
        queue = GroupCommitQueue(
            maximumWeight: configuration.maximumEventsPerCommit,
            maximumConcurrentFlushes: configuration.concurrentCommitsPerTenant
        ) { tenant, slot, submissions in
            let started = ContinuousClock.now
            let results = await inbox.write(submissions, tenant: tenant, slot: slot)
            if let observeCommit {
                observeCommit(results.map { (try? $0.get().status) ?? 500 }, ContinuousClock.now - started)
            }
            return results
        }
    }

    /// Ingests a request body: one event, or `{"events": [...]}`.
    ///
    /// - Parameter idempotencyKey: already namespaced by the caller
    ///   (`webhook:<source>:<webhook-id>` or `api:<Idempotency-Key>`).
    /// - Returns: the answer to send (also for a repeat: the first answer).
    /// - Throws: ``EventError`` (400/413/422) after recording the dead letter.
    public func ingest(body: [UInt8], tenant: Slug, idempotencyKey: String?, context: IngestContext) async throws
        -> IngestResponse
    {
        do {
            return try await submit(body: body, tenant: tenant, idempotencyKey: idempotencyKey, context: context)
        } catch let error as EventError {
            if error.httpStatus != 413 {
                try await recordRejection(body: body, error: error, tenant: tenant, context: context)
            }
            throw error
        }
    }

    /// Ingest for a dead letter being replayed: a refusal updates that letter instead of adding one.
    func ingestWithoutRecording(body: [UInt8], tenant: Slug, context: IngestContext) async throws -> IngestResponse {
        try await submit(body: body, tenant: tenant, idempotencyKey: nil, context: context)
    }

    private func submit(body: [UInt8], tenant: Slug, idempotencyKey: String?, context: IngestContext) async throws
        -> IngestResponse
    {
        let (shape, validated) = try parse(body)
        let submission = IngestSubmission(
            idempotencyKey: idempotencyKey, requestHash: try SHA256.hash(data: body).hexString, shape: shape,
            events: try validated.map { try PreparedEvent($0, context: context) }, context: context)
        return try await queue.submit(submission, weight: submission.events.count, for: tenant)
    }

    /// Ingests events translated from `raw` (already validated against the
    /// catalog), storing `raw` as their lineage in the same commit. Answered
    /// like a batch; a repeated `idempotencyKey` gets the first answer.
    public func ingest(
        translated events: [ValidatedEvent], from raw: RawPayload, tenant: Slug, idempotencyKey: String?,
        context: IngestContext
    ) async throws -> IngestResponse {
        let submission = IngestSubmission(
            idempotencyKey: idempotencyKey, requestHash: raw.sha256, shape: .batch,
            events: try events.map { try PreparedEvent($0, context: context) }, context: context, rawPayload: raw)
        return try await queue.submit(submission, weight: max(1, submission.events.count), for: tenant)
    }

    /// Tells one event from a batch and validates every event, reporting the
    /// first invalid one with paths relative to the request body.
    func parse(_ body: [UInt8]) throws(EventError) -> (IngestSubmission.Shape, [ValidatedEvent]) {
        let limits = catalog.limits
        let bodyLimit = limits.maxDocumentBytes * configuration.maximumEventsPerRequest
        let document: JSONValue
        do {
            document = try JSONParser(maxBytes: bodyLimit, maxDepth: limits.maxDepth + 2).parse(body)
        } catch {
            if error.kind == .tooLarge {
                throw EventError(
                    code: "request_too_large", message: "the request body is larger than \(bodyLimit) bytes",
                    httpStatus: 413)
            }
            throw EventError(code: "invalid_json", message: "the body is not valid JSON: \(error)", httpStatus: 400)
        }
        guard case .object(let members) = document, members["type"] == nil, let batch = members["events"] else {
            return (.single, [try catalog.validate(document)])
        }
        guard case .array(let items) = batch, members.count == 1 else {
            throw EventError(
                code: "invalid_batch", message: "a batch is an object with one member, \"events\", holding an array",
                httpStatus: 422, field: "$.events")
        }
        guard (1...configuration.maximumEventsPerRequest).contains(items.count) else {
            throw EventError(
                code: "invalid_batch",
                message: "a batch holds 1 to \(configuration.maximumEventsPerRequest) events; this one holds \(items.count)",
                httpStatus: 422, field: "$.events")
        }
        var events: [ValidatedEvent] = []
        events.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do {
                events.append(try catalog.validate(item))
            } catch {
                throw error.relocated(under: "$.events[\(index)]")
            }
        }
        return (.batch, events)
    }

    /// Keeps what was refused, with the reason, so it can be inspected and replayed.
    private func recordRejection(body: [UInt8], error: EventError, tenant: Slug, context: IngestContext) async throws {
        let eventID = try? JSONParser(maxBytes: body.count + 1, maxDepth: catalog.limits.maxDepth + 2)
            .parse(body)["id"]?.stringValue
        try await databases.withTransaction(for: tenant) { tx in
            try await tx.query(
                """
                INSERT INTO dead_letters (kind, reason_code, reason, event_id, ingress, ingress_detail, request_id,
                                          traceparent, payload)
                VALUES ('event', \(error.code), \(error.message), \(eventID), \(context.ingress.rawValue),
                        \(context.detail), \(context.requestID), \(context.traceparent), \(Data(body)))
                """)
        }
        logger.info(
            "event refused", metadata: ["tenant": tenant.value, "code": error.code, "ingress": context.ingress.rawValue])
    }
}

extension EventError {
    /// The same error with every JSON path moved under `prefix` (`$.data.x` → `$.events[3].data.x`).
    func relocated(under prefix: String) -> EventError {
        func move(_ path: String) -> String { path == "$" ? prefix : prefix + path.dropFirst() }
        let violations = violations.map { Violation(path: move($0.path), message: $0.message) }
        let prefixedMessage = prefix.replacingOccurrences(of: "$.", with: "") + ": " + message
        return EventError(
            code: code, message: prefixedMessage, httpStatus: httpStatus, field: field.map(move),
            violations: violations)
    }
}
