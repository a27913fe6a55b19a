import Billing
import ControlPlane
import Finance
import Foundation
import Postgres

/// What statements are computed from, as storage holds it: tenants with their lifecycle, and daily usage per meter.
///
/// Read through the platform's pool with each tenant's schema named from a
/// validated slug, because a statement covers suspended and deleted tenants
/// too, whose own login roles are refused. Usage of a tenant that is being
/// or has been deleted comes from `control.archived_usage`, copied when its
/// deletion began (see Migrations/control/0003_billing.sql).
public struct BillingInputs: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// The partner's tenants, by slug, each with its lifecycle in time order.
    ///
    /// - Throws: `partner_not_found`.
    public func tenants(ofPartner partner: Slug) async throws -> [BilledTenant] {
        let partners = try await pool.query("SELECT 1 FROM control.partners WHERE slug = \(partner.value)")
        guard !partners.isEmpty else { throw ControlPlaneError.partnerNotFound(partner.value) }
        return try await billedTenants(partner: partner, tenant: nil)
    }

    /// One tenant with its lifecycle.
    ///
    /// - Throws: `tenant_not_found`.
    public func tenant(_ slug: Slug) async throws -> BilledTenant {
        guard let tenant = try await billedTenants(partner: nil, tenant: slug).first else {
            throw ControlPlaneError.tenantNotFound(slug.value)
        }
        return tenant
    }

    private func billedTenants(partner: Slug?, tenant: Slug?) async throws -> [BilledTenant] {
        let rows = try await pool.query(
            """
            SELECT t.slug, t.legal_name, l.kind, l.at
            FROM control.tenants t
            JOIN control.partners p ON p.id = t.partner_id
            LEFT JOIN control.tenant_lifecycle l ON l.tenant_id = t.id
            WHERE (\(partner?.value)::text IS NULL OR p.slug = \(partner?.value))
              AND (\(tenant?.value)::text IS NULL OR t.slug = \(tenant?.value))
            ORDER BY t.slug, l.at, l.id
            """)
        var tenants: [BilledTenant] = []
        for row in rows {
            let slug = try row.decode("slug", as: String.self)
            if tenants.last?.id != slug {
                tenants.append(BilledTenant(id: slug, name: try row.decode("legal_name", as: String.self), lifecycle: []))
            }
            guard let kindText = try row.decode("kind", as: String?.self) else { continue }
            guard let kind = LifecycleEvent.Kind(rawValue: kindText) else {
                throw MeteringError(
                    code: "invalid_lifecycle", message: "tenant '\(slug)' has an unknown lifecycle event", httpStatus: 500)
            }
            tenants[tenants.count - 1].lifecycle.append(LifecycleEvent(kind, at: try row.decode("at", as: Date.self)))
        }
        return tenants
    }

    /// Daily counts of every billed meter for `tenants` over `first ... last`: one row per tenant, day and meter.
    public func usage(of tenants: [String], from first: UTCDay, through last: UTCDay) async throws -> [DailyUsage] {
        guard !tenants.isEmpty else { return [] }
        let statuses = try await pool.query(
            "SELECT id, slug, status FROM control.tenants WHERE slug = ANY(\(tenants)::text[]) ORDER BY slug")
        var usage: [DailyUsage] = []
        for row in statuses {
            let slug = try Slug(try row.decode("slug", as: String.self))
            let status = try row.decode("status", as: String.self)
            let rows: PostgresRows
            if status == TenantStatus.deleting.rawValue || status == TenantStatus.deleted.rawValue {
                rows = try await pool.query(
                    """
                    SELECT day::text AS day, metric, quantity AS quantity FROM control.archived_usage
                    WHERE tenant_id = \(try row.decode("id", as: UUID.self))
                      AND day BETWEEN \(first.description)::date AND \(last.description)::date
                      AND metric = ANY(\(MeterMetric.billedNames)::text[])
                    """)
            } else {
                let schema = try SQLIdentifier(slug.tenantSchemaName)
                rows = try await pool.query(
                    """
                    SELECT day::text AS day, metric, sum(quantity)::bigint AS quantity
                    FROM \(identifier: schema, try SQLIdentifier("usage_counters"))
                    WHERE day BETWEEN \(first.description)::date AND \(last.description)::date
                      AND metric = ANY(\(MeterMetric.billedNames)::text[])
                    GROUP BY day, metric
                    """)
            }
            for usageRow in rows {
                guard let meter = MeterMetric.meter(named: try usageRow.decode("metric", as: String.self)) else { continue }
                usage.append(
                    DailyUsage(
                        tenant: slug.value, day: try Self.day(usageRow.decode("day", as: String.self)), meter: meter,
                        count: try usageRow.decode("quantity", as: Int64.self)))
            }
        }
        return usage
    }

    static func day(_ text: String) throws -> UTCDay {
        guard let day = UTCDay.parse(text) else {
            throw MeteringError(code: "invalid_day", message: "stored day '\(text)' is not a date", httpStatus: 500)
        }
        return day
    }
}
