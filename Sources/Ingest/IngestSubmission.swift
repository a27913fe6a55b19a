import Cryptography
import Events
import Foundation

/// How an event reached Countersign; stored as its lineage.
public enum Ingress: String, Sendable {
    case api
    case webhook
    case replay
    case `internal`
}

/// Where and how a request arrived, for lineage and the dead-letter record.
public struct IngestContext: Sendable {
    public var ingress: Ingress
    /// The webhook source, or the API credential's prefix.
    public var detail: String
    public var requestID: String?
    /// The request's W3C `traceparent`, used when the event does not carry its own.
    public var traceparent: String?

    public init(ingress: Ingress, detail: String, requestID: String? = nil, traceparent: String? = nil) {
        self.ingress = ingress
        self.detail = detail
        self.requestID = requestID
        self.traceparent = traceparent
    }
}

/// One validated event, in the form it is stored.
public struct PreparedEvent: Sendable {
    public let id: String
    public let type: String
    public let schemaVersion: Int
    public let source: String
    public let occurredAt: Date
    /// As sent (RFC 3339), which PostgreSQL reads without loss.
    public let occurredAtText: String
    public let causedBy: String?
    public let traceparent: String?
    /// Canonical JSON (sorted keys, compact, numbers as written).
    public let document: String
    /// Hex SHA-256 of `document`: equal for a harmless re-send.
    public let contentHash: String

    public init(_ event: ValidatedEvent, context: IngestContext) throws {
        id = event.id
        type = event.type
        schemaVersion = event.schemaVersion
        source = event.source
        occurredAt = event.occurredAt
        occurredAtText = event.occurredAtText
        causedBy = event.causedBy
        traceparent = event.traceparent ?? context.traceparent
        document = event.document.serialized()
        contentHash = try SHA256.hash(data: document.utf8).hexString
    }
}

/// One request's worth of events, submitted to the group commit as a unit:
/// all its events are stored, or none.
public struct IngestSubmission: Sendable {
    public enum Shape: Sendable {
        /// A single event: answered with that event's status.
        case single
        /// `{"events": [...]}`: answered with every event's status.
        case batch
    }

    /// Namespaced (`webhook:<source>:<id>` or `api:<key>`); nil without one.
    public var idempotencyKey: String?
    /// Hex SHA-256 of the request body, to tell a repeat from a reused key.
    public var requestHash: String
    public var shape: Shape
    public var events: [PreparedEvent]
    public var context: IngestContext
    /// The untranslated payload the events were mapped from, stored with them as lineage.
    public var rawPayload: RawPayload?

    public init(
        idempotencyKey: String?, requestHash: String, shape: Shape, events: [PreparedEvent], context: IngestContext,
        rawPayload: RawPayload? = nil
    ) {
        self.idempotencyKey = idempotencyKey
        self.requestHash = requestHash
        self.shape = shape
        self.events = events
        self.context = context
        self.rawPayload = rawPayload
    }
}

/// The answer to an ingest request, exactly as sent and as stored for repeats.
public struct IngestResponse: Sendable, Equatable {
    public let status: Int
    /// JSON text.
    public let body: String

    public init(status: Int, body: String) {
        self.status = status
        self.body = body
    }
}

