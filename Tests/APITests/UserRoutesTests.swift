import API
import ControlPlane
import Foundation
import HTTP
import Postgres
import Testing

private func userBody(_ email: String, roles: [String], limit: String = "") -> String {
    let roleList = roles.map { "\"\($0)\"" }.joined(separator: ", ")
    return #"{"email": "\#(email)", "display_name": "Someone", "roles": [\#(roleList)]\#(limit)}"#
}

@Suite("/v1 users")
struct UserRoutesTests {
    /// Every user route, called by partner A on partner B's users, partner B's
    /// tenant's users, or B itself, answers 404 and creates or changes nothing.
    @Test func aPartnerCannotReachAnotherPartnersUsers() async throws {
        try await withControlPlaneWorld { world, _ in
            let partnerUser = try await world.makeUser(in: .partner(world.b.partner), roles: ["partner_admin"])
            let tenantUser = try await world.makeUser(
                in: .tenant(world.b.tenant, partner: world.b.partner), roles: ["ap_clerk"])
            let b = world.b
            var table: [(HTTPMethod, String, String, String?)] = [
                (.get, "/v1/partners/:partner/users", "/v1/partners/\(b.partner)/users", nil),
                (
                    .post, "/v1/partners/:partner/users", "/v1/partners/\(b.partner)/users",
                    userBody("x\(ControlPlaneWorld.suffix())@a.example", roles: ["partner_admin"])
                ),
                (.get, "/v1/tenants/:slug/users", "/v1/tenants/\(b.tenant)/users", nil),
                (
                    .post, "/v1/tenants/:slug/users", "/v1/tenants/\(b.tenant)/users",
                    userBody("x\(ControlPlaneWorld.suffix())@a.example", roles: ["tenant_admin"])
                ),
            ]
            for user in [partnerUser, tenantUser] {
                let id = user.id.uuidString.lowercased()
                table += [
                    (.get, "/v1/users/:id", "/v1/users/\(id)", nil),
                    (
                        .patch, "/v1/users/:id", "/v1/users/\(id)",
                        #"{"roles": ["partner_admin"], "status": "disabled"}"#
                    ),
                    (.delete, "/v1/users/:id", "/v1/users/\(id)", nil),
                ]
            }
            let userRoutes = world.application.routes.filter { $0.pattern.contains("/users") }
            for route in userRoutes where route.pattern.contains(":") {
                #expect(
                    table.contains { $0.0 == route.method && $0.1 == route.pattern },
                    "\(route.method) \(route.pattern) is missing from the table")
            }
            for (method, pattern, target, json) in table {
                let reply = try await world.call(method, target, token: "partner-a", json: json)
                #expect(reply.status == 404, "\(method) \(pattern): \(reply.status) \(reply.text)")
                #expect(!reply.text.contains(partnerUser.email) && !reply.text.contains(tenantUser.email))
            }
            let users = UserStore(pool: world.pool)
            #expect(try await users.user(partnerUser.id) == partnerUser)
            #expect(try await users.user(tenantUser.id) == tenantUser)
            #expect(try await users.list(in: .partner(b.partner), limit: 10).users == [partnerUser])
            // The caller's own list holds its own users only.
            let own = try await world.call(.get, "/v1/users", token: "partner-a")
            #expect(own.status == 200)
            #expect(own.data.isEmpty)
            // A tenant reaches neither its partner's users nor another tenant's.
            #expect(
                try await world.call(.get, "/v1/partners/\(world.a.partner)/users", token: "tenant-a").status == 404)
            #expect(try await world.call(.get, "/v1/tenants/\(b.tenant)/users", token: "tenant-a").status == 404)
        }
    }

    @Test func usersAreCreatedPerOrganisationWithRolesOfItsKind() async throws {
        try await withControlPlaneWorld { world, _ in
            let s = ControlPlaneWorld.suffix()
            let ops = try await world.call(
                .post, "/v1/users", token: "provider",
                json: userBody("Ops\(s)@Provider.example", roles: ["provider_ops"]))
            #expect(ops.status == 201, "\(ops.text)")
            #expect(ops.json["email"] as? String == "ops\(s)@provider.example")
            #expect(ops.json["organization"] as? String == "provider")

            let tenantUsers = "/v1/tenants/\(world.a.tenant)/users"
            let clerk = try await world.call(
                .post, tenantUsers, token: "partner-a",
                json: userBody(
                    "clerk\(s)@a.example", roles: ["ap_clerk", "ap_manager"],
                    limit: #", "approval_limit": {"amount": "2500", "currency": "EUR"}"#))
            #expect(clerk.status == 201, "\(clerk.text)")
            #expect(clerk.json["roles"] as? [String] == ["ap_clerk", "ap_manager"])
            #expect((clerk.json["approval_limit"] as? [String: Any])?["amount"] as? String == "2500.00")
            #expect(clerk.json["organization"] as? String == "tenant:\(world.a.tenant)")

            let cases: [(String, String, String)] = [
                (tenantUsers, userBody("p\(s)@a.example", roles: ["partner_admin"]), "invalid_role"),
                (tenantUsers, userBody("p\(s)@a.example", roles: []), "invalid_role"),
                (tenantUsers, userBody("not-an-email", roles: ["auditor"]), "invalid_email"),
                (tenantUsers, userBody("clerk\(s)@a.example", roles: ["auditor"]), "user_exists"),
                (
                    tenantUsers,
                    userBody(
                        "q\(s)@a.example", roles: ["auditor"],
                        limit: #", "approval_limit": {"amount": "1.234", "currency": "EUR"}"#), "invalid_amount"
                ),
                (
                    "/v1/partners/\(world.a.partner)/users",
                    userBody(
                        "r\(s)@a.example", roles: ["partner_admin"],
                        limit: #", "approval_limit": {"amount": "1", "currency": "EUR"}"#), "invalid_approval_limit"
                ),
                (
                    "/v1/partners/\(world.a.partner)/users", userBody("r\(s)@a.example", roles: ["tenant_admin"]),
                    "invalid_role"
                ),
            ]
            for (path, body, code) in cases {
                let reply = try await world.call(.post, path, token: "partner-a", json: body)
                #expect(reply.errorCode == code, "\(body): \(reply.text)")
            }

            // Paging a tenant's users, one at a time.
            _ = try await world.call(
                .post, tenantUsers, token: "tenant-a", json: userBody("aa\(s)@a.example", roles: ["auditor"]))
            let first = try await world.call(.get, "\(tenantUsers)?limit=1", token: "tenant-a")
            #expect(first.data.map { $0["email"] as? String } == ["aa\(s)@a.example"])
            let cursor = try #require(first.json["next_cursor"] as? String)
            let second = try await world.call(.get, "\(tenantUsers)?limit=1&cursor=\(cursor)", token: "tenant-a")
            #expect(second.data.map { $0["email"] as? String } == ["clerk\(s)@a.example"])
            #expect(second.json["next_cursor"] is NSNull)

            // PATCH: display name, limit removed, roles replaced; each audited with before and after.
            let id = try #require(clerk.json["id"] as? String)
            let patched = try await world.call(
                .patch, "/v1/users/\(id)", token: "tenant-a",
                json: #"{"display_name": "Clerk Two", "approval_limit": null, "roles": ["controller"]}"#)
            #expect(patched.status == 200, "\(patched.text)")
            #expect(patched.json["approval_limit"] is NSNull)
            #expect(patched.json["roles"] as? [String] == ["controller"])
            let entry = try #require(try await world.latestAudit("user.updated", subject: "user:\(id)"))
            let details = try entry.decode("details", as: String.self)
            #expect(details.contains(#""roles.before": "ap_clerk,ap_manager""#))
            #expect(details.contains(#""approval_limit.before": "2500.00 EUR""#))
            #expect(try entry.decode("source_ip", as: String?.self) == ControlPlaneWorld.clientAddress)
        }
    }

    /// Whatever a person's token asks, it never ends with more power than its
    /// holder administers: only administrators change users, and only with
    /// roles of the organisation's kind.
    @Test func roleGrantEscalationIsRefused() async throws {
        try await withControlPlaneWorld { world, _ in
            let tenant = Principal.Organization.tenant(world.a.tenant, partner: world.a.partner)
            let manager = try await world.makeUser(in: tenant, roles: ["ap_manager"])
            let tenantAdmin = try await world.makeUser(in: tenant, roles: ["tenant_admin"])
            let publisher = try await world.makeUser(in: .partner(world.a.partner), roles: ["partner_publisher"])
            let partnerAdmin = try await world.makeUser(in: .partner(world.a.partner), roles: ["partner_admin"])
            let managerToken = try await world.personalToken(for: manager, scopes: [.usersWrite])
            let readOnlyAdmin = try await world.personalToken(for: tenantAdmin, scopes: [.usersRead])
            let tenantAdminToken = try await world.personalToken(for: tenantAdmin, scopes: [.usersWrite])
            let publisherToken = try await world.personalToken(for: publisher, scopes: [.usersWrite])
            let partnerAdminToken = try await world.personalToken(for: partnerAdmin, scopes: [.usersWrite])
            let tenantUsers = "/v1/tenants/\(world.a.tenant)/users"
            let partnerUsers = "/v1/partners/\(world.a.partner)/users"
            func email() -> String { "e\(ControlPlaneWorld.suffix())@a.example" }

            let table: [(String, String, HTTPMethod, String, String, Int, String?)] = [
                (
                    "a manager makes a tenant admin", managerToken, .post, tenantUsers,
                    userBody(email(), roles: ["tenant_admin"]), 403, "insufficient_role"
                ),
                (
                    "a manager promotes itself", managerToken, .patch, "/v1/users/\(manager.id)",
                    #"{"roles": ["tenant_admin"]}"#, 403, "insufficient_role"
                ),
                (
                    "a manager creates a clerk", managerToken, .post, tenantUsers,
                    userBody(email(), roles: ["ap_clerk"]), 403, "insufficient_role"
                ),
                (
                    "a publisher makes a partner admin", publisherToken, .post, partnerUsers,
                    userBody(email(), roles: ["partner_admin"]), 403, "insufficient_role"
                ),
                (
                    "a publisher promotes itself", publisherToken, .patch, "/v1/users/\(publisher.id)",
                    #"{"roles": ["partner_admin"]}"#, 403, "insufficient_role"
                ),
                (
                    "an admin's read-only token", readOnlyAdmin, .post, tenantUsers,
                    userBody(email(), roles: ["auditor"]), 403, "insufficient_scope"
                ),
                (
                    "a tenant admin grants a partner role", tenantAdminToken, .post, tenantUsers,
                    userBody(email(), roles: ["partner_admin"]), 422, "invalid_role"
                ),
                (
                    "a tenant admin reaches its partner's users", tenantAdminToken, .patch, "/v1/users/\(publisher.id)",
                    #"{"roles": ["partner_admin"]}"#, 404, "user_not_found"
                ),
                (
                    "a tenant admin makes a partner user", tenantAdminToken, .post, partnerUsers,
                    userBody(email(), roles: ["partner_admin"]), 404, "partner_not_found"
                ),
                (
                    "a tenant admin makes a controller", tenantAdminToken, .post, tenantUsers,
                    userBody(email(), roles: ["controller"]), 201, nil
                ),
                (
                    "a partner admin makes a tenant admin of its tenant", partnerAdminToken, .post, tenantUsers,
                    userBody(email(), roles: ["tenant_admin"]), 201, nil
                ),
                (
                    "a partner admin promotes a publisher", partnerAdminToken, .patch, "/v1/users/\(publisher.id)",
                    #"{"roles": ["partner_admin", "partner_publisher"]}"#, 200, nil
                ),
            ]
            for (name, token, method, path, body, status, code) in table {
                let reply = try await world.call(method, path, token: token, json: body)
                #expect(reply.status == status, "\(name): \(reply.status) \(reply.text)")
                #expect(reply.errorCode == code, "\(name)")
            }
            #expect(try await UserStore(pool: world.pool).user(manager.id).roles == [.apManager])
        }
    }

    @Test func disablingAUserStopsTheirTokenAndSessionsAtOnce() async throws {
        try await withControlPlaneWorld { world, _ in
            let tenant = Principal.Organization.tenant(world.a.tenant, partner: world.a.partner)
            let user = try await world.makeUser(in: tenant, roles: ["tenant_admin"])
            let token = try await world.personalToken(for: user, scopes: [.usersRead])
            let own = "/v1/tenants/\(world.a.tenant)/users"
            #expect(try await world.call(.get, own, token: token).status == 200)
            try await world.pool.query(
                """
                INSERT INTO control.sessions (token_hash, user_id, expires_at)
                VALUES (\(ByteA(Array(UUID().uuidString.utf8))), \(user.id), now() + interval '1 hour')
                """)

            let disabled = try await world.call(
                .patch, "/v1/users/\(user.id)", token: "partner-a", json: #"{"status": "disabled"}"#)
            #expect(disabled.json["status"] as? String == "disabled")
            #expect(try await world.call(.get, own, token: token).status == 401)
            let open = try await world.pool.query(
                "SELECT count(*) AS n FROM control.sessions WHERE user_id = \(user.id) AND revoked_at IS NULL")
            #expect(try open[0].decode("n", as: Int.self) == 0)
            let entry = try #require(
                try await world.latestAudit("user.updated", subject: "user:\(user.id.uuidString.lowercased())"))
            #expect(try entry.decode("details", as: String.self).contains(#""sessions_revoked": "1""#))

            // Enabled again, the token works again; deleted, it is revoked for good.
            _ = try await world.call(.patch, "/v1/users/\(user.id)", token: "partner-a", json: #"{"status": "active"}"#)
            #expect(try await world.call(.get, own, token: token).status == 200)
            let deleted = try await world.call(.delete, "/v1/users/\(user.id)", token: "tenant-a")
            #expect(deleted.status == 200)
            #expect(deleted.json["status"] as? String == "disabled")
            _ = try await world.call(.patch, "/v1/users/\(user.id)", token: "partner-a", json: #"{"status": "active"}"#)
            let refused = try await world.call(.get, own, token: token)
            #expect(refused.status == 401)
            #expect(refused.errorCode == "api_key_revoked")
            let deletion = try #require(
                try await world.latestAudit("user.deleted", subject: "user:\(user.id.uuidString.lowercased())"))
            #expect(try deletion.decode("details", as: String.self).contains(#""tokens_revoked": "1""#))
            // The row stays, for the audit log.
            #expect(try await UserStore(pool: world.pool).user(user.id).email == user.email)
        }
    }

    /// Credential and webhook-secret changes made through the API record where they came from.
    @Test func credentialAndSecretAuditEntriesCarryTheSourceAddress() async throws {
        try await withControlPlaneWorld { world, _ in
            let issued = try await world.call(
                .post, "/v1/tenants/\(world.a.tenant)/credentials", token: "partner-a",
                json: #"{"scopes": ["tenants:read"]}"#)
            let prefix = try #require(issued.json["prefix"] as? String)
            let credential = try #require(
                try await world.latestAudit("credential.created", subject: "credential:\(prefix)"))
            #expect(try credential.decode("source_ip", as: String?.self) == ControlPlaneWorld.clientAddress)
            #expect(try credential.decode("request_id", as: String?.self) == issued.headers["X-Request-Id"])
            #expect(try credential.decode("trace_id", as: String?.self)?.count == 32)

            let secret = try await world.call(
                .post, "/v1/tenants/\(world.a.tenant)/webhook-secrets", token: "partner-a", json: #"{"source": "erp"}"#)
            #expect(secret.status == 201)
            let entry = try #require(
                try await world.latestAudit("webhook_secret.created", subject: "tenant:\(world.a.tenant)"))
            #expect(try entry.decode("source_ip", as: String?.self) == ControlPlaneWorld.clientAddress)
            #expect(
                try !entry.decode("details", as: String.self).contains(try #require(secret.json["secret"] as? String)))
            // Changes outside a request (the CLI, manifests) record no address.
            _ = try await world.store.issue(for: .tenant(world.a.tenant), scopes: [.tenantsRead], actor: "cli:test")
            let cli = try await world.pool.query(
                "SELECT source_ip FROM control.audit_log WHERE actor = 'cli:test' ORDER BY id DESC LIMIT 1")
            #expect(try cli[0].decode("source_ip", as: String?.self) == nil)
            // The chain still verifies with the addresses in it.
            let verification = try await world.pool.withConnection { try await AuditLog.control().verify(on: $0) }
            #expect(verification.isIntact)
        }
    }
}
