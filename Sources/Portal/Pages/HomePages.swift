import ControlPlane
import Engine
import Foundation
import HTTP
import Postgres
import Rendering

extension Calendar {
    fileprivate static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        return calendar
    }()
}

/// The first page after sign-in: a client's dashboard, a partner's tenants,
/// or the provider's partners.
struct HomePages: Sendable {
    let portal: Portal

    func home(_ request: PortalRequest) async throws -> HTTPResponse {
        let user = try request.requireUser()
        switch user.principal.organization {
        case .tenant(let tenant, _): return try await dashboard(request, tenant: tenant)
        case .partner(let partner): return try await tenants(request, partner: partner, user: user)
        case .provider: return try await tenants(request, partner: nil, user: user)
        }
    }

    /// Open exceptions by age and value, SLA breaches, approval cycle time and
    /// throughput over the last 14 days: the same figures as `GET /v1/insights`
    /// (``Engine/Insights``), aggregates that stay fast with tens of thousands
    /// of open items.
    private func dashboard(_ request: PortalRequest, tenant: Slug) async throws -> HTTPResponse {
        let now = Date()
        let since = Calendar.utc.startOfDay(for: now).addingTimeInterval(-13 * 86_400)
        let report = try await Insights(databases: portal.dependencies.databases).report(
            tenant: tenant, from: since, to: now, now: now)
        let values: [ViewValue] = report.openValue.keys.sorted().map { currency in
            ["amount": .string(WorkPages.money(report.openValue[currency], currency))]
        }
        let days = report.throughput.map { entry in
            let parts = Calendar.utc.dateComponents([.month, .day], from: entry.day)
            return String(format: "%02d-%02d", parts.month ?? 0, parts.day ?? 0)
        }
        let ageChart = try Chart.bar(
            title: "Open exceptions by age", categories: Insights.ageBuckets, values: report.aging.map(Double.init),
            options: ChartOptions(
                id: "age", summary: "\(report.openExceptions) open exceptions.", categoryHeading: "Age",
                dataTable: .visuallyHidden))
        let throughputChart = try Chart.line(
            title: "Runs completed per day", categories: days,
            series: [ChartSeries(name: "Completed runs", values: report.throughput.map { Double($0.completed) })],
            filled: true,
            options: ChartOptions(
                id: "throughput", summary: "Completed runs over the last 14 days.", categoryHeading: "Day",
                dataTable: .visuallyHidden))
        return try portal.render(
            "dashboard", request, title: "Dashboard",
            page: [
                "open": .int(report.openExceptions), "values": .list(values), "breached": .int(report.slaBreachesOpen),
                "cycle_time": .string(report.approvalCycleP50.map(Self.duration) ?? "no decisions yet"),
                "decided": .int(report.decisions), "age_chart": .html(ageChart), "throughput_chart": .html(throughputChart),
            ])
    }

    /// A partner's tenants (or, for provider staff, every tenant) with their status.
    private func tenants(_ request: PortalRequest, partner: Slug?, user: SessionStore.SignedIn) async throws -> HTTPResponse {
        let rows = try await portal.dependencies.control.query(
            """
            SELECT t.slug, t.legal_name, t.status, t.created_at, p.slug AS partner, p.display_name
            FROM control.tenants t JOIN control.partners p ON p.id = t.partner_id
            WHERE (\(partner?.value)::text IS NULL OR p.slug = \(partner?.value)) AND t.status <> 'deleted'
            ORDER BY p.slug, t.slug LIMIT 1000
            """)
        let formatter = portal.dates(for: request)
        var tenants: [ViewValue] = []
        for row in rows {
            tenants.append([
                "slug": .string(try row.decode("slug", as: String.self)),
                "name": .string(try row.decode("legal_name", as: String.self)),
                "status": .string(try row.decode("status", as: String.self)),
                "partner": .string(try row.decode("display_name", as: String.self)),
                "created": .string(formatter.date(try row.decode("created_at", as: Date.self))),
            ])
        }
        return try portal.render(
            "tenants", request, title: partner == nil ? "All tenants" : "Your clients",
            page: [
                "tenants": .list(tenants), "is_provider": .bool(partner == nil),
                "can_onboard": .bool(partner != nil && user.principal.roles.contains("partner_admin")),
            ])
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 3_600 { return "\(max(1, Int(seconds / 60))) min" }
        if seconds < 172_800 { return String(format: "%.1f h", seconds / 3_600) }
        return String(format: "%.1f days", seconds / 86_400)
    }
}
