import ControlPlane
import Foundation
import HTTP
import Ingest
import Rendering

/// The tenant's received events, and dead letters with replay.
struct EventPages: Sendable {
    let portal: Portal
    static let pageSize = 50

    func events(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, tenant) = try request.requireTenantUser()
        try Self.require(user, "events:read")
        let type = request.request.queryValue("type").flatMap { $0.isEmpty ? nil : $0 }
        let after = Int64(request.request.queryValue("after") ?? "") ?? 0
        let page = try await EventQueries(databases: portal.dependencies.databases).events(
            tenant: tenant, filter: EventQueries.Filter(type: type, after: after, limit: Self.pageSize))
        let formatter = portal.dates(for: request)
        let rows: [ViewValue] = page.items.map { event in
            [
                "seq": .string(String(event.seq)), "id": .string(event.id), "type": .string(event.type),
                "source": .string(event.source), "ingress": .string(event.ingress),
                "received": .string(formatter.dateTime(event.receivedAt)),
            ]
        }
        var next = "/events?after=\(page.nextCursor ?? 0)"
        if let type { next += "&type=\(WorkPages.queryEscape(type))" }
        return try portal.render(
            "events", request, title: "Events",
            page: [
                "events": .list(rows), "type": .string(type ?? ""), "has_more": .bool(page.nextCursor != nil),
                "next_href": .string(next),
            ])
    }

    func deadLetters(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, tenant) = try request.requireTenantUser()
        try Self.require(user, "events:read")
        let letters = try deadLetterStore()
        let after = Int64(request.request.queryValue("after") ?? "") ?? 0
        let page = try await letters.list(tenant: tenant, kind: nil, includeReplayed: false, after: after, limit: Self.pageSize)
        let formatter = portal.dates(for: request)
        let rows: [ViewValue] = page.items.map { letter in
            [
                "id": .string(String(letter.id)), "kind": .string(letter.kind.rawValue),
                "reason": .string(letter.reason), "code": .string(letter.reasonCode),
                "event_id": .string(letter.eventID ?? "—"), "received": .string(formatter.dateTime(letter.createdAt)),
                "excerpt": .string(String(decoding: letter.payload.prefix(160), as: UTF8.self)),
                "action": .string("/dead-letters/\(letter.id)/replay"),
            ]
        }
        var flash: [FlashMessage] = []
        if let replayed = request.request.queryValue("replayed") {
            flash.append(FlashMessage(.success, "Dead letter \(replayed) was replayed."))
        }
        return try portal.render(
            "dead_letters", request, title: "Dead letters",
            page: [
                "letters": .list(rows), "can_replay": .bool(user.principal.has(scope: "events:write")),
                "has_more": .bool(page.nextCursor != nil), "next_href": .string("/dead-letters?after=\(page.nextCursor ?? 0)"),
            ],
            flash: flash)
    }

    func replay(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, tenant) = try request.requireTenantUser()
        try request.requireCSRF(try Portal.form(request.request))
        try Self.require(user, "events:write")
        guard let id = Int64(request.request.pathParameters["id"] ?? "") else {
            throw PortalError(status: 404, code: "dead_letter_not_found", message: "There is no such dead letter.")
        }
        let response = try await deadLetterStore().replay(
            tenant: tenant, id: id, actor: user.principal.actor, requestID: request.request.context.requestID)
        guard response.status < 300 else {
            throw PortalError(
                status: response.status, code: "replay_refused",
                message: "The replay was refused again: \(String(response.body.prefix(300)))")
        }
        throw PortalRedirect(location: "/dead-letters?replayed=\(id)")
    }

    private func deadLetterStore() throws -> DeadLetters {
        guard let ingest = portal.dependencies.ingest else {
            throw PortalError(status: 503, code: "ingest_unavailable", message: "Events are not available on this server.")
        }
        return DeadLetters(ingest: ingest)
    }

    static func require(_ user: SessionStore.SignedIn, _ scope: String) throws {
        guard user.principal.has(scope: scope) else {
            throw PortalError(status: 403, code: "forbidden", message: "Your role does not allow this.")
        }
    }
}
