import ControlPlane
import Foundation
import Testing

@Suite("brand colours: WCAG contrast")
struct BrandColorTests {
    @Test(
        "relative luminance and contrast match WCAG reference values",
        arguments: [
            ("#000000", "#ffffff", 21.0),
            ("#767676", "#ffffff", 4.54),
            ("#777777", "#ffffff", 4.48),
            ("#1f4e79", "#ffffff", 8.66),
            ("#ffffff", "#ffffff", 1.0),
        ])
    func contrast(_ first: String, _ second: String, _ expected: Double) throws {
        let a = try BrandColor(parsing: first, field: "c"), b = try BrandColor(parsing: second, field: "c")
        #expect(abs(a.contrast(with: b) - expected) < 0.01, "\(first) on \(second): \(a.contrast(with: b))")
        #expect(a.contrast(with: b) == b.contrast(with: a))
    }

    @Test(
        "a primary colour needs white or near-black text at 4.5:1",
        arguments: [
            ("#1f4e79", true, "#ffffff"),
            ("#ffd700", true, "#111111"),
            ("#ffffff", true, "#111111"),
            ("#000000", true, "#ffffff"),
            ("#777777", false, "#ffffff"),
            ("#7a7a7a", false, "#111111"),
            ("#808080", true, "#111111"),
            ("#e0301e", true, "#ffffff"),
        ])
    func readableText(_ text: String, _ readable: Bool, _ textColor: String) throws {
        let color = try BrandColor(parsing: text, field: "primary_color")
        #expect(color.carriesReadableText == readable, "\(text)")
        #expect(color.textColor.description == textColor, "\(text)")
    }

    @Test("colours are #rrggbb, stored lowercase", arguments: ["#1F4E79", "#1f4e79"])
    func parsesEitherCase(_ text: String) throws {
        #expect(try BrandColor(parsing: text, field: "c").description == "#1f4e79")
    }

    @Test(
        "anything else is invalid_color",
        arguments: ["1f4e79", "#1f4e7", "#1f4e799", "#gg0000", "#+1f4e7", "#-1f4e7", "", "blue"])
    func refusesOtherText(_ text: String) {
        #expect(
            throws: ControlPlaneError.invalid(
                "invalid_color", "a colour is written #rrggbb, for example #1f4e79", field: "accent_color")
        ) {
            try BrandColor(parsing: text, field: "accent_color")
        }
    }
}

