import ControlPlane
import Delivery
import Foundation
import HTTP
import Rendering

/// The tenant's outbound webhook endpoints, and per endpoint its delivery
/// log: each message's state, tries, latest response code and next try.
/// Read with `events:read`, as `GET /v1/endpoints` and `/v1/deliveries`.
struct EndpointPages: Sendable {
    let portal: Portal
    static let pageSize = 50

    func list(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, tenant) = try request.requireTenantUser()
        try EventPages.require(user, "events:read")
        let endpoints = try await store().list(tenant: tenant)
        let dates = portal.dates(for: request)
        let rows: [ViewValue] = endpoints.map { endpoint in
            [
                "href": .string("/endpoints/\(endpoint.id.uuidString.lowercased())"), "url": .string(endpoint.url),
                "description": .string(endpoint.description),
                "event_types": .string(endpoint.eventTypes.isEmpty ? "all events" : endpoint.eventTypes.joined(separator: ", ")),
                "enabled": .bool(endpoint.enabled), "disabled_reason": .string(endpoint.disabledReason ?? ""),
                "circuit": .string(endpoint.breakerState), "circuit_tone": .string(Self.circuitTone(endpoint.breakerState)),
                "failures": .int(endpoint.consecutiveFailures),
                "created": .string(dates.date(endpoint.createdAt)),
            ]
        }
        return try portal.render("endpoints", request, title: "Outbound endpoints", page: ["endpoints": .list(rows)])
    }

    func deliveries(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, tenant) = try request.requireTenantUser()
        try EventPages.require(user, "events:read")
        guard let id = UUID(uuidString: request.request.pathParameters["id"] ?? "") else {
            throw PortalError(status: 404, code: "endpoint_not_found", message: "There is no such endpoint.")
        }
        let endpoint = try await store().endpoint(tenant: tenant, id: id)
        let before = request.request.queryValue("before").flatMap(Int64.init)
        let log = try await Deliveries(databases: portal.dependencies.databases).log(
            tenant: tenant, endpoint: id, before: before, limit: Self.pageSize)
        let dates = portal.dates(for: request)
        let rows: [ViewValue] = log.items.map { entry in
            let message = entry.message
            return [
                "seq": .string(String(message.seq)), "webhook_id": .string(message.messageID),
                "event_type": .string(message.eventType), "state": .string(message.state),
                "tone": .string(RunPages.tone(message.state)), "attempts": .int(message.attempts),
                "response": .string(entry.lastStatusCode.map(String.init) ?? "—"),
                "next_attempt": .string(message.state == "pending" ? dates.dateTime(message.nextAttemptAt) : "—"),
                "created": .string(dates.dateTime(message.createdAt)),
                "delivered": .string(message.deliveredAt.map(dates.dateTime) ?? "—"),
                "error": .string(message.lastError ?? ""),
            ]
        }
        let base = "/endpoints/\(id.uuidString.lowercased())"
        return try portal.render(
            "endpoint", request, title: "Deliveries to \(endpoint.url)",
            page: [
                "endpoint": [
                    "url": .string(endpoint.url), "description": .string(endpoint.description),
                    "enabled": .bool(endpoint.enabled), "disabled_reason": .string(endpoint.disabledReason ?? ""),
                    "circuit": .string(endpoint.breakerState), "circuit_tone": .string(Self.circuitTone(endpoint.breakerState)),
                    "failures": .int(endpoint.consecutiveFailures),
                    "open_until": .string(endpoint.openUntil.map(dates.dateTime) ?? ""),
                    "failing_since": .string(endpoint.failingSince.map(dates.dateTime) ?? ""),
                ],
                "deliveries": .list(rows), "has_more": .bool(log.nextCursor != nil),
                "next_href": .string("\(base)?before=\(log.nextCursor ?? 0)"), "is_first_page": .bool(before == nil),
                "first_href": .string(base),
            ])
    }

    private func store() throws -> EndpointStore {
        guard let service = portal.dependencies.service, let ingest = portal.dependencies.ingest else {
            throw PortalError(status: 503, code: "endpoints_unavailable", message: "Endpoints are not available on this server.")
        }
        return EndpointStore(
            databases: portal.dependencies.databases, keyRing: service.keyRing,
            knownEventTypes: Set(ingest.catalog.types.map(\.type)))
    }

    static func circuitTone(_ state: String) -> String {
        switch state {
        case "closed": "success"
        case "open": "danger"
        default: "warning"
        }
    }
}
