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

@Suite("Portal: publisher pages")
struct PublisherPortalTests {
    @Test func aPublisherUploadsAVersionSeesProblemsInlineDiffsAndWhereItRuns() async throws {
        try await withIngestWorld { world in
            let partner = try await world.service.tenant(world.tenant).partnerSlug
            let partnerID = try await world.pool.query("SELECT id FROM control.partners WHERE slug = \(partner.value)")[0]
                .decode("id", as: UUID.self)
            let email = "publisher@\(partner.value).example"
            try await world.pool.query(
                """
                INSERT INTO control.users (scope, partner_id, email, display_name, roles)
                VALUES ('partner', \(partnerID), \(email), 'Pia Publisher', \(["partner_publisher"]))
                """)
            try await SessionStore(pool: world.pool, hasher: testHasher).setPassword(
                email: email, password: "publisher-pw-123", actor: "test")
            let application = try portalApplication(world)
            let pia = Browser(application)
            #expect(try await pia.signIn(email, "publisher-pw-123").status == 303)
            let home = try await pia.get("/")
            #expect(home.html.contains("href=\"/catalog\""))

            let catalog = try await pia.get("/catalog")
            #expect(catalog.status == 200)
            #expect(catalog.html.contains("three-way-match"))
            let form = try await pia.get("/catalog/publish")
            let csrf = try #require(form.hidden("csrf_token"))

            // The problems appear beside the document, escaped, and the document is kept for fixing.
            let broken = try editedTemplate { document in
                document["slug"] = "nw-match"
                document["title"] = "<script>alert(1)</script>"
                editStep(&document, 2) { $0["otherwise"] = "nowhere" }
            }
            let refused = try await pia.post("/catalog/publish", form: [("csrf_token", csrf), ("document", broken)])
            #expect(refused.status == 422)
            #expect(refused.html.contains("steps[2] &quot;route&quot; otherwise"), "\(refused.html)")
            #expect(refused.html.contains("no step has the id &quot;nowhere&quot;"))
            #expect(refused.html.contains("&lt;script&gt;alert(1)"))
            #expect(!refused.html.contains("<script>alert(1)"))

            let forged = try await pia.post("/catalog/publish", form: [("document", broken)])
            #expect(forged.status == 403)

            let first = try editedTemplate { $0["slug"] = "nw-match"; $0["title"] = "Northwind match" }
            let published = try await pia.post("/catalog/publish", form: [("csrf_token", csrf), ("document", first)])
            #expect(published.status == 303)
            #expect(published.location?.hasPrefix("/catalog?published=") == true)
            let second = try editedTemplate { document in
                document["slug"] = "nw-match"
                document["title"] = "Northwind match"
                document["version"] = "1.1.0"
                editStep(&document, 2) { $0["otherwise"] = "approve" }
            }
            let repeated = try await pia.post("/catalog/publish", form: [("csrf_token", csrf), ("document", first)])
            #expect(repeated.status == 409)
            #expect(repeated.html.contains("not greater"))
            #expect(try await pia.post("/catalog/publish", form: [("csrf_token", csrf), ("document", second)]).status == 303)

            let listed = try await pia.get("/catalog?published=nw-match%201.1.0")
            #expect(listed.html.contains("Northwind match"))
            #expect(listed.html.contains("Published nw-match 1.1.0"))
            let diff = try await pia.get("/catalog/diff?template=nw-match&from=1.0.0&to=1.1.0")
            #expect(diff.status == 200)
            #expect(diff.html.contains("$.steps[id=route].otherwise"))
            #expect(diff.html.contains("&quot;assist&quot;") && diff.html.contains("&quot;approve&quot;"))

            // The tenant runs the older published version: the status page says an update is available.
            let resolver = TemplateResolver(
                catalog: try TemplateCatalog.load(from: repositoryRoot.appendingPathComponent("Templates"), knownEventTypes: []),
                published: PublishedVersions(pool: world.pool))
            _ = try await Deployments(databases: world.databases, resolver: resolver).deploy(
                tenant: world.tenant, slug: "nw-match", version: "1.0.0", parameters: [:], actor: "test")
            let status = try await pia.get("/catalog/deployments")
            #expect(status.status == 200)
            #expect(status.html.contains(world.tenant.value))
            #expect(status.html.contains("<code>1.0.0</code> <span class=\"badge badge--warning\">update available</span>"))

            // A publisher does not onboard clients, and a client's users do not see the catalog.
            #expect(try await pia.get("/clients/new").status == 403)
            try await world.pool.query("DELETE FROM control.users WHERE email = \(email)")
        }
    }
}
