import ControlPlane
import Foundation
import HTTP
import Rendering

/// Partner admins' brand: name, support contact and colours, with a preview
/// that needs no JavaScript — "Preview" posts the form back and the page
/// answers with the proposed brand applied to a sample of the portal and
/// the contrast checks' results; "Save" stores it through
/// ``TenantService/updateBrand(_:_:actor:)`` (audited there).
///
/// Colours reach the sample through `/brand-preview.css`, a stylesheet made
/// from the parsed colours and scoped to `.brand-preview`: the content
/// security policy allows no inline styles.
struct BrandPages: Sendable {
    let portal: Portal

    struct Proposal {
        var name: String
        var supportEmail: String
        var primary: String
        var accent: String
        /// Empty for none.
        var supportPhone: String = ""
        /// Empty for the default footer.
        var footer: String = ""

        var shownFooter: String { footer.isEmpty ? BrandDirectory.defaultFooter(name) : footer }
    }

    func show(_ request: PortalRequest) async throws -> HTTPResponse {
        let (_, partner) = try request.requirePartnerAdmin()
        let profile = try await service().partnerProfile(partner)
        var flash: [FlashMessage] = []
        if request.request.queryValue("saved") != nil {
            flash.append(FlashMessage(.success, "The brand is saved. Pages show it within a minute."))
        }
        let current = Proposal(
            name: profile.partner.displayName, supportEmail: profile.partner.supportEmail,
            primary: profile.primaryColor.description, accent: profile.accentColor.description,
            supportPhone: profile.supportPhone ?? "", footer: profile.footerText ?? "")
        return try page(request, partner: partner, proposal: current, showPreview: false, error: nil, status: .ok, flash: flash)
    }

