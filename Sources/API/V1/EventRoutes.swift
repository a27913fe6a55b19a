import ControlPlane
import Events
import Foundation
import HTTP
import Ingest
import Platform

/// `/v1` routes for a tenant's events: ingest, the inbox, the event catalog
/// and dead letters. The tenant is the API key's; a provider or partner key
/// is refused here, since it would have to name a tenant in the request.
public struct EventRoutes: Sendable {
    let ingest: IngestService
    let queries: EventQueries
    let deadLetters: DeadLetters

    public init(ingest: IngestService) {
        self.ingest = ingest
        queries = EventQueries(databases: ingest.databases)
        deadLetters = DeadLetters(ingest: ingest)
    }

    public func register(on routes: inout some RouteRegistrar) throws {
        try routes.post("/events") { request in
            let (principal, tenant) = try request.tenant(requiring: .eventsWrite)
            let key = try IdempotencyKeyHeader.parse(request.headers["Idempotency-Key"])
            let answer = try await ingest.ingest(
                body: request.body, tenant: tenant, idempotencyKey: key.map { "api:" + $0 },
                context: IngestContext(
                    ingress: .api, detail: principal.actor, requestID: request.context.requestID,
                    traceparent: request.context[TraceContextKey.self]?.traceparent))
            return .jsonText(answer.body, status: answer.status)
        }
        try routes.get("/events") { request in
            let (_, tenant) = try request.tenant(requiring: .eventsRead)
            var filter = EventQueries.Filter(
                type: request.queryValue("type"), after: try request.cursor(), limit: try request.limit())
            filter.receivedFrom = try request.timeQuery("received_from")
            filter.receivedUntil = try request.timeQuery("received_until")
            let page = try await queries.events(tenant: tenant, filter: filter)
            return .jsonText(
                JSONValue.object([
                    "data": .array(page.items.map(Self.summary)),
                    "next_cursor": page.nextCursor.map { .string(String($0)) } ?? .null,
                ]).serialized())
        }
        try routes.get("/events/:id") { request in
            let (_, tenant) = try request.tenant(requiring: .eventsRead)
            let id = request.pathParameters["id"] ?? ""
            guard let event = try await queries.event(tenant: tenant, id: id) else {
                throw HTTPError(.notFound, code: "event_not_found", message: "no event with id \(JSONValue.string(id).serialized()) was received")
            }
            var body = Self.summary(event).objectValue ?? [:]
            body["event"] = (try? JSONParser(maxBytes: 16 << 20, maxDepth: 128).parse(event.document)) ?? .null
            return .jsonText(JSONValue.object(body).serialized())
        }
        try routes.get("/event-types") { request in
            _ = try request.principal()
            return .jsonText(
                JSONValue.object(["data": .array(ingest.catalog.types.map { Self.description(of: $0, withSchemas: false) })])
                    .serialized())
        }
        try routes.get("/event-types/:type") { request in
            _ = try request.principal()
            let name = request.pathParameters["type"] ?? ""
            guard let type = ingest.catalog.types.first(where: { $0.type == name }) else {
                throw HTTPError(.notFound, code: "unknown_event_type", message: "no event type \(JSONValue.string(name).serialized()) in the catalog")
            }
            return .jsonText(Self.description(of: type, withSchemas: true).serialized())
        }
        try routes.get("/dead-letters") { request in
            let (_, tenant) = try request.tenant(requiring: .eventsRead)
            let kind = try request.queryValue("kind").map { text in
                guard let kind = DeadLetter.Kind(rawValue: text) else {
                    throw HTTPError(.badRequest, code: "invalid_query", message: "kind is event or delivery", field: "kind")
                }
                return kind
            }
            let page = try await deadLetters.list(
                tenant: tenant, kind: kind, includeReplayed: request.queryValue("include_replayed") == "true",
                after: try request.cursor(), limit: try request.limit())
            return .jsonText(
                JSONValue.object([
                    "data": .array(page.items.map { Self.body(of: $0, withPayload: false) }),
                    "next_cursor": page.nextCursor.map { .string(String($0)) } ?? .null,
                ]).serialized())
        }
        try routes.get("/dead-letters/:id") { request in
            let (_, tenant) = try request.tenant(requiring: .eventsRead)
            let letter = try await deadLetters.letter(tenant: tenant, id: try request.numericID())
            return .jsonText(Self.body(of: letter, withPayload: true).serialized())
        }
        try routes.post("/dead-letters/:id/replay") { request in
            let (principal, tenant) = try request.tenant(requiring: .eventsWrite)
            let answer = try await deadLetters.replay(
                tenant: tenant, id: try request.numericID(), actor: principal.actor, requestID: request.context.requestID)
            return .jsonText(answer.body, status: answer.status)
        }
    }

    static func summary(_ event: StoredEvent) -> JSONValue {
        .object([
            "id": .string(event.id), "type": .string(event.type),
            "schema_version": .number(String(event.schemaVersion)), "source": .string(event.source),
            "occurred_at": .string(APITime.string(event.occurredAt)),
            "received_at": .string(APITime.string(event.receivedAt)),
            "lineage": .object([
                "ingress": .string(event.ingress), "via": .string(event.ingressDetail),
                "caused_by": event.causedBy.map(JSONValue.string) ?? .null,
                "traceparent": event.traceparent.map(JSONValue.string) ?? .null,
                "request_id": event.requestID.map(JSONValue.string) ?? .null,
            ]),
        ])
    }

