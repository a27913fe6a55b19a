import ControlPlane
import Foundation
import HTTP
import Rendering

/// Provider ops: every partner with its clients, and the platform's health —
/// the `/readyz` checks, the connection pools and each tenant's queues, as
/// `/metrics` reports them (``PlatformHealth``).
struct OpsPages: Sendable {
    let portal: Portal
    static let partnerLimit = 500

    func partners(_ request: PortalRequest) async throws -> HTTPResponse {
        let user = try requireOps(request)
        try CredentialPages.authorize(user.principal, .listPartners)
        guard let service = portal.dependencies.service else {
            throw PortalError(status: 503, code: "partners_unavailable", message: "Partners are not available on this server.")
        }
        let (profiles, next) = try await service.listPartners(limit: Self.partnerLimit)
        var clients: [String: (all: Int, active: Int)] = [:]
        for tenant in try await service.listTenants() where tenant.status != .deleted {
            let active = tenant.status == .active ? 1 : 0
            clients[tenant.partnerSlug.value, default: (0, 0)].all += 1
            clients[tenant.partnerSlug.value, default: (0, 0)].active += active
        }
        let dates = portal.dates(for: request)
        let rows: [ViewValue] = profiles.map { profile in
            let counts = clients[profile.partner.slug.value] ?? (0, 0)
            return [
                "slug": .string(profile.partner.slug.value), "name": .string(profile.partner.displayName),
                "kind": .string(profile.partner.kind.rawValue.replacingOccurrences(of: "_", with: " ")),
                "support_email": .string(profile.partner.supportEmail),
                "domains": .string(profile.domains.isEmpty ? "—" : profile.domains.joined(separator: ", ")),
                "tenants": .int(counts.all), "active": .int(counts.active), "since": .string(dates.date(profile.createdAt)),
            ]
        }
        return try portal.render(
            "partners", request, title: "Partners",
            page: ["partners": .list(rows), "truncated": .bool(next != nil), "limit": .int(Self.partnerLimit)])
    }

    func health(_ request: PortalRequest) async throws -> HTTPResponse {
        _ = try requireOps(request)
        guard let source = portal.dependencies.health else {
            throw PortalError(status: 503, code: "health_unavailable", message: "Health figures are not available on this server.")
        }
        let report = await source.report()
        func check(_ name: String, _ problem: String?, ok: String) -> ViewValue {
            ["name": .string(name), "ok": .bool(problem == nil), "result": .string(problem ?? ok)]
        }
        let pools: [ViewValue] = report.pools.map { pool in
            [
                "name": .string(pool.name), "open": .int(pool.open), "idle": .int(pool.idle), "leased": .int(pool.leased),
                "waiting": .int(pool.waiting), "maximum": .string(pool.maximum.map(String.init) ?? "—"),
                "saturated": .bool(pool.waiting > 0),
            ]
        }
        let tenants = report.tenants ?? []
        let rows: [ViewValue] = tenants.map { tenant in
            [
                "tenant": .string(tenant.tenant), "open": .int(tenant.openExceptions), "dead": .int(tenant.deadLetters),
                "outbox": .int(tenant.outboxPending), "runnable": .int(tenant.runnable),
            ]
        }
        return try portal.render(
            "health", request, title: "Platform health", status: report.databaseProblem == nil ? .ok : .serviceUnavailable,
            page: [
                "checks": .list([
                    check("Database", report.databaseProblem, ok: "reachable"),
                    check("Control-plane migrations", report.migrationProblem, ok: "all applied"),
                ]),
                "pools": .list(pools), "has_tenants": .bool(report.tenants != nil), "tenants": .list(rows),
                "totals": [
                    "open": .int(tenants.reduce(0) { $0 + $1.openExceptions }),
                    "dead": .int(tenants.reduce(0) { $0 + $1.deadLetters }),
                    "outbox": .int(tenants.reduce(0) { $0 + $1.outboxPending }),
                    "runnable": .int(tenants.reduce(0) { $0 + $1.runnable }),
                ],
            ])
    }

    private func requireOps(_ request: PortalRequest) throws -> SessionStore.SignedIn {
        let user = try request.requireUser()
        guard case .provider = user.principal.organization, user.principal.roles.contains("provider_ops") else {
            throw PortalError(status: 403, code: "forbidden", message: "This page is for the provider's operations staff.")
        }
        return user
    }
}
