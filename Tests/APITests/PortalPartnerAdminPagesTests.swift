import API
import ControlPlane
import Engine
import Events
import Foundation
import HTTP
import Portal
import Postgres
import TestSupport
import Testing

/// A partner administrator signed in to the portal, removed afterwards with everything it added.
private func withPartnerAdmin(
    _ world: IngestWorld, _ body: (_ admin: Browser, _ partner: Slug, _ email: String) async throws -> Void
) async throws {
    let partner = try await world.service.tenant(world.tenant).partnerSlug
    let partnerID = try await world.pool.query("SELECT id FROM control.partners WHERE slug = \(partner.value)")[0]
        .decode("id", as: UUID.self)
    let email = "admin@\(partner.value).example"
    try await world.pool.query(
        """
        INSERT INTO control.users (scope, partner_id, email, display_name, roles)
        VALUES ('partner', \(partnerID), \(email), 'Pat Admin', \(["partner_admin"]))
        """)
    do {
        try await SessionStore(pool: world.pool, hasher: testHasher).setPassword(
            email: email, password: "partner-admin-pw1", actor: "test")
        let admin = Browser(try portalApplication(world))
        #expect(try await admin.signIn(email, "partner-admin-pw1").status == 303)
        try await body(admin, partner, email)
    } catch {
        _ = try? await world.pool.query("DELETE FROM control.sessions WHERE user_id IN (SELECT id FROM control.users WHERE partner_id = \(partnerID))")
        _ = try? await world.pool.query("DELETE FROM control.users WHERE partner_id = \(partnerID)")
        throw error
    }
    try await world.pool.query("DELETE FROM control.sessions WHERE user_id IN (SELECT id FROM control.users WHERE partner_id = \(partnerID))")
    try await world.pool.query("DELETE FROM control.users WHERE partner_id = \(partnerID)")
}

