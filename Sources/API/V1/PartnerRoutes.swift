import ControlPlane
import Foundation
import HTTP
import Telemetry

/// `/v1/partners`: partners and their brand (name, colours, support e-mail,
/// custom domains, logo).
///
/// The provider sees and creates partners; a partner sees and brands itself
/// only — another partner answers 404 as if it did not exist; tenants see no
/// partner. Each handler asks ``Authorization`` once, before it reads the
/// body, so that a body error never confirms that another partner exists.
/// Logos are served with their own type, `nosniff`, and for SVG a
/// Content-Security-Policy that forbids scripts and every external load,
/// a second line behind ``ControlPlane/SVGLogoCheck``.
public struct PartnerRoutes: Sendable {
    let service: TenantService
    let authorization: Authorization
    let limits: PageParameters.Limits

    public init(service: TenantService, logger: Logger) {
        self.service = service
        self.authorization = Authorization(logger: logger)
        self.limits = PageParameters.Limits()
    }

    /// What an SVG logo may do when opened directly: draw, with inline styles, nothing else.
    static let svgContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'"

    // MARK: Bodies

    struct CreatePartnerBody: Decodable {
        let slug: String
        let kind: String
        let displayName: String
        let supportEmail: String
        let primaryColor: String?
        let accentColor: String?
        let domains: [String]?

        enum CodingKeys: String, CodingKey {
            case slug, kind, domains
            case displayName = "display_name"
            case supportEmail = "support_email"
            case primaryColor = "primary_color"
            case accentColor = "accent_color"
        }
    }

    struct UpdatePartnerBody: Decodable {
        let displayName: String?
        let supportEmail: String?
        let primaryColor: String?
        let accentColor: String?
        let domains: [String]?
        /// Absent leaves the value; `null` removes it.
        let supportPhone: String??
        let footerText: String??

        enum CodingKeys: String, CodingKey {
            case domains
            case displayName = "display_name"
            case supportEmail = "support_email"
            case primaryColor = "primary_color"
            case accentColor = "accent_color"
            case supportPhone = "support_phone"
            case footerText = "footer_text"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            displayName = try container.decodeIfPresent(String.self, forKey: .displayName)
            supportEmail = try container.decodeIfPresent(String.self, forKey: .supportEmail)
            primaryColor = try container.decodeIfPresent(String.self, forKey: .primaryColor)
            accentColor = try container.decodeIfPresent(String.self, forKey: .accentColor)
            domains = try container.decodeIfPresent([String].self, forKey: .domains)
            func clearable(_ key: CodingKeys) throws -> String?? {
                guard container.contains(key) else { return nil }
                return .some(try container.decodeNil(forKey: key) ? nil : try container.decode(String.self, forKey: key))
            }
            supportPhone = try clearable(.supportPhone)
            footerText = try clearable(.footerText)
        }
    }

    struct PartnerBody: Encodable {
        let profile: PartnerProfile

        enum CodingKeys: String, CodingKey {
            case id, slug, kind, domains, logo
            case displayName = "display_name"
            case supportEmail = "support_email"
            case primaryColor = "primary_color"
            case accentColor = "accent_color"
            case textColor = "text_color"
            case createdAt = "created_at"
            case supportPhone = "support_phone"
            case footerText = "footer_text"
        }

        enum LogoKeys: String, CodingKey {
            case contentType = "content_type"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(profile.partner.id.uuidString.lowercased(), forKey: .id)
            try container.encode(profile.partner.slug.value, forKey: .slug)
            try container.encode(profile.partner.kind.rawValue, forKey: .kind)
            try container.encode(profile.partner.displayName, forKey: .displayName)
            try container.encode(profile.partner.supportEmail, forKey: .supportEmail)
            try container.encode(profile.primaryColor.description, forKey: .primaryColor)
            try container.encode(profile.accentColor.description, forKey: .accentColor)
            try container.encode(profile.primaryColor.textColor.description, forKey: .textColor)
            try container.encode(profile.domains, forKey: .domains)
            try container.encode(profile.createdAt, forKey: .createdAt)
            try container.encode(profile.supportPhone, forKey: .supportPhone)
            try container.encode(profile.footerText, forKey: .footerText)
            if let format = profile.logoFormat {
                var logo = container.nestedContainer(keyedBy: LogoKeys.self, forKey: .logo)
                try logo.encode(format.rawValue, forKey: .contentType)
            } else {
                try container.encodeNil(forKey: .logo)
            }
        }
    }

    // MARK: Routes

