import Foundation
import Postgres

extension TenantService {
    /// Brings a partner's profile and brand to the given values; returns whether anything changed.
    public func updatePartner(
        _ slug: Slug, kind: PartnerKind, displayName: String, supportEmail: String, primaryColor: String?,
        accentColor: String?, domains: [String], actor: String
    ) async throws -> Bool {
        do {
            return try await pool.withTransaction { tx in
                let rows = try await tx.query(
                    """
                    SELECT id, kind, display_name, support_email, primary_color, accent_color,
                           ARRAY(SELECT domain FROM control.partner_domains d WHERE d.partner_id = p.id ORDER BY domain) AS domains
                    FROM control.partners p WHERE slug = \(slug.value) FOR UPDATE
                    """)
                guard let row = rows.first else { throw ControlPlaneError.partnerNotFound(slug.value) }
                let id = try row.decode("id", as: UUID.self)
                var details: [String: String] = [:]
                func compare(_ name: String, _ current: String, _ wanted: String?) {
                    guard let wanted, wanted != current else { return }
                    details["\(name).before"] = current
                    details["\(name).after"] = wanted
                }
                compare("kind", try row.decode("kind"), kind.rawValue)
                compare("display_name", try row.decode("display_name"), displayName)
                compare("support_email", try row.decode("support_email"), supportEmail)
                compare("primary_color", try row.decode("primary_color"), primaryColor)
                compare("accent_color", try row.decode("accent_color"), accentColor)
                let currentDomains = try row.decode("domains", as: [String].self)
                let wantedDomains = Set(domains.map { $0.lowercased() }).sorted()
                if currentDomains != wantedDomains {
                    details["domains.before"] = currentDomains.joined(separator: " ")
                    details["domains.after"] = wantedDomains.joined(separator: " ")
                }
                guard !details.isEmpty else { return false }
                try await tx.query(
                    """
                    UPDATE control.partners
                    SET kind = \(kind.rawValue), display_name = \(displayName), support_email = \(supportEmail),
                        primary_color = coalesce(\(primaryColor), primary_color),
                        accent_color = coalesce(\(accentColor), accent_color)
                    WHERE id = \(id)
                    """)
                try await tx.query("DELETE FROM control.partner_domains WHERE partner_id = \(id)")
                for domain in wantedDomains {
                    try await tx.query("INSERT INTO control.partner_domains (domain, partner_id) VALUES (\(domain), \(id))")
                }
                try await AuditLog.control().append(
                    AuditEntry(actor: actor, action: "partner.updated", subject: "partner:\(slug)", details: details), on: tx)
                return true
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw ControlPlaneError.conflict(
                "domain_taken", "one of the domains already belongs to another partner", field: "brand.domains")
        } catch let error as PostgresError where error.sqlState == .checkViolation {
            throw ControlPlaneError.invalid(
                "invalid_partner", "a colour (#rrggbb, lowercase), domain or e-mail is not valid", field: error.constraint)
        }
    }

    /// Updates a tenant's legal name and plan; returns whether anything changed.
    public func updateTenant(_ slug: Slug, legalName: String, plan: String?, actor: String) async throws -> Bool {
        try await pool.withTransaction { tx in
            let rows = try await tx.query(
                "SELECT legal_name, plan FROM control.tenants WHERE slug = \(slug.value) FOR UPDATE")
            guard let row = rows.first else { throw ControlPlaneError.tenantNotFound(slug.value) }
            let currentName = try row.decode("legal_name", as: String.self)
            let currentPlan = try row.decode("plan", as: String?.self)
            guard currentName != legalName || currentPlan != plan else { return false }
            try await tx.query(
                "UPDATE control.tenants SET legal_name = \(legalName), plan = \(plan) WHERE slug = \(slug.value)")
            try await AuditLog.control().append(
                AuditEntry(
                    actor: actor, action: "tenant.updated", subject: "tenant:\(slug)",
                    details: [
                        "legal_name.before": currentName, "legal_name.after": legalName,
                        "plan.before": currentPlan ?? "", "plan.after": plan ?? "",
                    ]), on: tx)
            return true
        }
    }

    /// Creates or updates a tenant user (no password: users set theirs through the portal).
    public func upsertTenantUser(
        tenant: Slug, email: String, displayName: String, roles: [String], approvalLimit: (amount: String, currency: String)?,
        actor: String
    ) async throws -> ManifestApplier.Outcome {
        let limitMinor = try approvalLimit.map { try MinorUnits.parse($0.amount, currency: $0.currency) }
        return try await pool.withTransaction { tx in
            let tenantRows = try await tx.query("SELECT id FROM control.tenants WHERE slug = \(tenant.value)")
            guard let tenantID = try tenantRows.first?.decode("id", as: UUID.self) else {
                throw ControlPlaneError.tenantNotFound(tenant.value)
            }
            let existing = try await tx.query(
                """
                SELECT tenant_id, display_name, roles, approval_limit_minor, approval_currency
                FROM control.users WHERE email = \(email) FOR UPDATE
                """)
            if let row = existing.first {
                guard try row.decode("tenant_id", as: UUID?.self) == tenantID else {
                    throw ControlPlaneError.conflict("user_exists", "user \(email) belongs to another organisation", field: "email")
                }
                let same =
                    try row.decode("display_name", as: String.self) == displayName
                    && (try row.decode("roles", as: [String].self)).sorted() == roles
                    && (try row.decode("approval_limit_minor", as: Int?.self)) == limitMinor
                    && (try row.decode("approval_currency", as: String?.self)) == approvalLimit?.currency
                if same { return .unchanged }
                try await tx.query(
                    """
                    UPDATE control.users SET display_name = \(displayName), roles = \(roles),
                        approval_limit_minor = \(limitMinor), approval_currency = \(approvalLimit?.currency)
                    WHERE email = \(email)
                    """)
                try await AuditLog.control().append(
                    AuditEntry(actor: actor, action: "user.updated", subject: "user:\(email)",
                               details: ["roles": roles.joined(separator: ","), "tenant": tenant.value]), on: tx)
                return .changed
            }
            try await tx.query(
                """
                INSERT INTO control.users (scope, tenant_id, email, display_name, roles, approval_limit_minor, approval_currency)
                VALUES ('tenant', \(tenantID), \(email), \(displayName), \(roles), \(limitMinor), \(approvalLimit?.currency))
                """)
            try await AuditLog.control().append(
                AuditEntry(actor: actor, action: "user.created", subject: "user:\(email)",
                           details: ["roles": roles.joined(separator: ","), "tenant": tenant.value]), on: tx)
            return .created
        }
    }
}

/// Decimal amounts to integer minor units of an ISO 4217 currency. Amounts
/// with more decimals than the currency has are refused rather than rounded:
/// a configured limit must mean exactly what was written.
public enum MinorUnits {
    /// Currencies whose minor unit is not 1/100 (ISO 4217); every other code has two decimals.
    static let exponents: [String: Int] = [
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
        "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
        "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    ]

    public static func exponent(of currency: String) -> Int { exponents[currency] ?? 2 }

    public static func parse(_ amount: String, currency: String) throws -> Int {
        let exponent = exponent(of: currency)
        let parts = amount.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = parts.first, !whole.isEmpty,
            whole.allSatisfy({ $0.isASCII && $0.isNumber }),
            parts.count == 1 || (!parts[1].isEmpty && parts[1].allSatisfy({ $0.isASCII && $0.isNumber }))
        else {
            throw ControlPlaneError.invalid("invalid_amount", "amount '\(amount.prefix(30))' is not a non-negative decimal", field: "amount")
        }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= exponent else {
            throw ControlPlaneError.invalid(
                "invalid_amount", "\(currency) amounts have at most \(exponent) decimals", field: "amount")
        }
        let padded = fraction + String(repeating: "0", count: exponent - fraction.count)
        guard let value = Int(String(whole) + padded) else {
            throw ControlPlaneError.invalid("invalid_amount", "amount is too large", field: "amount")
        }
        return value
    }
}
