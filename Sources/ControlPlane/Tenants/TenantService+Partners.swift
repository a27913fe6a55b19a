import Cryptography
import Foundation
import Postgres

/// Partners as the partner API manages them: listing, creation with a brand,
/// brand updates and logos. Each change and its audit entry (before/after
/// values, never secrets) commit in one transaction.
extension TenantService {
    /// Partners in slug order, a page at a time.
    ///
    /// - Parameters:
    ///   - only: restricts the list to this partner (what a partner may see of the list).
    ///   - cursor: continues after a previous page; nil starts at the first slug.
    /// - Returns: the page and the cursor of the next one, nil on the last page.
    public func listPartners(only: Slug? = nil, after cursor: ListCursor? = nil, limit: Int) async throws
        -> (profiles: [PartnerProfile], next: ListCursor?)
    {
        let rows = try await pool.query(
            """
            \(fragment: Self.profileSelect)
            WHERE (\(only?.value)::text IS NULL OR p.slug = \(only?.value))
              AND (\(cursor?.after)::text IS NULL OR p.slug > \(cursor?.after))
            ORDER BY p.slug
            LIMIT \(limit + 1)
            """)
        let profiles = try rows.prefix(limit).map(Self.profile)
        let next =
            rows.count > limit ? profiles.last.map { ListCursor(list: "partners", after: $0.partner.slug.value) } : nil
        return (profiles, next)
    }

    /// One partner with its brand; `partner_not_found` (404) when there is none.
    public func partnerProfile(_ slug: Slug) async throws -> PartnerProfile {
        let rows = try await pool.query("\(fragment: Self.profileSelect) WHERE p.slug = \(slug.value)")
        guard let row = rows.first else { throw ControlPlaneError.partnerNotFound(slug.value) }
        return try Self.profile(row)
    }

