import API
import ControlPlane
import Foundation
import HTTP
import Portal
import Postgres
import TestSupport
import Testing

/// The text between `<code class="secret">` and `</code>`: what a page shows once.
func shownSecret(_ page: Browser.Page) -> String? {
    guard let range = page.html.range(of: "<code class=\"secret\">") else { return nil }
    let rest = page.html[range.upperBound...]
    return rest.range(of: "</code>").map { String(rest[..<$0.lowerBound]) }
}

/// Tenant admins' API keys and webhook secrets in the portal.
@Suite("Portal: API keys and webhook secrets")
struct PortalSecretsPagesTests {
    @Test func aTenantAdminCreatesRotatesAndRevokesAKeyShownOnlyOnce() async throws {
        try await withIngestWorld { world in
            let admin = "admin.\(world.tenant.value)@client.example"
            let clerk = "clerk.\(world.tenant.value)@client.example"
            try await addUser(world, tenant: world.tenant, email: admin, name: "Ada Admin", roles: ["tenant_admin"], password: "tenant-admin-pw1")
            try await addUser(world, tenant: world.tenant, email: clerk, name: "Cleo", roles: ["ap_clerk"], password: "clerk-password-1")
            do {
                let application = try portalApplication(world)
                let browser = Browser(application)
                _ = try await browser.signIn(admin, "tenant-admin-pw1")
                let list = try await browser.get("/settings/api-keys")
                #expect(list.status == 200)
                #expect(list.html.contains("href=\"/settings/api-keys\""))
                let csrf = try #require(list.hidden("csrf_token"))

                // Without the CSRF token nothing is made.
                #expect(try await browser.post("/settings/api-keys", form: [("scope", "events:write")]).status == 403)
                // A scope the admin does not hold cannot be granted.
                #expect(
                    try await browser.post("/settings/api-keys", form: [("csrf_token", csrf), ("scope", "tasks:write")]).status
                        == 403)
                let invalid = try await browser.post(
                    "/settings/api-keys", form: [("csrf_token", csrf), ("scope", "events:write"), ("ip_allow", "not-an-ip")])
                #expect(invalid.status == 422)

                let created = try await browser.post(
                    "/settings/api-keys",
                    form: [("csrf_token", csrf), ("name", "ERP <b>connector</b>"), ("scope", "events:write"), ("scope", "events:read")])
                #expect(created.status == 201)
                #expect(created.html.contains("ERP &lt;b&gt;connector&lt;/b&gt;"))
                let key = try #require(shownSecret(created))
                #expect(key.hasPrefix("cs_live_"))
                let store = CredentialStore(pool: world.pool)
                let authenticated = try await store.authenticate(key, remoteAddress: "10.0.0.1")
                #expect(authenticated.principal.has(scope: "events:write"))
                let prefix = authenticated.credential.prefix

                // Never shown again: the list has the prefix only.
                let again = try await browser.get("/settings/api-keys")
                #expect(again.html.contains(prefix))
                #expect(!again.html.contains(key))

                let rotated = try await browser.post(
                    "/settings/api-keys/\(prefix)/rotate", form: [("csrf_token", csrf), ("overlap_hours", "2")])
                #expect(rotated.status == 201)
                let newKey = try #require(shownSecret(rotated))
                #expect(newKey != key)
                // Both work during the overlap.
                _ = try await store.authenticate(key, remoteAddress: "10.0.0.1")
                let newPrefix = try await store.authenticate(newKey, remoteAddress: "10.0.0.1").credential.prefix
                let audit = try await world.pool.query(
                    "SELECT actor FROM control.audit_log WHERE action = 'credential.rotated' AND subject = \("credential:\(prefix)")")
                #expect(try audit.map { try $0.decode("actor", as: String.self) }.contains { $0.contains(admin) })

                let revoked = try await browser.post("/settings/api-keys/\(newPrefix)/revoke", form: [("csrf_token", csrf)])
                #expect(revoked.status == 303)
                await #expect(throws: (any Error).self) { _ = try await store.authenticate(newKey, remoteAddress: "10.0.0.1") }
                let afterRevoke = try await browser.get(revoked.location ?? "/settings/api-keys")
                #expect(afterRevoke.html.contains("is revoked"))

                // A clerk sees neither the page nor the navigation link.
                let clerkBrowser = Browser(application)
                _ = try await clerkBrowser.signIn(clerk, "clerk-password-1")
                #expect(try await clerkBrowser.get("/settings/api-keys").status == 403)
                #expect(!(try await clerkBrowser.get("/").html.contains("/settings/api-keys")))
            } catch {
                try? await removeUsers(world, tenants: [world.tenant])
                throw error
            }
            try await removeUsers(world, tenants: [world.tenant])
        }
    }

    @Test func aTenantAdminRotatesAWebhookSecretAndThePreviousOneIsAcceptedDuringTheOverlap() async throws {
        try await withIngestWorld { world in
            let admin = "admin.\(world.tenant.value)@client.example"
            try await addUser(world, tenant: world.tenant, email: admin, name: "Ada Admin", roles: ["tenant_admin"], password: "tenant-admin-pw1")
            do {
                let browser = Browser(try portalApplication(world))
                _ = try await browser.signIn(admin, "tenant-admin-pw1")
                let list = try await browser.get("/settings/webhook-secrets")
                #expect(list.status == 200)
                #expect(list.html.contains("/hooks/\(world.tenant.value)/erp"))
                let csrf = try #require(list.hidden("csrf_token"))
                #expect(try await browser.post("/settings/webhook-secrets", form: [("source", "erp")]).status == 403)
                let bad = try await browser.post(
                    "/settings/webhook-secrets", form: [("csrf_token", csrf), ("source", "Bad Source!")])
                #expect(bad.status == 422)

                let rotated = try await browser.post(
                    "/settings/webhook-secrets", form: [("csrf_token", csrf), ("source", "erp"), ("overlap_hours", "2")])
                #expect(rotated.status == 201)
                let shown = try #require(shownSecret(rotated))
                let secret = try WebhookSecret(parsing: shown)
                #expect(secret != world.secret)
                let tenantID = try await world.service.tenant(world.tenant).id
                let accepted = try await world.secretStore.acceptable(tenantID: tenantID, source: "erp")
                #expect(accepted.count == 2)
                #expect(accepted.contains(secret) && accepted.contains(world.secret))
                // The list now shows the overlap, and not the secret.
                let after = try await browser.get("/settings/webhook-secrets")
                #expect(!after.html.contains(shown))
                let row = try #require(after.html.range(of: "<th scope=\"row\">erp</th>").map { after.html[$0.upperBound...] })
                let erpRow = row.prefix { $0 != "\n" }
                #expect(!erpRow.contains("<td>—</td>"), "the overlap's end is shown")
            } catch {
                try? await removeUsers(world, tenants: [world.tenant])
                throw error
            }
            try await removeUsers(world, tenants: [world.tenant])
        }
    }
}
