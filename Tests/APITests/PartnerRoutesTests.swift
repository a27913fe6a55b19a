import API
import ControlPlane
import Foundation
import HTTP
import Postgres
import Testing

private let cleanSVG =
    ##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#1f4e79"/></svg>"##
/// The PNG signature and the start of an IHDR chunk: what the magic-byte check looks at.
private let pngBytes: [UInt8] = [
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1,
]

@Suite("/v1 partners and tenant deletion")
struct PartnerRoutesTests {
    /// Every partner route and tenant deletion, called by partner A on partner B's objects,
    /// answers 404 and changes nothing; the table must cover every such route.
    @Test func aPartnerCannotReadOrChangeAnotherPartner() async throws {
        try await withControlPlaneWorld { world, _ in
            let b = world.b
            let table: [(HTTPMethod, String, String, json: String?, body: [UInt8]?, headers: HTTPHeaders)] = [
                (.get, "/v1/partners/:partner", "/v1/partners/\(b.partner)", nil, nil, [:]),
                (
                    .patch, "/v1/partners/:partner", "/v1/partners/\(b.partner)", #"{"display_name": "Taken over"}"#,
                    nil, [:]
                ),
                (
                    .put, "/v1/partners/:partner/logo", "/v1/partners/\(b.partner)/logo", nil, Array(cleanSVG.utf8),
                    ["Content-Type": "image/svg+xml"]
                ),
                (.get, "/v1/partners/:partner/logo", "/v1/partners/\(b.partner)/logo", nil, nil, [:]),
                (.post, "/v1/tenants/:slug/deletion", "/v1/tenants/\(b.tenant)/deletion", nil, nil, [:]),
                (
                    .delete, "/v1/tenants/:slug", "/v1/tenants/\(b.tenant)", nil, nil,
                    ["Countersign-Confirmation": "guess"]
                ),
            ]
            let partnerRoutes = world.application.routes.filter {
                $0.pattern.hasPrefix("/v1/partners/:partner") && !$0.pattern.hasSuffix("/users")
                    && !$0.pattern.hasSuffix("/tenants")
            }
            for route in partnerRoutes {
                #expect(
                    table.contains { $0.0 == route.method && $0.1 == route.pattern },
                    "\(route.method) \(route.pattern) is missing from the table")
            }
            let deniedBefore = Authorization.deniedCount(.otherOrganization)
            for (method, pattern, target, json, body, headers) in table {
                let reply = try await world.call(
                    method, target, token: "partner-a", json: json, body: body, headers: headers)
                #expect(reply.status == 404, "\(method) \(pattern): \(reply.status) \(reply.text)")
                #expect(!reply.text.contains("Partner \(b.partner)"))
            }
            #expect(Authorization.deniedCount(.otherOrganization) >= deniedBefore + table.count)
            // B is as it was.
            let profile = try await world.service.partnerProfile(b.partner)
            #expect(profile.partner.displayName == "Partner \(b.partner)")
            #expect(profile.logoFormat == nil)
            #expect(try await world.service.tenant(b.tenant).status == .active)
            // Lists show A only; a tenant sees no partner at all.
            let listed = try await world.call(.get, "/v1/partners", token: "partner-a")
            #expect(listed.status == 200)
            #expect(listed.data.map { $0["slug"] as? String } == [world.a.partner.value])
            #expect(try await world.call(.get, "/v1/partners", token: "tenant-a").status == 404)
            #expect(try await world.call(.get, "/v1/partners/\(world.a.partner)", token: "tenant-a").status == 404)
        }
    }

    @Test func onlyTheProviderCreatesPartnersAndListsThemAll() async throws {
        try await withControlPlaneWorld { world, _ in
            let s = ControlPlaneWorld.suffix()
            let slug = "np_\(s)"
            let body = #"""
                {"slug": "\#(slug)", "kind": "erp_partner", "display_name": "New Partner", "support_email": "help@new.example",
                 "primary_color": "#0B5394", "accent_color": "#f2a900", "domains": ["Portal.x\#(s).example"]}
                """#
            let refused = try await world.call(.post, "/v1/partners", token: "partner-a", json: body)
            #expect(refused.status == 403)
            #expect(refused.errorCode == "insufficient_role")
            let created = try await world.call(.post, "/v1/partners", token: "provider", json: body)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json["kind"] as? String == "erp_partner")
            #expect(created.json["primary_color"] as? String == "#0b5394")
            #expect(created.json["text_color"] as? String == "#ffffff")
            #expect(created.json["domains"] as? [String] == ["portal.x\(s).example"])
            #expect(created.json["logo"] is NSNull)
            #expect(
                try await world.call(.post, "/v1/partners", token: "provider", json: body).errorCode == "partner_exists"
            )
            let otherSlug = "np_\(ControlPlaneWorld.suffix())"
            let sameDomain = body.replacingOccurrences(of: "\"slug\": \"\(slug)\"", with: "\"slug\": \"\(otherSlug)\"")
            #expect(
                try await world.call(.post, "/v1/partners", token: "provider", json: sameDomain).errorCode
                    == "domain_taken")
            let badKind = body.replacingOccurrences(of: "erp_partner", with: "reseller")
            #expect(try await world.call(.post, "/v1/partners", token: "provider", json: badKind).errorField == "kind")

            // The provider pages through every partner, one at a time, each exactly once.
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await world.call(
                    .get, "/v1/partners?limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""), token: "provider")
                #expect(page.status == 200)
                #expect(page.data.count <= 1)
                seen += page.data.compactMap { $0["slug"] as? String }
                cursor = page.json["next_cursor"] as? String
            } while cursor != nil && seen.count < 10
            #expect(seen == [world.a.partner.value, world.b.partner.value, slug].sorted())
            let foreignCursor = ListCursor(list: "users", after: "a").token
            #expect(
                try await world.call(.get, "/v1/partners?cursor=\(foreignCursor)", token: "provider").errorCode
                    == "invalid_cursor")
        }
    }

    @Test func brandChangesCheckContrastAndAreAuditedWithTheirOrigin() async throws {
        try await withControlPlaneWorld { world, _ in
            let path = "/v1/partners/\(world.a.partner)"
            let grey = try await world.call(.patch, path, token: "partner-a", json: ##"{"primary_color": "#777777"}"##)
            #expect(grey.status == 422)
            #expect(grey.errorCode == "insufficient_contrast")
            #expect(grey.errorField == "primary_color")
            #expect(
                try await world.call(.patch, path, token: "partner-a", json: #"{"primary_color": "blue"}"#).errorCode
                    == "invalid_color")
            #expect(
                try await world.call(.patch, path, token: "partner-a", json: #"{"domains": ["not a domain"]}"#)
                    .errorCode == "invalid_domain")

            let gold = try await world.call(
                .patch, path, token: "partner-a",
                json: ##"{"primary_color": "#FFD700", "display_name": "Gold Partner", "domains": ["gold.example"]}"##)
            #expect(gold.status == 200, "\(gold.text)")
            #expect(gold.json["text_color"] as? String == "#111111")
            #expect(gold.json["display_name"] as? String == "Gold Partner")
            let requestID = try #require(gold.headers["X-Request-Id"])
            let entry = try #require(
                try await world.latestAudit("partner.updated", subject: "partner:\(world.a.partner)"))
            #expect(try entry.decode("source_ip", as: String?.self) == ControlPlaneWorld.clientAddress)
            #expect(try entry.decode("request_id", as: String?.self) == requestID)
            #expect(try entry.decode("actor", as: String.self) == "test:a")
            let details = try entry.decode("details", as: String.self)
            #expect(details.contains(##""primary_color.after": "#ffd700""##))
            #expect(details.contains(##""primary_color.before": "#1f4e79""##))
            #expect(details.contains(#""display_name.after": "Gold Partner""#))

            // Sending the same values again changes and audits nothing.
            let count = try await world.pool.query("SELECT count(*) AS n FROM control.audit_log")
            _ = try await world.call(.patch, path, token: "partner-a", json: ##"{"primary_color": "#ffd700"}"##)
            let after = try await world.pool.query("SELECT count(*) AS n FROM control.audit_log")
            #expect(try after[0].decode("n", as: Int.self) == (try count[0].decode("n", as: Int.self)))
        }
    }

    @Test func logosAreCheckedAndServedWithTheirOwnTypeOnly() async throws {
        try await withControlPlaneWorld { world, _ in
            let path = "/v1/partners/\(world.a.partner)/logo"
            #expect(try await world.call(.get, path, token: "partner-a").errorCode == "logo_not_found")
            let attack = #"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#
            let refused = try await world.call(
                .put, path, token: "partner-a", body: Array(attack.utf8), headers: ["Content-Type": "image/svg+xml"])
            #expect(refused.status == 422)
            #expect(refused.errorCode == "invalid_logo")
            let html = try await world.call(
                .put, path, token: "partner-a", body: Array("<html><script>x</script></html>".utf8),
                headers: ["Content-Type": "image/png"])
            #expect(html.errorCode == "invalid_logo")
            let gif = try await world.call(
                .put, path, token: "partner-a", body: Array("GIF89a".utf8), headers: ["Content-Type": "image/gif"])
            #expect(gif.status == 415)
            let huge = try await world.call(
                .put, path, token: "partner-a", body: pngBytes + [UInt8](repeating: 0, count: 512 * 1024),
                headers: ["Content-Type": "image/png"])
            #expect(huge.status == 413)

            let stored = try await world.call(
                .put, path, token: "partner-a", body: Array(cleanSVG.utf8),
                headers: ["Content-Type": "image/svg+xml; charset=utf-8"])
            #expect(stored.status == 200, "\(stored.text)")
            #expect((stored.json["logo"] as? [String: Any])?["content_type"] as? String == "image/svg+xml")
            let served = try await world.call(.get, path, token: "partner-a")
            #expect(served.status == 200)
            #expect(served.text == cleanSVG)
            #expect(served.headers["Content-Type"] == "image/svg+xml")
            #expect(served.headers["X-Content-Type-Options"] == "nosniff")
            #expect(served.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'")

            let png = try await world.call(
                .put, path, token: "partner-a", body: pngBytes, headers: ["Content-Type": "image/png"])
            #expect(png.status == 200)
            let servedPNG = try await world.call(.get, path, token: "provider")
            #expect(servedPNG.body == pngBytes)
            #expect(servedPNG.headers["Content-Type"] == "image/png")
            #expect(servedPNG.headers["X-Content-Type-Options"] == "nosniff")
            let entry = try #require(
                try await world.latestAudit("partner.logo_changed", subject: "partner:\(world.a.partner)"))
            let details = try entry.decode("details", as: String.self)
            #expect(
                details.contains(#""logo.before": "image/svg+xml""#) && details.contains(#""logo.after": "image/png""#))
            #expect(try entry.decode("source_ip", as: String?.self) == ControlPlaneWorld.clientAddress)
        }
    }

    @Test func deletingATenantTakesAFreshConfirmationAndDropsItsSchemaAndRole() async throws {
        try await withControlPlaneWorld { world, tenants in
            let slug = try Slug("del_\(ControlPlaneWorld.suffix())")
            tenants.append(slug)
            _ = try await world.service.createTenant(
                partner: world.a.partner, slug: slug, legalName: "Doomed Ltd", actor: "test")
            let path = "/v1/tenants/\(slug)"
            #expect(try await world.call(.delete, path, token: "partner-a").errorCode == "confirmation_required")

            let first = try await world.call(.post, "\(path)/deletion", token: "partner-a")
            #expect(first.status == 201)
            #expect(first.headers["Cache-Control"] == "no-store")
            let token = try #require(first.json["confirmation"] as? String)
            let wrong = try await world.call(
                .delete, path, token: "partner-a", headers: ["Countersign-Confirmation": token + "x"])
            #expect(wrong.status == 422)
            #expect(wrong.errorCode == "invalid_confirmation")
            // The right token, once it has expired, is refused too.
            try await world.pool.query(
                "UPDATE control.tenants SET deletion_requested_at = now() - interval '1 hour' WHERE slug = \(slug.value)"
            )
            let expired = try await world.call(
                .delete, path, token: "partner-a", headers: ["Countersign-Confirmation": token])
            #expect(expired.errorCode == "invalid_confirmation")
            #expect(try await world.service.tenant(slug).status == .active)

            let second = try await world.call(.post, "\(path)/deletion", token: "partner-a")
            let fresh = try #require(second.json["confirmation"] as? String)
            let deleted = try await world.call(
                .delete, path, token: "partner-a", json: #"{"confirmation": "\#(fresh)"}"#)
            #expect(deleted.status == 200, "\(deleted.text)")
            #expect(deleted.json["status"] as? String == "deleted")
            let schema = try await world.pool.query(
                "SELECT 1 FROM pg_namespace WHERE nspname = \(slug.tenantSchemaName)")
            let role = try await world.pool.query("SELECT 1 FROM pg_roles WHERE rolname = \(slug.tenantSchemaName)")
            #expect(schema.isEmpty && role.isEmpty)
            let entry = try #require(try await world.latestAudit("tenant.deleted", subject: "tenant:\(slug)"))
            #expect(try entry.decode("source_ip", as: String?.self) == ControlPlaneWorld.clientAddress)
            // The token is spent; a deleted tenant cannot be deleted again.
            #expect(try await world.call(.post, "\(path)/deletion", token: "partner-a").status == 409)
        }
    }

    @Test func theSupportTelephoneAndFooterAreSetAndRemovedByPatch() async throws {
        try await withControlPlaneWorld { world, _ in
            let path = "/v1/partners/\(world.a.partner)"
            let unset = try await world.call(.get, path, token: "partner-a")
            #expect(unset.json["support_phone"] is NSNull)
            #expect(unset.json["footer_text"] is NSNull)
            #expect(
                try await world.call(.patch, path, token: "partner-a", json: #"{"support_phone": "call us"}"#).errorCode
                    == "invalid_phone")
            #expect(
                try await world.call(.patch, path, token: "partner-a", json: #"{"footer_text": ""}"#).errorCode
                    == "invalid_footer")
            let set = try await world.call(
                .patch, path, token: "partner-a", json: #"{"support_phone": "+1 (555) 010-0199", "footer_text": "A Partner"}"#)
            #expect(set.status == 200, "\(set.text)")
            #expect(set.json["support_phone"] as? String == "+1 (555) 010-0199")
            #expect(set.json["footer_text"] as? String == "A Partner")
            // Absent leaves a value; null removes it.
            let kept = try await world.call(.patch, path, token: "partner-a", json: #"{"footer_text": null}"#)
            #expect(kept.json["support_phone"] as? String == "+1 (555) 010-0199")
            #expect(kept.json["footer_text"] is NSNull)
            let entry = try #require(try await world.latestAudit("partner.updated", subject: "partner:\(world.a.partner)"))
            #expect(try entry.decode("details", as: String.self).contains(#""footer_text.after": "default""#))
        }
    }
}
