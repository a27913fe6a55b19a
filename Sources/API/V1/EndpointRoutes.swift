import ControlPlane
import Delivery
import Events
import Foundation
import HTTP

/// `/v1` routes for a tenant's outbound webhooks: endpoint CRUD and secret
/// rotation (`endpoints:write`), deliveries with their attempts
/// (`events:read`), and replay (`endpoints:write`).
public struct EndpointRoutes: Sendable {
    let endpoints: EndpointStore
    let deliveries: Deliveries

    public init(endpoints: EndpointStore, deliveries: Deliveries) {
        self.endpoints = endpoints
        self.deliveries = deliveries
    }

    struct EndpointBody: Decodable {
        let url: String?
        let description: String?
        let eventTypes: [String]?
        let enabled: Bool?

        enum CodingKeys: String, CodingKey {
            case url, description, enabled
            case eventTypes = "event_types"
        }
    }

    struct RotateBody: Decodable {
        let overlapSeconds: Int?

        enum CodingKeys: String, CodingKey { case overlapSeconds = "overlap_seconds" }
    }

    struct ReplayBody: Decodable {
        let from: Date
        let until: Date
        let onlyFailed: Bool?

        enum CodingKeys: String, CodingKey {
            case from, until
            case onlyFailed = "only_failed"
        }
    }

    public func register(on routes: inout some RouteRegistrar) throws {
        try routes.get("/endpoints") { request in
            let (_, tenant) = try request.tenant(requiring: .eventsRead)
            let list = try await endpoints.list(tenant: tenant)
            return .jsonText(JSONValue.object(["data": .array(list.map(Self.body))]).serialized())
        }
        try routes.post("/endpoints") { request in
            let (principal, tenant) = try request.tenant(requiring: .endpointsWrite)
            let body = try request.decodeJSON(EndpointBody.self)
            guard let url = body.url else {
                throw HTTPError(.unprocessableContent, code: "invalid_endpoint", message: "url is required", field: "url")
            }
            let (endpoint, secret) = try await endpoints.create(
                tenant: tenant, url: url, description: body.description ?? "", eventTypes: body.eventTypes ?? [],
                actor: principal.actor)
            var json = Self.body(endpoint).objectValue ?? [:]
            json["secret"] = .string(secret.reveal())
            return .jsonText(JSONValue.object(json).serialized(), status: 201)
        }
        try routes.get("/endpoints/:id") { request in
            let (_, tenant) = try request.tenant(requiring: .eventsRead)
            return .jsonText(Self.body(try await endpoints.endpoint(tenant: tenant, id: try endpointID(request))).serialized())
        }
        try routes.patch("/endpoints/:id") { request in
            let (principal, tenant) = try request.tenant(requiring: .endpointsWrite)
            let body = try request.decodeJSON(EndpointBody.self)
            let endpoint = try await endpoints.update(
                tenant: tenant, id: try endpointID(request),
                changes: .init(url: body.url, description: body.description, eventTypes: body.eventTypes, enabled: body.enabled),
                actor: principal.actor)
            return .jsonText(Self.body(endpoint).serialized())
        }
        try routes.delete("/endpoints/:id") { request in
            let (principal, tenant) = try request.tenant(requiring: .endpointsWrite)
            try await endpoints.delete(tenant: tenant, id: try endpointID(request), actor: principal.actor)
            return HTTPResponse(status: .noContent)
        }
        try routes.post("/endpoints/:id/rotate-secret") { request in
            let (principal, tenant) = try request.tenant(requiring: .endpointsWrite)
            let body = request.body.isEmpty ? RotateBody(overlapSeconds: nil) : try request.decodeJSON(RotateBody.self)
            let overlap = body.overlapSeconds ?? 86_400
            guard (0...(30 * 86_400)).contains(overlap) else {
                throw HTTPError(
                    .unprocessableContent, code: "invalid_overlap", message: "overlap_seconds is 0 to 2592000 (30 days)",
                    field: "overlap_seconds")
            }
            let secret = try await endpoints.rotateSecret(
                tenant: tenant, id: try endpointID(request), overlap: .seconds(overlap), actor: principal.actor)
            return .jsonText(
                JSONValue.object(["secret": .string(secret.reveal()), "overlap_seconds": .number(String(overlap))])
                    .serialized())
        }
        try routes.post("/endpoints/:id/replay") { request in
            let (principal, tenant) = try request.tenant(requiring: .endpointsWrite)
            let body = try request.decodeJSON(ReplayBody.self)
            let count = try await deliveries.replay(
                tenant: tenant, endpoint: try endpointID(request), from: body.from, until: body.until,
                onlyFailed: body.onlyFailed ?? true, actor: principal.actor, requestID: request.context.requestID)
            return .jsonText(JSONValue.object(["requeued": .number(String(count))]).serialized(), status: 202)
        }
        try routes.get("/deliveries") { request in
            let (_, tenant) = try request.tenant(requiring: .eventsRead)
            let endpoint = try request.queryValue("endpoint").map { text in
                guard let id = UUID(uuidString: text) else {
                    throw HTTPError(.badRequest, code: "invalid_query", message: "endpoint must be an endpoint id", field: "endpoint")
                }
                return id
            }
            let page = try await deliveries.list(
                tenant: tenant,
                filter: .init(
                    endpoint: endpoint, state: request.queryValue("state"), after: try request.cursor(),
                    limit: try request.limit()))
            return .jsonText(
                JSONValue.object([
                    "data": .array(page.items.map(Self.body)),
                    "next_cursor": page.nextCursor.map { .string(String($0)) } ?? .null,
                ]).serialized())
        }
        try routes.get("/deliveries/:id") { request in
            let (_, tenant) = try request.tenant(requiring: .eventsRead)
            let (message, attempts) = try await deliveries.message(tenant: tenant, seq: try request.numericID())
            var json = Self.body(message).objectValue ?? [:]
            json["attempts"] = .array(
                attempts.map { attempt in
                    .object([
                        "attempt": .number(String(attempt.attempt)), "started_at": .string(APITime.string(attempt.startedAt)),
                        "status_code": attempt.statusCode.map { .number(String($0)) } ?? .null,
                        "latency_ms": .number(String(attempt.latencyMilliseconds)),
                        "response_excerpt": .string(attempt.responseExcerpt),
                        "error": attempt.error.map(JSONValue.string) ?? .null,
                    ])
                })
            return .jsonText(JSONValue.object(json).serialized())
        }
        try routes.post("/deliveries/:id/replay") { request in
            let (principal, tenant) = try request.tenant(requiring: .endpointsWrite)
            try await deliveries.replay(
                tenant: tenant, seq: try request.numericID(), actor: principal.actor, requestID: request.context.requestID)
            return .jsonText(JSONValue.object(["requeued": .number("1")]).serialized(), status: 202)
        }
    }