@Suite("partner logos: SVG check and image types")
struct PartnerLogoTests {
    static let attacks: [(String, String)] = [
        ("script element", #"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#),
        ("namespaced script", #"<svg xmlns:s="http://www.w3.org/2000/svg"><s:script>alert(1)</s:script></svg>"#),
        ("upper-case SCRIPT", #"<svg><SCRIPT>alert(1)</SCRIPT></svg>"#),
        ("event handler", #"<svg onload="alert(1)"/>"#),
        ("event handler on a child", #"<svg><rect ONclick="alert(1)"/></svg>"#),
        ("javascript: link", #"<svg><a href="javascript:alert(1)"><rect/></a></svg>"#),
        ("entity-encoded javascript:", #"<svg><a href="jav&#x61;script&#58;alert(1)"><rect/></a></svg>"#),
        ("javascript: with a tab", "<svg><a href=\"java\tscript:alert(1)\"><rect/></a></svg>"),
        (
            "external xlink:href",
            #"<svg xmlns:xlink="http://www.w3.org/1999/xlink"><use xlink:href="https://evil.example/x.svg#a"/></svg>"#
        ),
        ("external href image", #"<svg><image href="https://evil.example/track.png"/></svg>"#),
        ("data: href", #"<svg><image href="data:image/svg+xml;base64,PHN2Zz4="/></svg>"#),
        (
            "foreignObject",
            #"<svg><foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject></svg>"#
        ),
        ("iframe", #"<svg><iframe src="https://evil.example"/></svg>"#),
        ("DOCTYPE with entities", #"<!DOCTYPE svg [<!ENTITY x "y">]><svg>&x;</svg>"#),
        ("undeclared entity", #"<svg><text>&x;</text></svg>"#),
        ("external CSS url()", #"<svg><rect style="fill:url(https://evil.example/a)"/></svg>"#),
        ("CSS @import", #"<svg><style>@import "https://evil.example/a.css";</style></svg>"#),
        (
            "url() in a CDATA style",
            #"<svg><style><![CDATA[rect { background: url('https://evil.example') }]]></style></svg>"#
        ),
        ("animated href", #"<svg><a><set attributeName="href" to="https://evil.example"/></a></svg>"#),
        ("animated handler", #"<svg><rect><set attributeName="onclick" to="x"/></rect></svg>"#),
        ("processing instruction", #"<svg><?xml-stylesheet href="https://evil.example/a.css"?></svg>"#),
        ("root is not svg", #"<html><body/></html>"#),
        ("unclosed element", #"<svg><g></svg>"#),
        ("text outside the root", #"<svg/><script>alert(1)</script>"#),
        ("unquoted attribute", #"<svg width=10/>"#),
        ("not UTF-8", "\u{FFFD}"),
        ("empty", ""),
    ]

    @Test("each attack is refused", arguments: attacks)
    func refusesAttack(_ name: String, _ svg: String) {
        let bytes: [UInt8] = name == "not UTF-8" ? [0x3C, 0x73, 0x76, 0x67, 0xFF, 0x3E] : Array(svg.utf8)
        #expect(throws: ControlPlaneError.self, "\(name)") {
            try PartnerLogo(contentType: "image/svg+xml", bytes: bytes)
        }
    }

    @Test("a clean SVG with fragment references, gradients, styles and comments is accepted")
    func acceptsCleanSVG() throws {
        let svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- Northwind logo -->
            <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 120 40">
              <defs>
                <linearGradient id="g"><stop offset="0" stop-color="#1f4e79"/><stop offset="1" stop-color="#f2a900"/></linearGradient>
                <path id="p" d="M0 0 L10 10"/>
              </defs>
              <style>.t { font: bold 12px sans-serif; fill: url(#g); }</style>
              <rect width="120" height="40" rx="4" fill="url(#g)" style="stroke: url( '#g' )"/>
              <use xlink:href="#p"/>
              <text x="8" y="26" class="t">Northwind &amp; Co &#8212; Ltd</text>
              <a href="#p"><circle cx="100" cy="20" r="8"/></a>
            </svg>
            """
        let logo = try PartnerLogo(contentType: "image/svg+xml; charset=utf-8", bytes: Array(svg.utf8))
        #expect(logo.format == .svg)
        #expect(logo.bytes == Array(svg.utf8))
    }

    @Test("an SVG over 100 KB is logo_too_large")
    func svgSizeLimit() {
        let padding = String(repeating: " ", count: 100 * 1024)
        let svg = "<svg>\(padding)</svg>"
        #expect(
            throws: ControlPlaneError(
                code: "logo_too_large", message: "a image/svg+xml logo is at most 100 KB", httpStatus: 413,
                field: "logo")
        ) {
            try PartnerLogo(contentType: "image/svg+xml", bytes: Array(svg.utf8))
        }
    }

    @Test(
        "images must carry their type's magic bytes",
        arguments: [
            ("image/png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0] as [UInt8], true),
            ("image/png", [0xFF, 0xD8, 0xFF, 0xE0] as [UInt8], false),
            ("image/jpeg", [0xFF, 0xD8, 0xFF, 0xE0] as [UInt8], true),
            ("image/jpeg", Array("<html>".utf8), false),
            ("image/webp", Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8), true),
            ("image/webp", Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVEfmt ".utf8), false),
            ("image/gif", Array("GIF89a".utf8), false),
            ("text/html", Array("<svg/>".utf8), false),
        ])
    func magicBytes(_ type: String, _ bytes: [UInt8], _ accepted: Bool) {
        #expect(((try? PartnerLogo(contentType: type, bytes: bytes)) != nil) == accepted, "\(type)")
    }
}

@Suite("users: roles, limits and who may manage them")
struct UserAccessTests {
    /// Slugs for the static argument table, where `try` cannot be handled; these literals are valid.
    static func slug(_ text: String) -> Slug {
        do { return try Slug(text) } catch { preconditionFailure("\(error)") }
    }

    static let partnerA = slug("pa")
    static let partnerB = slug("pb")
    static let tenantA = Principal.Organization.tenant(slug("acme"), partner: partnerA)
    static let tenantB = Principal.Organization.tenant(slug("other"), partner: partnerB)

    static func person(
        _ organization: Principal.Organization, _ roles: Set<String>, scopes: Set<String> = ["users:write"]
    ) -> Principal {
        Principal(
            organization: organization, scopes: scopes, roles: roles, actor: "user:x@example.com",
            user: .init(email: "x@example.com"))
    }

    static func key(_ organization: Principal.Organization, scopes: Set<String> = ["users:write"]) -> Principal {
        Principal(organization: organization, scopes: scopes, actor: "credential:cs_live_x")
    }

    /// nil: allowed; otherwise the kind of denial.
    static let table: [(String, Principal, AccessRequest, AccessPolicy.Denied.Kind?)] = [
        ("provider ops anywhere", person(.provider, ["provider_ops"]), .manageUsers(of: tenantB), nil),
        ("a provider user without ops", person(.provider, []), .manageUsers(of: .provider), .missingRole),
        (
            "partner admin, own partner", person(.partner(partnerA), ["partner_admin"]),
            .manageUsers(of: .partner(partnerA)), nil
        ),
        ("partner admin, own tenant", person(.partner(partnerA), ["partner_admin"]), .manageUsers(of: tenantA), nil),
        (
            "partner admin, other partner", person(.partner(partnerA), ["partner_admin"]),
            .manageUsers(of: .partner(partnerB)), .otherOrganization
        ),
        (
            "partner admin, other partner's tenant", person(.partner(partnerA), ["partner_admin"]),
            .readUsers(of: tenantB), .otherOrganization
        ),
        (
            "partner admin, provider users", person(.partner(partnerA), ["partner_admin"]), .readUsers(of: .provider),
            .otherOrganization
        ),
        (
            "publisher", person(.partner(partnerA), ["partner_publisher"]), .manageUsers(of: .partner(partnerA)),
            .missingRole
        ),
        (
            "publisher reads", person(.partner(partnerA), ["partner_publisher"], scopes: ["users:read"]),
            .readUsers(of: .partner(partnerA)), nil
        ),
        ("tenant admin, own tenant", person(tenantA, ["tenant_admin"]), .manageUsers(of: tenantA), nil),
        (
            "tenant admin, its partner", person(tenantA, ["tenant_admin"]), .manageUsers(of: .partner(partnerA)),
            .otherOrganization
        ),
        ("tenant admin, other tenant", person(tenantA, ["tenant_admin"]), .readUsers(of: tenantB), .otherOrganization),
        (
            "tenant user holding a partner role", person(tenantA, ["partner_admin"]), .manageUsers(of: tenantA),
            .missingRole
        ),
        ("controller", person(tenantA, ["controller", "ap_manager"]), .manageUsers(of: tenantA), .missingRole),
        (
            "admin without users:write", person(tenantA, ["tenant_admin"], scopes: ["users:read"]),
            .manageUsers(of: tenantA), .missingScope
        ),
        (
            "admin without any users scope", person(tenantA, ["tenant_admin"], scopes: ["tenants:write"]),
            .readUsers(of: tenantA), .missingScope
        ),
        ("tenant key", key(tenantA), .manageUsers(of: tenantA), nil),
        (
            "publisher publishes for its partner",
            person(.partner(partnerA), ["partner_publisher"], scopes: RoleScopes.scopes(for: ["partner_publisher"])),
            .publish(ofPartner: partnerA), nil
        ),
        (
            "publisher publishes for another partner",
            person(.partner(partnerA), ["partner_publisher"], scopes: RoleScopes.scopes(for: ["partner_publisher"])),
            .publish(ofPartner: partnerB), .otherOrganization
        ),
        (
            "partner admin reads its catalog",
            person(.partner(partnerA), ["partner_admin"], scopes: RoleScopes.scopes(for: ["partner_admin"])),
            .readCatalog(ofPartner: partnerA), nil
        ),
        ("a reader key does not publish", key(.partner(partnerA), scopes: ["catalog:read"]), .publish(ofPartner: partnerA), .missingScope),
        ("a publish key reads", key(.partner(partnerA), scopes: ["catalog:publish"]), .readCatalog(ofPartner: partnerA), nil),
        ("a tenant reads its partner's catalog", key(tenantA, scopes: ["admin"]), .readCatalog(ofPartner: partnerA), .otherOrganization),
        ("partner key, other tenant", key(.partner(partnerA)), .manageUsers(of: tenantB), .otherOrganization),
        ("partner creates a partner", key(.partner(partnerA), scopes: ["admin"]), .createPartner, .missingRole),
        (
            "partner brands another", key(.partner(partnerA), scopes: ["admin"]), .manageBrand(ofPartner: partnerB),
            .otherOrganization
        ),
        (
            "tenant brands its partner", key(tenantA, scopes: ["admin"]), .manageBrand(ofPartner: partnerA),
            .otherOrganization
        ),
        ("tenant lists partners", key(tenantA, scopes: ["admin"]), .listPartners, .otherOrganization),
        (
            "partner brands itself read-only", key(.partner(partnerA), scopes: ["tenants:read"]),
            .manageBrand(ofPartner: partnerA), .missingScope
        ),
    ]

    @Test("AccessPolicy decides user and partner requests", arguments: table)
    func policy(_ name: String, _ principal: Principal, _ request: AccessRequest, _ expected: AccessPolicy.Denied.Kind?)
    {
        do {
            try AccessPolicy.authorize(principal, request)
            #expect(expected == nil, "\(name): allowed")
        } catch {
            #expect(error.kind == expected, "\(name): \(error.reason)")
        }
    }

    @Test("roles must belong to the organisation's kind")
    func rolesPerKind() throws {
        #expect(
            try UserRole.parse(["tenant_admin", "ap_clerk", "ap_clerk"], for: Self.tenantA) == [.apClerk, .tenantAdmin])
        #expect(try UserRole.parse(["partner_publisher"], for: .partner(Self.partnerA)) == [.partnerPublisher])
        for (roles, organization) in [
            (["provider_ops"], Self.tenantA), (["tenant_admin"], .partner(Self.partnerA)),
            (["partner_admin"], .provider),
            (["root"], Self.tenantA), ([], Self.tenantA),
        ] as [([String], Principal.Organization)] {
            #expect(throws: ControlPlaneError.self, "\(roles)") { try UserRole.parse(roles, for: organization) }
        }
    }

    @Test(
        "approval limits are exact minor units, shown with the currency's decimals",
        arguments: [
            ("2500", "EUR", Int64(250_000), "2500.00"), ("0.5", "USD", 50, "0.50"), ("300", "JPY", 300, "300"),
            ("1.234", "KWD", 1234, "1.234"), ("0.05", "EUR", 5, "0.05"),
        ])
    func approvalLimit(_ amount: String, _ currency: String, _ minor: Int64, _ shown: String) throws {
        let limit = try ApprovalLimit(amount: amount, currency: currency)
        #expect(limit.minorUnits == minor)
        #expect(limit.amount == shown)
    }

    @Test(
        "limits with too many decimals or a bad currency are refused",
        arguments: [
            ("1.234", "EUR"), ("1.5", "JPY"), ("-1", "EUR"), ("1", "eur"), ("1", "EURO"), ("", "EUR"),
        ])
    func invalidApprovalLimit(_ amount: String, _ currency: String) {
        #expect(throws: ControlPlaneError.self) { try ApprovalLimit(amount: amount, currency: currency) }
    }

    @Test("list cursors round-trip and belong to one list")
    func cursors() throws {
        let cursor = ListCursor(list: "users", after: "a@example.com")
        #expect(try ListCursor(token: cursor.token, list: "users") == cursor)
        #expect(throws: ControlPlaneError.self) { try ListCursor(token: cursor.token, list: "partners") }
        #expect(throws: ControlPlaneError.self) { try ListCursor(token: "not base64!", list: "users") }
    }
}