    func submit(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, partner) = try request.requirePartnerAdmin()
        let form = try Portal.form(request.request)
        try request.requireCSRF(form)
        try CredentialPages.authorize(user.principal, .manageBrand(ofPartner: partner))
        let proposal = Proposal(
            name: (form["display_name"] ?? "").trimmingCharacters(in: .whitespaces),
            supportEmail: (form["support_email"] ?? "").trimmingCharacters(in: .whitespaces),
            primary: (form["primary_color"] ?? "").trimmingCharacters(in: .whitespaces).lowercased(),
            accent: (form["accent_color"] ?? "").trimmingCharacters(in: .whitespaces).lowercased(),
            supportPhone: (form["support_phone"] ?? "").trimmingCharacters(in: .whitespaces),
            footer: (form["footer_text"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
        guard form["action"] == "save" else {
            return try page(request, partner: partner, proposal: proposal, showPreview: true, error: nil, status: .ok)
        }
        // The portal refuses what it could not show readably, so nothing it would replace is stored.
        if case .failure(let problem) = Self.palette(proposal) {
            return try page(
                request, partner: partner, proposal: proposal, showPreview: true, error: problem.message,
                status: .unprocessableContent)
        }
        let parsed = Result { () throws(ControlPlaneError) -> BrandChanges in
            BrandChanges(
                displayName: proposal.name, supportEmail: proposal.supportEmail,
                primaryColor: try BrandColor(parsing: proposal.primary, field: "primary_color"),
                accentColor: try BrandColor(parsing: proposal.accent, field: "accent_color"),
                supportPhone: .some(proposal.supportPhone.isEmpty ? nil : proposal.supportPhone),
                footerText: .some(proposal.footer.isEmpty ? nil : proposal.footer))
        }
        guard case .success(let changes) = parsed else {
            return try page(
                request, partner: partner, proposal: proposal, showPreview: true, error: Self.message(parsed),
                status: .unprocessableContent)
        }
        do {
            _ = try await service().updateBrand(partner, changes, actor: user.principal.actor)
        } catch let error as ControlPlaneError where error.httpStatus < 500 {
            return try page(
                request, partner: partner, proposal: proposal, showPreview: true, error: error.message,
                status: HTTPStatus(code: error.httpStatus))
        }
        throw PortalRedirect(location: "/partner/brand?saved=1")
    }

    /// `/brand-preview.css?primary=1f4e79&accent=b35900`: the proposed colours,
    /// only inside `.brand-preview`. Every value written is a parsed colour.
    func previewStylesheet(_ request: HTTPRequest) async throws -> HTTPResponse {
        let primary = "#" + (request.queryValue("primary") ?? "")
        let accent = "#" + (request.queryValue("accent") ?? "")
        guard case .success(let palette) = Self.palette(Proposal(name: "", supportEmail: "", primary: primary, accent: accent))
        else {
            throw HTTPError(.notFound, code: "not_found", message: "no stylesheet for these colours")
        }
        let css = """
            .brand-preview {
              --brand-primary: \(palette.primary.hex);
              --brand-on-primary: \(palette.onPrimary.hex);
              --brand-accent: \(palette.accent.hex);
              --brand-on-accent: \(palette.onAccent.hex);
            }

            """
        return HTTPResponse(
            status: .ok, headers: ["Content-Type": BrandStylesheet.contentType, "Cache-Control": "public, max-age=3600"],
            body: Array(css.utf8))
    }

    private func page(
        _ request: PortalRequest, partner: Slug, proposal: Proposal, showPreview: Bool, error: String?, status: HTTPStatus,
        flash: [FlashMessage] = []
    ) throws -> HTTPResponse {
        let checks = Self.contrastChecks(proposal)
        let palette = try? Self.palette(proposal).get()
        var messages = flash
        if let error { messages.append(FlashMessage(.error, error)) }
        func field(
            _ name: String, _ label: String, _ value: String, hint: String? = nil, type: FormField.InputType = .text,
            required: Bool = true
        ) throws -> ViewValue {
            try FormField(name: name, label: label, type: type, value: value, isRequired: required, hint: hint, id: "brand-\(name)")
                .viewValue
        }
        return try portal.render(
            "brand", request, title: "Brand", status: status,
            page: [
                "name_field": try field("display_name", "Name shown to your clients", proposal.name),
                "email_field": try field("support_email", "Support e-mail address", proposal.supportEmail, type: .email),
                "phone_field": try field(
                    "support_phone", "Support telephone", proposal.supportPhone, hint: "Optional, e.g. +44 20 7946 0000.",
                    type: .tel, required: false),
                "footer_field": try field(
                    "footer_text", "Footer", proposal.footer,
                    hint: "Optional, up to 300 characters. Empty shows “\(BrandDirectory.defaultFooter(proposal.name))”.",
                    required: false),
                "primary_field": try field(
                    "primary_color", "Primary colour", proposal.primary,
                    hint: "Six-digit hex such as #1f4e79: header, buttons and links. Text on it must reach 4.5:1."),
                "accent_field": try field(
                    "accent_color", "Accent colour", proposal.accent,
                    hint: "Six-digit hex: focus rings and charts. It must reach 3:1 against the white page."),
                "show_preview": .bool(showPreview),
                "preview": [
                    "name": .string(proposal.name), "support_email": .string(proposal.supportEmail),
                    "footer": .string(proposal.shownFooter), "support_phone": .string(proposal.supportPhone),
                    "stylesheet_href": .string(
                        palette.map {
                            "/brand-preview.css?primary=\($0.primary.hex.dropFirst())&accent=\($0.accent.hex.dropFirst())"
                        } ?? ""),
                    "applied": .bool(palette != nil),
                ],
                "checks": .list(checks),
                "partner": .string(partner.value),
            ],
            flash: messages)
    }

    static func palette(_ proposal: Proposal) -> Result<BrandPalette, BrandError> {
        Result { () throws(BrandError) -> BrandPalette in
            try BrandPalette(primaryHex: proposal.primary, accentHex: proposal.accent)
        }
    }

    /// The two checks the portal applies, each with its ratio, so an admin sees how far off a colour is.
    static func contrastChecks(_ proposal: Proposal) -> [ViewValue] {
        func ratio(_ value: Double) -> String { String(format: "%.2f:1", value) }
        var checks: [ViewValue] = []
        if let primary = try? RGBColour(hex: proposal.primary, field: "primary") {
            let white = RGBColour.white.contrastRatio(with: primary)
            let dark = RGBColour.nearBlack.contrastRatio(with: primary)
            let best = max(white, dark)
            checks.append([
                "label": "Text on the primary colour",
                "result": .string("\(white >= dark ? "white" : "near-black") text reaches \(ratio(best)); 4.5:1 is needed"),
                "passed": .bool(best >= BrandPalette.minimumTextContrast),
            ])
        } else {
            checks.append(["label": "Primary colour", "result": "not a six-digit hex colour such as #1f4e79", "passed": false])
        }
        if let accent = try? RGBColour(hex: proposal.accent, field: "accent") {
            let against = accent.contrastRatio(with: BrandPalette.pageBackground)
            checks.append([
                "label": "Accent against the white page",
                "result": .string("\(ratio(against)); 3:1 is needed"),
                "passed": .bool(against >= BrandPalette.minimumComponentContrast),
            ])
        } else {
            checks.append(["label": "Accent colour", "result": "not a six-digit hex colour such as #b35900", "passed": false])
        }
        return checks
    }

    private func service() throws -> TenantService {
        guard let service = portal.dependencies.service else {
            throw PortalError(status: 503, code: "brand_unavailable", message: "Brand settings are not available on this server.")
        }
        return service
    }

    private static func message<T>(_ result: Result<T, ControlPlaneError>) -> String {
        if case .failure(let error) = result { return error.message }
        return ""
    }
}
