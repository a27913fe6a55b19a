import ControlPlane
import Foundation
import Postgres
import Rendering
import Synchronization

/// Partners' brands for the portal: found by the request's `Host` (custom
/// domains), by an explicit partner (the `/p/<partner>/login` prefix, or the
/// signed-in user's partner), or the provider's own brand.
///
/// Brands change rarely and every page needs one, so they are cached for
/// `lifetime`; a brand edit shows within that time.
public final class BrandDirectory: Sendable {
    public struct Brand: Sendable {
        public let portal: PortalBrand
        public let palette: BrandPalette
    }

    private let pool: PostgresPool
    private let lifetime: TimeInterval
    private let cache = Mutex<[String: (brand: Brand?, loadedAt: Date)]>([:])
    private let domains = Mutex<(map: [String: String], loadedAt: Date)?>(nil)
    /// The provider's brand, for provider staff and unbranded sign-in.
    public let provider: Brand

    public init(pool: PostgresPool, provider: Brand, lifetime: TimeInterval = 30) {
        self.pool = pool
        self.provider = provider
        self.lifetime = lifetime
    }

    public static func defaultProvider() throws -> Brand {
        Brand(
            portal: try PortalBrand(
                name: "Countersign", partner: "countersign", supportEmail: "support@countersign.example",
                footerText: "Countersign — finance and warehouse controls."),
            palette: try BrandPalette(primaryHex: "#1f4e79", accentHex: "#b35c00"))
    }

    /// The partner brand a custom domain belongs to, if any.
    public func partner(forHost host: String) async throws -> String? {
        let name = host.split(separator: ":").first.map { $0.lowercased() } ?? ""
        let now = Date()
        if let cached = domains.withLock({ $0 }), now.timeIntervalSince(cached.loadedAt) < lifetime {
            return cached.map[name]
        }
        let rows = try await pool.query(
            "SELECT d.domain, p.slug FROM control.partner_domains d JOIN control.partners p ON p.id = d.partner_id")
        var map: [String: String] = [:]
        for row in rows { map[try row.decode("domain", as: String.self)] = try row.decode("slug", as: String.self) }
        domains.withLock { $0 = (map, now) }
        return map[name]
    }

    /// The footer of a partner that wrote none of its own.
    static func defaultFooter(_ name: String) -> String { "\(name) — finance and warehouse controls." }

    /// A partner's brand, or nil when there is no such partner.
    public func brand(partner slug: String) async throws -> Brand? {
        let now = Date()
        if let cached = cache.withLock({ $0[slug] }), now.timeIntervalSince(cached.loadedAt) < lifetime {
            return cached.brand
        }
        let rows = try await pool.query(
            """
            SELECT slug, display_name, support_email, support_phone, footer_text, primary_color, accent_color,
                   (logo_svg IS NOT NULL OR logo_image IS NOT NULL) AS has_logo
            FROM control.partners WHERE slug = \(slug)
            """)
        var brand: Brand?
        if let row = rows.first {
            let name = try row.decode("display_name", as: String.self)
            let primary = try row.decode("primary_color", as: String.self)
            let accent = try row.decode("accent_color", as: String.self)
            // An accent too light for the white page (a brand stored before
            // contrast was checked) gives way to the primary colour; a primary
            // no text is readable on gives way to the provider's palette.
            let palette =
                (try? BrandPalette(primaryHex: primary, accentHex: accent))
                ?? (try? BrandPalette(primaryHex: primary, accentHex: primary))
                ?? provider.palette
            brand = Brand(
                portal: try PortalBrand(
                    name: name, partner: slug,
                    logoSource: try row.decode("has_logo", as: Bool.self) ? "/brand/\(slug)/logo" : nil,
                    supportEmail: try row.decode("support_email", as: String.self),
                    supportPhone: try row.decode("support_phone", as: String?.self),
                    footerText: try row.decode("footer_text", as: String?.self) ?? Self.defaultFooter(name)),
                palette: palette)
        }
        cache.withLock { $0[slug] = (brand, now) }
        return brand
    }
}