@Suite("Portal: partner administrators' users, deployments and brand")
struct PortalPartnerAdminPagesTests {
    @Test func aPartnerAdminAddsAUserWhoCanSignInAndThenDisablesThem() async throws {
        try await withIngestWorld { world in
            try await withPartnerAdmin(world) { admin, partner, adminEmail in
                let home = try await admin.get("/")
                #expect(home.html.contains("href=\"/partner/users\""))
                let list = try await admin.get("/partner/users")
                #expect(list.status == 200)
                #expect(list.html.contains(adminEmail))
                let csrf = try #require(list.hidden("csrf_token"))
                let newEmail = "publisher@\(partner.value).example"
                #expect(
                    try await admin.post("/partner/users", form: [("email", newEmail), ("display_name", "P"), ("role", "partner_publisher")])
                        .status == 403)
                // A tenant role means nothing at a partner: refused with the reason, the form kept.
                let wrongRole = try await admin.post(
                    "/partner/users", form: [("csrf_token", csrf), ("email", newEmail), ("display_name", "Pub <i>Lisher</i>"), ("role", "ap_clerk")])
                #expect(wrongRole.status == 422)
                #expect(wrongRole.html.contains("not a role for this organisation"))
                #expect(wrongRole.html.contains("Pub &lt;i&gt;Lisher&lt;/i&gt;"))

                let added = try await admin.post(
                    "/partner/users",
                    form: [("csrf_token", csrf), ("email", newEmail), ("display_name", "Pub Lisher"), ("role", "partner_publisher")])
                #expect(added.status == 201)
                let password = try #require(shownSecret(added))
                let publisher = Browser(try portalApplication(world))
                #expect(try await publisher.signIn(newEmail, password).status == 303)
                #expect(try await publisher.get("/partner/users").status == 403)
                let created = try await world.pool.query(
                    "SELECT count(*)::int AS n FROM control.audit_log WHERE action = 'user.created' AND details->>'email' = \(newEmail)")
                #expect(try created[0].decode("n", as: Int.self) == 1)

                let page = try await admin.get("/partner/users")
                let action = try #require(page.html.range(of: "action=\"/partner/users/").map { range in
                    "/partner/users/" + String(page.html[range.upperBound...].prefix { $0 != "\"" })
                })
                let disabled = try await admin.post(action, form: [("csrf_token", csrf)])
                #expect(disabled.status == 303)
                // Disabling signs the user out everywhere and keeps them out.
                #expect(try await publisher.get("/").location == "/login")
                #expect(try await Browser(try portalApplication(world)).signIn(newEmail, password).status != 303)
            }
        }
    }

    @Test func aPartnerAdminSeesEachClientsDeployedVersionsAndParameters() async throws {
        try await withIngestWorld { world in
            let catalog = try TemplateCatalog.load(
                from: repositoryRoot.appendingPathComponent("Templates"),
                knownEventTypes: Set(try EventCatalog.load(from: repositoryRoot.appendingPathComponent("Templates/events")).types.map(\.type)))
            let deployment = try await Deployments(databases: world.databases, catalog: catalog).deploy(
                tenant: world.tenant, slug: "three-way-match", version: nil, parameters: [:], actor: "deployer@test")
            try await withPartnerAdmin(world) { admin, _, _ in
                let page = try await admin.get("/partner/deployments")
                #expect(page.status == 200)
                #expect(page.html.contains("Ingest Co"))
                #expect(page.html.contains("three-way-match"))
                #expect(page.html.contains(deployment.template.version))
                #expect(page.html.contains("deployer@test"))
                for name in deployment.parameters.keys { #expect(page.html.contains("<dt>\(name)</dt>")) }
                // Tenant users do not see it.
                try await addUser(world, tenant: world.tenant, email: "c.\(world.tenant.value)@client.example", name: "C", roles: ["tenant_admin"], password: "tenant-admin-pw1")
                let tenantAdmin = Browser(try portalApplication(world))
                _ = try await tenantAdmin.signIn("c.\(world.tenant.value)@client.example", "tenant-admin-pw1")
                #expect(try await tenantAdmin.get("/partner/deployments").status == 403)
                try await removeUsers(world, tenants: [world.tenant])
            }
        }
    }

    @Test func aPartnerAdminPreviewsABrandWithItsContrastChecksThenSavesIt() async throws {
        try await withIngestWorld { world in
            try await withPartnerAdmin(world) { admin, partner, _ in
                let form = try await admin.get("/partner/brand")
                #expect(form.status == 200)
                #expect(form.html.contains("value=\"Ingest Partner\""))
                let csrf = try #require(form.hidden("csrf_token"))
                func post(
                    _ action: String, primary: String, accent: String, name: String = "Northwind <MSP>",
                    phone: String = "+44 20 7946 0000", footer: String = "Northwind <b>Managed</b> Finance"
                ) async throws -> Browser.Page {
                    try await admin.post(
                        "/partner/brand",
                        form: [("csrf_token", csrf), ("display_name", name), ("support_email", "help@northwind.example"),
                               ("support_phone", phone), ("footer_text", footer),
                               ("primary_color", primary), ("accent_color", accent), ("action", action)])
                }
                // Preview: the sample takes the proposed colours from a stylesheet, nothing is stored.
                let preview = try await post("preview", primary: "#3d2c8d", accent: "#b35900")
                #expect(preview.status == 200)
                #expect(preview.html.contains("Northwind &lt;MSP&gt;"))
                #expect(preview.html.contains("/brand-preview.css?primary=3d2c8d&amp;accent=b35900"))
                #expect(!preview.html.contains("style="))
                let css = try await admin.get("/brand-preview.css?primary=3d2c8d&accent=b35900")
                #expect(css.headers["content-type"]?.hasPrefix("text/css") == true)
                #expect(css.html.contains(".brand-preview"))
                #expect(css.html.contains("--brand-primary: #3d2c8d"))
                #expect(try await world.service.partnerProfile(partner).partner.displayName == "Ingest Partner")

                // An accent too light for the white page fails its check, in the preview and on save.
                let tooLight = try await post("preview", primary: "#3d2c8d", accent: "#f2f2a0")
                #expect(tooLight.html.contains("fails"))
                #expect(tooLight.html.contains("The portal would not use these colours"))
                #expect(try await post("save", primary: "#3d2c8d", accent: "#f2f2a0").status == 422)
                #expect(try await post("save", primary: "#3d2c8d", accent: "#b35900", name: "").status == 422)
                let badPhone = try await post("save", primary: "#3d2c8d", accent: "#b35900", phone: "call us <maybe>")
                #expect(badPhone.status == 422)
                #expect(badPhone.html.contains("telephone number"))
                #expect(preview.html.contains("Northwind &lt;b&gt;Managed&lt;/b&gt; Finance"))

                let saved = try await post("save", primary: "#3d2c8d", accent: "#b35900")
                #expect(saved.status == 303)
                let profile = try await world.service.partnerProfile(partner)
                #expect(profile.partner.displayName == "Northwind <MSP>")
                #expect(profile.primaryColor.description == "#3d2c8d")
                #expect(profile.accentColor.description == "#b35900")
                let audit = try await world.pool.query(
                    "SELECT count(*)::int AS n FROM control.audit_log WHERE action = 'partner.updated' AND subject = \("partner:\(partner.value)") AND details ? 'footer_text.after'")
                #expect(try audit[0].decode("n", as: Int.self) == 1)
                #expect(profile.supportPhone == "+44 20 7946 0000")
                #expect(profile.footerText == "Northwind <b>Managed</b> Finance")
                // The portal shows the new brand (the test directory caches nothing).
                let home = try await admin.get("/")
                #expect(home.html.contains("<span class=\"brand__name\">Northwind &lt;MSP&gt;</span>"))
                #expect(home.html.contains("<p class=\"site-footer__text\">Northwind &lt;b&gt;Managed&lt;/b&gt; Finance</p>"))
                #expect(home.html.contains("href=\"tel:+442079460000\""))
                // Emptied, the footer goes back to the default made from the name.
                #expect(try await post("save", primary: "#3d2c8d", accent: "#b35900", phone: "", footer: "").status == 303)
                #expect(try await world.service.partnerProfile(partner).footerText == nil)
                #expect(try await admin.get("/").html.contains("Northwind &lt;MSP&gt; — finance and warehouse controls."))
            }
        }
    }
}