    /// Creates a partner with its brand in one transaction.
    ///
    /// - Throws: `partner_exists` or `domain_taken` (409); `invalid_*` or
    ///   `insufficient_contrast` (422) for a field that is not valid.
    public func createPartner(_ new: NewPartner, actor: String) async throws -> PartnerProfile {
        try BrandRules.checkDisplayName(new.displayName)
        try BrandRules.checkSupportEmail(new.supportEmail)
        if let primary = new.primaryColor { try BrandRules.checkPrimary(primary) }
        let domains = try BrandRules.normalizedDomains(new.domains)
        do {
            try await pool.withTransaction { tx in
                let rows = try await tx.query(
                    """
                    INSERT INTO control.partners (slug, kind, display_name, support_email, primary_color, accent_color)
                    VALUES (\(new.slug.value), \(new.kind.rawValue), \(new.displayName), \(new.supportEmail),
                            coalesce(\(new.primaryColor?.description), '#1f4e79'),
                            coalesce(\(new.accentColor?.description), '#f2a900'))
                    RETURNING id, primary_color, accent_color
                    """)
                let id = try rows[0].decode("id", as: UUID.self)
                for domain in domains {
                    try await tx.query(
                        "INSERT INTO control.partner_domains (domain, partner_id) VALUES (\(domain), \(id))")
                }
                try await AuditLog.control().append(
                    AuditEntry(
                        actor: actor, action: "partner.created", subject: "partner:\(new.slug)",
                        details: [
                            "kind": new.kind.rawValue, "display_name": new.displayName,
                            "support_email": new.supportEmail, "primary_color": try rows[0].decode("primary_color"),
                            "accent_color": try rows[0].decode("accent_color"),
                            "domains": domains.joined(separator: " "),
                        ]), on: tx)
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            if error.constraint == "partner_domains_pkey" {
                throw ControlPlaneError.conflict(
                    "domain_taken", "one of the domains already belongs to another partner", field: "domains")
            }
            throw ControlPlaneError.conflict("partner_exists", "a partner '\(new.slug)' already exists", field: "slug")
        }
        return try await partnerProfile(new.slug)
    }

    /// Applies the fields `changes` sets; unchanged values write nothing.
    ///
    /// - Throws: `partner_not_found` (404), `domain_taken` (409), `invalid_*`
    ///   or `insufficient_contrast` (422).
    public func updateBrand(_ slug: Slug, _ changes: BrandChanges, actor: String) async throws -> PartnerProfile {
        if let name = changes.displayName { try BrandRules.checkDisplayName(name) }
        if let email = changes.supportEmail { try BrandRules.checkSupportEmail(email) }
        if let primary = changes.primaryColor { try BrandRules.checkPrimary(primary) }
        if case .some(.some(let phone)) = changes.supportPhone { try BrandRules.checkSupportPhone(phone) }
        if case .some(.some(let footer)) = changes.footerText { try BrandRules.checkFooter(footer) }
        let domains = try changes.domains.map { try BrandRules.normalizedDomains($0) }
        do {
            try await pool.withTransaction { tx in
                let rows = try await tx.query(
                    "\(fragment: Self.profileSelect) WHERE p.slug = \(slug.value) FOR UPDATE OF p")
                guard let row = rows.first else { throw ControlPlaneError.partnerNotFound(slug.value) }
                let current = try Self.profile(row)
                var details: [String: String] = [:]
                func compare(_ name: String, _ before: String, _ after: String?) {
                    guard let after, after != before else { return }
                    details["\(name).before"] = before
                    details["\(name).after"] = after
                }
                compare("display_name", current.partner.displayName, changes.displayName)
                compare("support_email", current.partner.supportEmail, changes.supportEmail)
                compare("primary_color", current.primaryColor.description, changes.primaryColor?.description)
                compare("accent_color", current.accentColor.description, changes.accentColor?.description)
                compare("domains", current.domains.joined(separator: " "), domains?.joined(separator: " "))
                compare("support_phone", current.supportPhone ?? "none", changes.supportPhone.map { $0 ?? "none" })
                compare("footer_text", current.footerText ?? "default", changes.footerText.map { $0 ?? "default" })
                guard !details.isEmpty else { return }
                try await tx.query(
                    """
                    UPDATE control.partners
                    SET display_name = coalesce(\(changes.displayName), display_name),
                        support_email = coalesce(\(changes.supportEmail), support_email),
                        primary_color = coalesce(\(changes.primaryColor?.description), primary_color),
                        accent_color = coalesce(\(changes.accentColor?.description), accent_color),
                        support_phone = CASE WHEN \(changes.supportPhone != nil) THEN \(changes.supportPhone ?? nil)
                                             ELSE support_phone END,
                        footer_text = CASE WHEN \(changes.footerText != nil) THEN \(changes.footerText ?? nil)
                                           ELSE footer_text END
                    WHERE id = \(current.partner.id)
                    """)
                if let domains, domains != current.domains {
                    try await tx.query("DELETE FROM control.partner_domains WHERE partner_id = \(current.partner.id)")
                    for domain in domains {
                        try await tx.query(
                            "INSERT INTO control.partner_domains (domain, partner_id) VALUES (\(domain), \(current.partner.id))"
                        )
                    }
                }
                try await AuditLog.control().append(
                    AuditEntry(actor: actor, action: "partner.updated", subject: "partner:\(slug)", details: details),
                    on: tx)
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw ControlPlaneError.conflict(
                "domain_taken", "one of the domains already belongs to another partner", field: "domains")
        }
        return try await partnerProfile(slug)
    }

    /// Replaces the partner's logo. The audit entry names the type, size and
    /// SHA-256 of the old and new logo, so a change can be traced to a file.
    public func setLogo(_ slug: Slug, _ logo: PartnerLogo, actor: String) async throws -> PartnerProfile {
        let digest = try SHA256.hash(data: logo.bytes).bytes
        let svg: String? = logo.format == .svg ? String(decoding: logo.bytes, as: UTF8.self) : nil
        let image: ByteA? = logo.format == .svg ? nil : ByteA(logo.bytes)
        let imageType: String? = logo.format == .svg ? nil : logo.contentType
        try await pool.withTransaction { tx in
            let rows = try await tx.query(
                """
                SELECT id, CASE WHEN logo_svg IS NOT NULL THEN 'image/svg+xml' ELSE logo_content_type END AS logo_type,
                       encode(sha256(coalesce(convert_to(logo_svg, 'UTF8'), logo_image)), 'hex') AS logo_sha256
                FROM control.partners WHERE slug = \(slug.value) FOR UPDATE
                """)
            guard let row = rows.first else { throw ControlPlaneError.partnerNotFound(slug.value) }
            try await tx.query(
                """
                UPDATE control.partners SET logo_svg = \(svg), logo_image = \(image), logo_content_type = \(imageType)
                WHERE id = \(try row.decode("id", as: UUID.self))
                """)
            try await AuditLog.control().append(
                AuditEntry(
                    actor: actor, action: "partner.logo_changed", subject: "partner:\(slug)",
                    details: [
                        "logo.before": try row.decode("logo_type", as: String?.self) ?? "none",
                        "logo_sha256.before": try row.decode("logo_sha256", as: String?.self) ?? "",
                        "logo.after": logo.contentType, "logo_sha256.after": Hex.encode(digest),
                        "bytes": String(logo.bytes.count),
                    ]), on: tx)
        }
        return try await partnerProfile(slug)
    }

    /// The partner's logo, nil when it has none; `partner_not_found` (404) when there is no such partner.
    public func logo(of slug: Slug) async throws -> PartnerLogo? {
        let rows = try await pool.query(
            "SELECT logo_svg, logo_image, logo_content_type FROM control.partners WHERE slug = \(slug.value)")
        guard let row = rows.first else { throw ControlPlaneError.partnerNotFound(slug.value) }
        if let svg = try row.decode("logo_svg", as: String?.self) {
            return PartnerLogo(stored: .svg, bytes: Array(svg.utf8))
        }
        guard let image = try row.decode("logo_image", as: ByteA?.self),
            let format = PartnerLogo.Format(rawValue: try row.decode("logo_content_type", as: String?.self) ?? "")
        else { return nil }
        return PartnerLogo(stored: format, bytes: image.bytes)
    }

    private static let profileSelect: StaticString = """
        SELECT p.id, p.slug, p.kind, p.display_name, p.support_email, p.primary_color, p.accent_color, p.created_at,
               p.support_phone, p.footer_text,
               CASE WHEN p.logo_svg IS NOT NULL THEN 'image/svg+xml' ELSE p.logo_content_type END AS logo_type,
               ARRAY(SELECT domain FROM control.partner_domains d WHERE d.partner_id = p.id ORDER BY domain) AS domains
        FROM control.partners p
        """

    private static func profile(_ row: PostgresRow) throws -> PartnerProfile {
        let slug = try Slug(try row.decode("slug", as: String.self))
        guard let kind = PartnerKind(rawValue: try row.decode("kind")) else {
            throw ControlPlaneError.invalid("invalid_partner", "partner '\(slug)' has an unknown kind")
        }
        return PartnerProfile(
            partner: Partner(
                id: try row.decode("id"), slug: slug, kind: kind, displayName: try row.decode("display_name"),
                supportEmail: try row.decode("support_email")),
            primaryColor: try BrandColor(parsing: try row.decode("primary_color"), field: "primary_color"),
            accentColor: try BrandColor(parsing: try row.decode("accent_color"), field: "accent_color"),
            domains: try row.decode("domains"),
            logoFormat: try row.decode("logo_type", as: String?.self).flatMap(PartnerLogo.Format.init(rawValue:)),
            createdAt: try row.decode("created_at"), supportPhone: try row.decode("support_phone", as: String?.self),
            footerText: try row.decode("footer_text", as: String?.self))
    }
}
