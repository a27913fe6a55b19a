import ControlPlane
import Foundation
import HTTP
import Postgres
import Rendering

/// The tenant's audit trail, newest first, with a badge saying whether the
/// hash chain verifies.
struct AuditPage: Sendable {
    let portal: Portal
    static let pageSize = 50

    func show(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, tenant) = try request.requireTenantUser()
        guard user.principal.has(scope: "audit:read") else {
            throw PortalError(status: 403, code: "forbidden", message: "Your role does not include the audit trail.")
        }
        let action = request.request.queryValue("action").flatMap { $0.isEmpty ? nil : $0 }
        let before = request.request.queryValue("before").flatMap(Int64.init)
        let formatter = portal.dates(for: request)
        let (rows, verification) = try await portal.dependencies.databases.withConnection(for: tenant) { connection in
            let rows = try await connection.query(
                """
                SELECT id, occurred_at, actor, action, subject, details::text AS details, source_ip
                FROM audit_log
                WHERE (\(action)::text IS NULL OR action LIKE \(action.map { $0 + "%" }))
                  AND (\(before)::bigint IS NULL OR id < \(before))
                ORDER BY id DESC LIMIT \(Self.pageSize)
                """)
            let verification = try await AuditLog(schema: try SQLIdentifier(tenant.tenantSchemaName)).verify(on: connection)
            return (rows, verification)
        }
        var entries: [ViewValue] = []
        var last: Int64?
        for row in rows {
            let id = try row.decode("id", as: Int64.self)
            last = id
            entries.append([
                "id": .string(String(id)), "at": .string(formatter.dateTime(try row.decode("occurred_at", as: Date.self))),
                "actor": .string(try row.decode("actor", as: String.self)),
                "action": .string(try row.decode("action", as: String.self)),
                "subject": .string(try row.decode("subject", as: String.self)),
                "details": .string(try row.decode("details", as: String.self)),
                "source_ip": .string(try row.decode("source_ip", as: String?.self) ?? ""),
            ])
        }
        let more = rows.count == Self.pageSize
        var next = "/audit?before=\(last ?? 0)"
        if let action { next += "&action=\(WorkPages.queryEscape(action))" }
        return try portal.render(
            "audit", request, title: "Audit trail",
            page: [
                "entries": .list(entries), "action": .string(action ?? ""), "intact": .bool(verification.isIntact),
                "checked": .int(verification.entriesChecked),
                "broken_at": .string(verification.firstBroken.map { String($0.id) } ?? ""),
                "has_more": .bool(more), "next_href": .string(next),
            ])
    }
}
