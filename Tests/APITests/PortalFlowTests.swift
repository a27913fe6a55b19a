import API
import ControlPlane
import Cryptography
import Engine
import Events
import Foundation
import HTTP
import Ingest
import Portal
import Postgres
import Rendering
import TestSupport
import Testing

/// A browser stand-in: keeps cookies, posts forms, follows nothing by itself.
final class Browser: @unchecked Sendable {
    let application: Application
    var cookies: [String: String] = [:]

    init(_ application: Application) { self.application = application }

    struct Page {
        let status: Int
        let html: String
        let headers: HTTPHeaders
        var location: String? { headers["location"] }

        /// The value of the first hidden input named `name`.
        func hidden(_ name: String) -> String? {
            guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
            let rest = html[range.upperBound...]
            return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }
    }

    func get(_ target: String, host: String = "localhost") async throws -> Page {
        try await send(.get, target, body: [], host: host)
    }

    func post(_ target: String, form: [(String, String)]) async throws -> Page {
        let body = form.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }.joined(separator: "&")
        return try await send(.post, target, body: Array(body.utf8), contentType: "application/x-www-form-urlencoded")
    }

    private func send(
        _ method: HTTPMethod, _ target: String, body: [UInt8], contentType: String? = nil, host: String = "localhost"
    ) async throws -> Page {
        let parts = target.split(separator: "?", maxSplits: 1)
        let query: [(name: String, value: String)] =
            parts.count > 1
            ? parts[1].split(separator: "&").map { pair in
                let kv = pair.split(separator: "=", maxSplits: 1)
                return (String(kv[0]), kv.count > 1 ? String(kv[1]).removingPercentEncoding ?? "" : "")
            } : []
        var headers: HTTPHeaders = ["Host": host]
        if let contentType { headers.add("Content-Type", contentType) }
        if !cookies.isEmpty { headers.add("Cookie", cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        var request = HTTPRequest(
            method: method, target: target, path: String(parts[0]), query: query, headers: headers, body: body,
            remoteAddress: "10.9.8.7")
        request.context.requestID = "req_portal"
        let response = try await application.responder.respond(to: request)
        for header in response.headers where header.name.lowercased() == "set-cookie" {
            let pair = header.value.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || header.value.contains("Max-Age=0") { cookies.removeValue(forKey: name) } else { cookies[name] = value }
        }
        return Page(status: response.status.code, html: String(decoding: response.body, as: UTF8.self), headers: response.headers)
    }

    func signIn(_ email: String, _ password: String, loginPath: String = "/login") async throws -> Page {
        let form = try await get(loginPath)
        return try await post(
            "/login", form: [("csrf_token", form.hidden("csrf_token") ?? ""), ("email", email), ("password", password)])
    }
}

/// Cheap scrypt for tests: the cost parameter is not what they check.
let testHasher = PasswordHasher(configuration: .init(logN: 10))

func portalApplication(_ world: IngestWorld) throws -> Application {
    let portal = Portal(
        Portal.Dependencies(
            views: try Portal.loadViews(root: repositoryRoot),
            sessions: try SessionStore(pool: world.pool, hasher: testHasher),
            brands: BrandDirectory(pool: world.pool, provider: try BrandDirectory.defaultProvider(), lifetime: 0),
            databases: world.databases, control: world.pool, service: world.service,
            templates: try TemplateCatalog.load(
                from: repositoryRoot.appendingPathComponent("Templates"),
                knownEventTypes: Set(try EventCatalog.load(from: repositoryRoot.appendingPathComponent("Templates/events")).types.map(\.type))),
            ingest: IngestService(
                catalog: try EventCatalog.load(from: repositoryRoot.appendingPathComponent("Templates/events")),
                databases: world.databases)))
    return try Application(
        .init(logger: .disabled, health: .init(database: { nil }, migrations: { nil }), staticRoot: nil, portal: portal))
}

func addUser(
    _ world: IngestWorld, tenant: Slug, email: String, name: String, roles: [String], password: String
) async throws {
    let tenantID = try await world.service.tenant(tenant).id
    try await world.pool.query(
        """
        INSERT INTO control.users (scope, tenant_id, email, display_name, roles, approval_limit_minor, approval_currency)
        VALUES ('tenant', \(tenantID), \(email), \(name), \(roles), 5000000, 'USD')
        """)
    try await SessionStore(pool: world.pool, hasher: testHasher).setPassword(email: email, password: password, actor: "test")
}

func removeUsers(_ world: IngestWorld, tenants: [Slug]) async throws {
    for tenant in tenants {
        let id = try await world.service.tenant(tenant).id
        try await world.pool.query("DELETE FROM control.users WHERE tenant_id = \(id)")
    }
}

@Suite("Portal: sign in, queue, decide, audit, brands")
struct PortalFlowTests {
    @Test func anAPUserApprovesAThreeWayMatchExceptionAndSeesItInTheAuditTrail() async throws {
        try await withIngestWorld { world in
            try await world.deployShipped("three-way-match")
            try await addUser(
                world, tenant: world.tenant, email: "ap.clerk.ana@client.example", name: "Ana <script>alert(1)</script>",
                roles: ["ap_clerk"], password: "ana-password-123")
            try await addUser(
                world, tenant: world.tenant, email: "ap.manager.bo@client.example", name: "Bo Manager",
                roles: ["ap_clerk", "ap_manager"], password: "bo-password-1234")
            // A second partner with its own brand and client.
            let other = try Slug("op_\(world.tenant.value.suffix(6))")
            let otherTenant = try Slug("ot_\(world.tenant.value.suffix(6))")
            _ = try await world.service.createPartner(
                slug: other, kind: .msp, displayName: "Otherside MSP", supportEmail: "help@otherside.example", actor: "test")
            _ = try await world.service.createTenant(partner: other, slug: otherTenant, legalName: "Other Client", actor: "test")
            try await addUser(
                world, tenant: otherTenant, email: "clerk@other.example", name: "Olga Other", roles: ["ap_clerk"],
                password: "olga-password-12")
            do {
                for name in ["purchase_order.created.json", "goods_receipt.posted.json", "invoice.received.json"] {
                    #expect(try await world.post(try example(name)).status == 201)
                }
                _ = try await WorkflowEngine(databases: world.databases).process(tenant: world.tenant)
                let application = try portalApplication(world)

                // Unauthenticated pages send the browser to sign in.
                let anonymous = Browser(application)
                #expect(try await anonymous.get("/exceptions").location == "/login")
                let loginPage = try await anonymous.get("/login")
                #expect(loginPage.html.contains("name=\"email\""))
                #expect(loginPage.html.contains("name=\"password\""))

                // A wrong password: 401, the form again, nothing about which part was wrong.
                let wrong = try await Browser(application).signIn("ap.manager.bo@client.example", "not-the-password")
                #expect(wrong.status == 401)
                #expect(wrong.html.contains("e-mail address or password is not right"))

                let bo = Browser(application)
                let signedIn = try await bo.signIn("ap.manager.bo@client.example", "bo-password-1234")
                #expect(signedIn.status == 303)
                #expect(bo.cookies["cs_session"] != nil)
                let session = signedIn.headers.values("set-cookie").first { $0.hasPrefix("cs_session=") } ?? ""
                #expect(session.contains("HttpOnly") && session.contains("Secure") && session.contains("SameSite=Lax"))

                let dashboard = try await bo.get("/")
                #expect(dashboard.status == 200)
                #expect(dashboard.html.contains("Ingest Partner"))
                #expect(dashboard.html.contains("<svg"))

                let queue = try await bo.get("/exceptions")
                #expect(queue.status == 200)
                let taskLink = try #require(queue.html.range(of: "href=\"/tasks/").map { range in
                    String(queue.html[range.upperBound...].prefix(36))
                })
                let task = try await bo.get("/tasks/\(taskLink)")
                #expect(task.status == 200)
                #expect(task.html.contains("Purchase order, receipts and invoice side by side"))
                #expect(task.html.contains("variance"))
                // The assist step classified the exception; with no resolved history yet it does not guess.
                #expect(task.html.contains("Assistant&#39;s recommendation") || task.html.contains("Assistant's recommendation"))
                #expect(task.html.contains("short_shipment"))
                #expect(task.html.contains("Not enough resolved history yet to recommend."))
                let csrf = try #require(task.hidden("csrf_token"))

                // A form post without the session's CSRF token is refused and changes nothing.
                let forged = try await bo.post("/tasks/\(taskLink)/decision", form: [("decision", "approve")])
                #expect(forged.status == 403)
                let stillOpen = try await bo.get("/exceptions")
                #expect(stillOpen.html.contains("/tasks/\(taskLink)"))

                // The submitter may not decide: the page says why before she tries.
                let ana = Browser(application)
                _ = try await ana.signIn("ap.clerk.ana@client.example", "ana-password-123")
                let anasView = try await ana.get("/tasks/\(taskLink)")
                #expect(anasView.html.contains("Segregation of duties"))
                #expect(anasView.html.contains("Ana &lt;script&gt;alert(1)&lt;/script&gt;"))
                #expect(!anasView.html.contains("<script>"))

                let approved = try await bo.post(
                    "/tasks/\(taskLink)/decision", form: [("csrf_token", csrf), ("decision", "approve"), ("comment", "credited")])
                #expect(approved.status == 303)
                #expect(approved.location == "/exceptions?decided=approve")
                _ = try await WorkflowEngine(databases: world.databases).process(tenant: world.tenant)
                let after = try await bo.get("/exceptions?decided=approve")
                #expect(!after.html.contains("/tasks/\(taskLink)"))
                #expect(after.html.contains("Your decision (approve) is recorded."))

                let audit = try await bo.get("/audit")
                #expect(audit.status == 200)
                #expect(audit.html.contains("task.approve"))
                #expect(audit.html.contains("Chain verified"))

                // Another partner's client sees that partner's brand, and not the first one's.
                let olga = Browser(application)
                _ = try await olga.signIn("clerk@other.example", "olga-password-12", loginPath: "/p/\(other)/login")
                let olgasHome = try await olga.get("/")
                #expect(olgasHome.html.contains("Otherside MSP"))
                #expect(!olgasHome.html.contains("Ingest Partner"))
                #expect(olgasHome.html.contains("/brand/\(other).css"))
                // Its colours arrive as a stylesheet (the CSP allows no inline styles); an accent too
                // light for the page gives way to the primary colour rather than dropping the brand.
                try await world.pool.query(
                    "UPDATE control.partners SET primary_color = '#3d2c8d', accent_color = '#2ec4b6' WHERE slug = \(other.value)")
                let css = try await olga.get("/brand/\(other).css")
                #expect(css.headers["content-type"]?.hasPrefix("text/css") == true)
                #expect(css.html.contains("--brand-primary: #3d2c8d"))
                // …and cannot open the first tenant's task (its tenant comes from her session).
                #expect(try await olga.get("/tasks/\(taskLink)").status == 404)

                // Sign-out ends the session for good.
                let home = try await bo.get("/")
                let signOut = try await bo.post("/logout", form: [("csrf_token", home.hidden("csrf_token") ?? "")])
                #expect(signOut.status == 303)
                #expect(try await bo.get("/exceptions").location == "/login")
            } catch {
                try? await removeUsers(world, tenants: [world.tenant, otherTenant])
                try? await dropTenantRole(world.pool, otherTenant)
                throw error
            }
            try await removeUsers(world, tenants: [world.tenant, otherTenant])
            try await dropTenantRole(world.pool, otherTenant)
        }
    }

    @Test func aPartnerAdminOnboardsAClientInOneForm() async throws {
        try await withIngestWorld { world in
            let partner = try await world.service.tenant(world.tenant).partnerSlug
            let partnerID = try await world.pool.query("SELECT id FROM control.partners WHERE slug = \(partner.value)")[0]
                .decode("id", as: UUID.self)
            let email = "admin@\(partner.value).example"
            try await world.pool.query(
                """
                INSERT INTO control.users (scope, partner_id, email, display_name, roles)
                VALUES ('partner', \(partnerID), \(email), 'Pat Admin', \(["partner_admin"]))
                """)
            let newTenant = try Slug("on_\(world.tenant.value.suffix(6))")
            do {
                try await SessionStore(pool: world.pool, hasher: testHasher).setPassword(
                    email: email, password: "partner-admin-pw1", actor: "test")
                let admin = Browser(try portalApplication(world))
                #expect(try await admin.signIn(email, "partner-admin-pw1").status == 303)
                let home = try await admin.get("/")
                #expect(home.html.contains("Onboard a client"))
                let form = try await admin.get("/clients/new")
                let csrf = try #require(form.hidden("csrf_token"))
                let bad = try await admin.post(
                    "/clients", form: [("csrf_token", csrf), ("slug", "Bad Slug!"), ("legal_name", "X")])
                #expect(bad.status == 422)
                let made = try await admin.post(
                    "/clients",
                    form: [("csrf_token", csrf), ("slug", newTenant.value), ("legal_name", "New Client <b>Ltd</b>"),
                           ("template", "three-way-match")])
                #expect(made.status == 200)
                #expect(made.html.contains("New Client &lt;b&gt;Ltd&lt;/b&gt; is ready"))
                #expect(made.html.contains("cs_live_"))
                #expect(made.html.contains("three-way-match"))
                #expect(try await world.service.tenant(newTenant).status == .active)
                let deployed = try await world.databases.withConnection(for: newTenant) {
                    try await $0.query("SELECT template_slug FROM deployments WHERE active")
                }
                #expect(try deployed.map { try $0.decode("template_slug", as: String.self) } == ["three-way-match"])
            } catch {
                _ = try? await world.pool.query("DELETE FROM control.users WHERE email = \(email)")
                try? await dropTenantRole(world.pool, newTenant)
                throw error
            }
            try await world.pool.query("DELETE FROM control.users WHERE email = \(email)")
            try await dropTenantRole(world.pool, newTenant)
        }
    }

    @Test func providerOpsSeeBillingAndClientsDoNot() async throws {
        try await withIngestWorld { world in
            let email = "ops.\(world.tenant.value)@provider.example"
            try await world.pool.query(
                "INSERT INTO control.users (scope, email, display_name, roles) VALUES ('provider', \(email), 'Olu Ops', \(["provider_ops"]))")
            try await addUser(
                world, tenant: world.tenant, email: "clerk.\(world.tenant.value)@client.example", name: "Clerk",
                roles: ["ap_clerk"], password: "clerk-password-1")
            do {
                try await SessionStore(pool: world.pool, hasher: testHasher).setPassword(
                    email: email, password: "provider-ops-pw1", actor: "test")
                let application = try portalApplication(world)
                let ops = Browser(application)
                #expect(try await ops.signIn(email, "provider-ops-pw1").status == 303)
                let home = try await ops.get("/")
                #expect(home.html.contains("All tenants"))
                #expect(home.html.contains("href=\"/billing\""))
                let billing = try await ops.get("/billing")
                #expect(billing.status == 200)
                #expect(billing.html.contains("Monthly recurring revenue"))
                #expect(billing.html.contains("No statements issued yet.") || billing.html.contains("<code>"))
                let clerk = Browser(application)
                _ = try await clerk.signIn("clerk.\(world.tenant.value)@client.example", "clerk-password-1")
                #expect(try await clerk.get("/billing").status == 403)
            } catch {
                _ = try? await world.pool.query("DELETE FROM control.users WHERE email = \(email)")
                try? await removeUsers(world, tenants: [world.tenant])
                throw error
            }
            try await world.pool.query("DELETE FROM control.users WHERE email = \(email)")
            try await removeUsers(world, tenants: [world.tenant])
        }
    }

    @Test func aTenantAdminSeesEventsAndDeadLettersAndAReplayIsGuarded() async throws {
        try await withIngestWorld { world in
            try await addUser(
                world, tenant: world.tenant, email: "admin.\(world.tenant.value)@client.example", name: "Ada Admin",
                roles: ["tenant_admin"], password: "tenant-admin-pw1")
            do {
                #expect(try await world.post(try example("purchase_order.created.json")).status == 201)
                // Refused by the catalog: kept as a dead letter.
                #expect(try await world.post(#"{"type":"no.such.event","id":"x-1","occurred_at":"2026-11-20T10:00:00Z","source":"erp","data":{}}"#).status == 422)
                let admin = Browser(try portalApplication(world))
                _ = try await admin.signIn("admin.\(world.tenant.value)@client.example", "tenant-admin-pw1")
                let events = try await admin.get("/events")
                #expect(events.status == 200)
                #expect(events.html.contains("evt_po_1001_v1"))
                let letters = try await admin.get("/dead-letters")
                #expect(letters.status == 200)
                #expect(letters.html.contains("no.such.event"))
                let action = try #require(letters.html.range(of: "action=\"/dead-letters/").map { range in
                    String(letters.html[range.upperBound...].prefix { $0 != "/" })
                })
                #expect(try await admin.post("/dead-letters/\(action)/replay", form: []).status == 403)
                // Replayed through the same checks, the unknown type is refused again, and the page says so.
                let again = try await admin.post(
                    "/dead-letters/\(action)/replay", form: [("csrf_token", letters.hidden("csrf_token") ?? "")])
                #expect(again.status == 422)
                #expect(again.html.contains("unknown event type"))
            } catch {
                try? await removeUsers(world, tenants: [world.tenant])
                throw error
            }
            try await removeUsers(world, tenants: [world.tenant])
        }
    }

    @Test func repeatedWrongPasswordsAreThrottledPerAccount() async throws {
        try await withIngestWorld { world in
            try await addUser(
                world, tenant: world.tenant, email: "target@client.example", name: "Target", roles: ["ap_clerk"],
                password: "right-password-1")
            do {
                let application = try portalApplication(world)
                var statuses: [Int] = []
                for _ in 0..<6 {
                    statuses.append(try await Browser(application).signIn("target@client.example", "wrong-password").status)
                }
                #expect(statuses.prefix(5).allSatisfy { $0 == 401 })
                #expect(statuses.last == 429)
                // Even the right password waits now.
                #expect(try await Browser(application).signIn("target@client.example", "right-password-1").status == 429)
                let failures = try await world.pool.query(
                    "SELECT count(*)::int AS n FROM control.audit_log WHERE action = 'session.sign_in_failed' AND subject = 'user:target@client.example'")
                #expect(try failures[0].decode("n", as: Int.self) >= 5)
            } catch {
                try? await removeUsers(world, tenants: [world.tenant])
                throw error
            }
            try await removeUsers(world, tenants: [world.tenant])
        }
    }
}