    public func register(on routes: inout some RouteRegistrar) throws {
        try routes.get("/partners") { request in
            let principal = try request.principal()
            try authorization.require(.listPartners, by: principal, for: request, notFound: HTTPError.notFound())
            let page = try PageParameters(request, list: "partners", limits: limits)
            let only: Slug?
            switch principal.organization {
            case .provider: only = nil
            case .partner(let mine): only = mine
            case .tenant: throw HTTPError.notFound()
            }
            let (profiles, next) = try await service.listPartners(only: only, after: page.cursor, limit: page.limit)
            return try .json(ListPage(data: profiles.map(PartnerBody.init), nextCursor: next?.token))
        }
        try routes.post("/partners") { request in
            let principal = try request.principal()
            try authorization.require(.createPartner, by: principal, for: request, notFound: HTTPError.notFound())
            let body = try request.decodeJSON(CreatePartnerBody.self)
            guard let kind = PartnerKind(rawValue: body.kind) else {
                throw ControlPlaneError.invalid("invalid_kind", "kind is msp, erp_partner or si", field: "kind")
            }
            let new = NewPartner(
                slug: try Slug(body.slug), kind: kind, displayName: body.displayName, supportEmail: body.supportEmail,
                primaryColor: try body.primaryColor.map { try BrandColor(parsing: $0, field: "primary_color") },
                accentColor: try body.accentColor.map { try BrandColor(parsing: $0, field: "accent_color") },
                domains: body.domains ?? [])
            let profile = try await service.createPartner(new, actor: principal.actor)
            return try .json(PartnerBody(profile: profile), status: .created)
        }
        try routes.get("/partners/:partner") { request in
            let (principal, partner) = try principalAndPartner(request)
            try authorization.require(
                .readPartner(partner), by: principal, for: request,
                notFound: ControlPlaneError.partnerNotFound(partner.value))
            return try .json(PartnerBody(profile: try await service.partnerProfile(partner)))
        }
        try routes.patch("/partners/:partner") { request in
            let (principal, partner) = try principalAndPartner(request)
            try authorization.require(
                .manageBrand(ofPartner: partner), by: principal, for: request,
                notFound: ControlPlaneError.partnerNotFound(partner.value))
            let body = try request.decodeJSON(UpdatePartnerBody.self)
            let changes = BrandChanges(
                displayName: body.displayName, supportEmail: body.supportEmail,
                primaryColor: try body.primaryColor.map { try BrandColor(parsing: $0, field: "primary_color") },
                accentColor: try body.accentColor.map { try BrandColor(parsing: $0, field: "accent_color") },
                domains: body.domains, supportPhone: body.supportPhone, footerText: body.footerText)
            let profile = try await service.updateBrand(partner, changes, actor: principal.actor)
            return try .json(PartnerBody(profile: profile))
        }
        try routes.put("/partners/:partner/logo") { request in
            let (principal, partner) = try principalAndPartner(request)
            try authorization.require(
                .manageBrand(ofPartner: partner), by: principal, for: request,
                notFound: ControlPlaneError.partnerNotFound(partner.value))
            let logo = try PartnerLogo(contentType: request.headers["Content-Type"], bytes: request.body)
            let profile = try await service.setLogo(partner, logo, actor: principal.actor)
            return try .json(PartnerBody(profile: profile))
        }
        try routes.get("/partners/:partner/logo") { request in
            let (principal, partner) = try principalAndPartner(request)
            try authorization.require(
                .readPartner(partner), by: principal, for: request,
                notFound: ControlPlaneError.partnerNotFound(partner.value))
            guard let logo = try await service.logo(of: partner) else {
                throw ControlPlaneError(
                    code: "logo_not_found", message: "the partner has no logo", httpStatus: 404, field: "logo")
            }
            var headers: HTTPHeaders = [
                "Content-Type": logo.contentType, "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, no-cache",
            ]
            if logo.format == .svg {
                headers.set("Content-Security-Policy", Self.svgContentSecurityPolicy)
            }
            return HTTPResponse(status: .ok, headers: headers, body: logo.bytes)
        }
    }

    /// The caller and the partner named in the path; a malformed slug is 404 like a missing partner.
    private func principalAndPartner(_ request: HTTPRequest) throws -> (Principal, Slug) {
        let principal = try request.principal()
        do {
            return (principal, try Slug(try request.parameter("partner")))
        } catch let error as SlugError {
            throw HTTPError(.notFound, code: "not_found", message: error.message, field: "partner")
        }
    }
}
