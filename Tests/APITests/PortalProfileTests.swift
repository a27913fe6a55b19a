import API
import ControlPlane
import Foundation
import HTTP
import Portal
import Postgres
import TestSupport
import Testing

@Suite("Portal: a user's time zone")
struct PortalProfileTests {
    @Test func aUserChoosesATimeZoneAndEveryDateFollowsIt() async throws {
        try await withIngestWorld { world in
            let email = "manager.\(world.tenant.value)@client.example"
            try await addUser(world, tenant: world.tenant, email: email, name: "Mia", roles: ["ap_manager"], password: "manager-password-1")
            do {
                #expect(try await world.post(try example("purchase_order.created.json")).status == 201)
                let browser = Browser(try portalApplication(world))
                _ = try await browser.signIn(email, "manager-password-1")
                let before = try await browser.get("/events")
                #expect(before.html.contains("+00:00"))
                let profile = try await browser.get("/profile")
                #expect(profile.status == 200)
                #expect(profile.html.contains("<option value=\"UTC\" selected>"))
                #expect(profile.html.contains("<option value=\"Asia/Kolkata\">"))
                let csrf = try #require(profile.hidden("csrf_token"))

                #expect(try await browser.post("/profile/time-zone", form: [("time_zone", "Asia/Kolkata")]).status == 403)
                let unknown = try await browser.post("/profile/time-zone", form: [("csrf_token", csrf), ("time_zone", "Mars/Olympus_Mons")])
                #expect(unknown.status == 422)
                #expect(unknown.html.contains("Choose a time zone from the list"))

                let saved = try await browser.post("/profile/time-zone", form: [("csrf_token", csrf), ("time_zone", "Asia/Kolkata")])
                #expect(saved.status == 303)
                // India has no daylight saving time, so the offset is the same whatever the date.
                let after = try await browser.get("/events")
                #expect(after.html.contains("+05:30"))
                #expect(!after.html.contains("+00:00"))
                #expect(try await browser.get("/audit").html.contains("+05:30"))
                let audit = try await world.pool.query(
                    """
                    SELECT details->>'time_zone.after' AS zone FROM control.audit_log
                    WHERE action = 'user.updated' AND actor = \("user:\(email)")
                    """)
                #expect(try audit.map { try $0.decode("zone", as: String?.self) } == ["Asia/Kolkata"])
            } catch {
                try? await removeUsers(world, tenants: [world.tenant])
                throw error
            }
            try await removeUsers(world, tenants: [world.tenant])
        }
    }

    @Test func theDatabaseRefusesATimeZoneItDoesNotKnow() async throws {
        try await withIngestWorld { world in
            let tenantID = try await world.service.tenant(world.tenant).id
            func insert(_ zone: String) async throws {
                try await world.pool.query(
                    """
                    INSERT INTO control.users (scope, tenant_id, email, display_name, roles, time_zone)
                    VALUES ('tenant', \(tenantID), \("z\(UUID().uuidString.prefix(8).lowercased())@client.example"), 'Z', \(["auditor"]), \(zone))
                    """)
            }
            do {
                try await insert("Europe/Berlin")
                for zone in ["Mars/Olympus_Mons", "UTC+5", "EST", "", "Europe/Berlin'; --"] {
                    await #expect(throws: PostgresError.self, "\(zone)") { try await insert(zone) }
                }
                let defaulted = try await world.pool.query(
                    "SELECT DISTINCT time_zone FROM control.users WHERE tenant_id = \(tenantID) ORDER BY 1")
                #expect(try defaulted.map { try $0.decode("time_zone", as: String.self) } == ["Europe/Berlin"])
            } catch {
                try? await removeUsers(world, tenants: [world.tenant])
                throw error
            }
            try await removeUsers(world, tenants: [world.tenant])
        }
    }
}