    private func endpointID(_ request: HTTPRequest) throws -> UUID {
        guard let text = request.pathParameters["id"], let id = UUID(uuidString: text) else {
            throw HTTPError(.notFound, code: "endpoint_not_found", message: "there is no such endpoint")
        }
        return id
    }

    static func body(_ endpoint: Endpoint) -> JSONValue {
        .object([
            "id": .string(endpoint.id.uuidString.lowercased()), "url": .string(endpoint.url),
            "description": .string(endpoint.description), "event_types": .array(endpoint.eventTypes.map(JSONValue.string)),
            "enabled": .bool(endpoint.enabled), "disabled_reason": endpoint.disabledReason.map(JSONValue.string) ?? .null,
            "created_at": .string(APITime.string(endpoint.createdAt)),
            "updated_at": .string(APITime.string(endpoint.updatedAt)),
            "circuit": .object([
                "state": .string(endpoint.breakerState),
                "consecutive_failures": .number(String(endpoint.consecutiveFailures)),
                "open_until": endpoint.openUntil.map { .string(APITime.string($0)) } ?? .null,
                "failing_since": endpoint.failingSince.map { .string(APITime.string($0)) } ?? .null,
            ]),
        ])
    }

    static func body(_ message: DeliveryMessage) -> JSONValue {
        .object([
            "id": .string(String(message.seq)), "webhook_id": .string(message.messageID),
            "endpoint_id": .string(message.endpointID.uuidString.lowercased()), "event_type": .string(message.eventType),
            "state": .string(message.state), "attempts": .number(String(message.attempts)),
            "next_attempt_at": .string(APITime.string(message.nextAttemptAt)),
            "created_at": .string(APITime.string(message.createdAt)),
            "delivered_at": message.deliveredAt.map { .string(APITime.string($0)) } ?? .null,
            "last_error": message.lastError.map(JSONValue.string) ?? .null,
        ])
    }
}