    static func description(of type: EventTypeDescription, withSchemas: Bool) -> JSONValue {
        .object([
            "type": .string(type.type),
            "latest_version": type.latest.map { .number(String($0.version)) } ?? .null,
            "versions": .array(
                type.versions.map { schema in
                    var members: [String: JSONValue] = [
                        "version": .number(String(schema.version)),
                        "title": schema.title.map(JSONValue.string) ?? .null,
                        "description": schema.description.map(JSONValue.string) ?? .null,
                    ]
                    if withSchemas { members["schema"] = schema.document }
                    return .object(members)
                }),
        ])
    }

    static func body(of letter: DeadLetter, withPayload: Bool) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(String(letter.id)), "kind": .string(letter.kind.rawValue),
            "reason_code": .string(letter.reasonCode), "reason": .string(letter.reason),
            "event_id": letter.eventID.map(JSONValue.string) ?? .null,
            "message_seq": letter.outboxSeq.map { .string(String($0)) } ?? .null,
            "ingress": letter.ingress.map(JSONValue.string) ?? .null, "via": .string(letter.ingressDetail),
            "request_id": letter.requestID.map(JSONValue.string) ?? .null,
            "created_at": .string(APITime.string(letter.createdAt)),
            "replayed_at": letter.replayedAt.map { .string(APITime.string($0)) } ?? .null,
            "replay_count": .number(String(letter.replayCount)),
            // The path a replay takes again: canonical ingest, the named webhook source's mapping, or X12.
            "origin": .string(letter.origin.kind.rawValue),
        ]
        if case .mapping(let source) = letter.origin { members["origin_source"] = .string(source) }
        if withPayload {
            // Shown as text when it is UTF-8 (it usually is JSON), else as Base64.
            if let text = String(validating: letter.payload, as: UTF8.self) {
                members["payload"] = .string(text)
            } else {
                members["payload_base64"] = .string(Data(letter.payload).base64EncodedString())
            }
        }
        return .object(members)
    }
}

/// `Idempotency-Key`: 1 to 255 visible ASCII characters.
enum IdempotencyKeyHeader {
    static func parse(_ value: String?) throws -> String? {
        guard let value else { return nil }
        guard (1...255).contains(value.utf8.count), value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw HTTPError(
                .badRequest, code: "invalid_idempotency_key",
                message: "Idempotency-Key must be 1 to 255 visible ASCII characters", field: "Idempotency-Key")
        }
        return value
    }
}

/// Times in API bodies: UTC RFC 3339 with milliseconds.
enum APITime {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    static func string(_ date: Date) -> String { date.formatted(style) }

    /// With or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        (try? style.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}

extension HTTPResponse {
    /// A JSON body already serialised (stored answers are returned byte for byte).
    static func jsonText(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(
            status: HTTPStatus(code: status), headers: ["Content-Type": "application/json", "Cache-Control": "no-store"],
            body: Array(text.utf8))
    }
}

extension HTTPRequest {
    /// The tenant whose API key made this request, if the key holds `scope`.
    func tenant(requiring scope: Scope) throws -> (Principal, Slug) {
        let principal = try principal()
        guard case .tenant(let slug, _) = principal.organization else {
            throw HTTPError(
                .forbidden, code: "tenant_key_required",
                message: "This route works on one tenant's data: use an API key issued to that tenant.")
        }
        guard principal.has(scope: scope.rawValue) else {
            throw HTTPError(
                .forbidden, code: "insufficient_scope", message: "The API key lacks the \(scope.rawValue) scope.",
                field: "scope")
        }
        return (principal, slug)
    }

    /// `cursor`: the `next_cursor` of the previous page.
    func cursor() throws -> Int64 {
        guard let text = queryValue("cursor") else { return 0 }
        guard let value = Int64(text), value >= 0 else {
            throw HTTPError(.badRequest, code: "invalid_cursor", message: "cursor must be the next_cursor of a previous page", field: "cursor")
        }
        return value
    }

    /// `limit`: 1 to 500, default 100.
    func limit() throws -> Int {
        guard let text = queryValue("limit") else { return 100 }
        guard let value = Int(text), (1...500).contains(value) else {
            throw HTTPError(.badRequest, code: "invalid_limit", message: "limit must be a number from 1 to 500", field: "limit")
        }
        return value
    }

    func timeQuery(_ name: String) throws -> Date? {
        guard let text = queryValue(name) else { return nil }
        guard let date = APITime.parse(text) else {
            throw HTTPError(.badRequest, code: "invalid_time", message: "\(name) must be an RFC 3339 time such as 2026-11-27T09:00:00Z", field: name)
        }
        return date
    }

    /// The `:id` path parameter as a positive number.
    func numericID() throws -> Int64 {
        guard let text = pathParameters["id"], let id = Int64(text), id > 0 else {
            throw HTTPError(.notFound, code: "not_found", message: "no such item")
        }
        return id
    }
}
