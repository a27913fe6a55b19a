import ControlPlane
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Rotating and listing stored API credentials")
struct CredentialRotationStoreTests {
    @Test func bothKeysWorkDuringTheOverlapAndOnlyTheNewOneAfterIt() async throws {
        try await withControlPlane { service in
            let slug = try uniqueSlug("rot")
            _ = try await service.createTenant(
                partner: try Slug("northwind"), slug: slug, legalName: "Rot Ltd", actor: "test")
            let store = CredentialStore(pool: service.pool)
            let (_, old) = try await store.issue(
                for: .tenant(slug), scopes: [.eventsWrite], ipAllowList: IPAllowList([try CIDR(parsing: "10.0.0.0/8")]),
                name: "erp", actor: "test")
            let start = Date()
            let new = try await store.rotate(prefix: old.prefix, overlap: .seconds(3600), actor: "test", now: start)
            #expect(new.prefix != old.prefix)

            let during = start.addingTimeInterval(1800)
            #expect(
                try await store.authenticate(old.reveal(), remoteAddress: "10.1.1.1", now: during).principal.actor
                    == "credential:\(old.prefix)")
            let fresh = try await store.authenticate(new.reveal(), remoteAddress: "10.1.1.1", now: during)
            #expect(fresh.principal.scopes == ["events:write"])
            // The replacement inherits the allow-list.
            await #expect(throws: CredentialError.self) {
                try await store.authenticate(new.reveal(), remoteAddress: "192.0.2.1", now: during)
            }

            let after = start.addingTimeInterval(3601)
            let refused = await #expect(throws: CredentialError.self) {
                try await store.authenticate(old.reveal(), remoteAddress: "10.1.1.1", now: after)
            }
            #expect(refused?.code == "api_key_rotated")
            #expect(
                try await store.authenticate(new.reveal(), remoteAddress: "10.1.1.1", now: after).principal.scopes == [
                    "events:write"
                ])

            // The list shows both, linked, without hashes; the new one carries the old one's name.
            let listed = try await store.list(owner: .tenant(slug))
            #expect(Set(listed.map(\.prefix)) == [old.prefix, new.prefix])
            let oldRow = try #require(listed.first { $0.prefix == old.prefix })
            #expect(oldRow.replacedBy == new.prefix)
            #expect(oldRow.validUntil.map { abs($0.timeIntervalSince(start) - 3600) < 0.01 } == true)
            #expect(listed.first { $0.prefix == new.prefix }?.name == "erp")
            #expect(!String(describing: listed).contains(old.reveal()))

            // One audit entry, in the same transaction, naming prefixes only.
            let audit = try await service.pool.query(
                "SELECT details::text AS d FROM control.audit_log WHERE action = 'credential.rotated' AND subject = \("credential:\(old.prefix)")"
            )
            #expect(audit.count == 1)
            let details = try audit[0].decode("d", as: String.self)
            #expect(details.contains(new.prefix))
            #expect(!details.contains(new.reveal()) && !details.contains(old.reveal()))
            let verification = try await service.pool.withConnection { try await AuditLog.control().verify(on: $0) }
            #expect(verification.isIntact)
        }
    }

    @Test func onlyALiveCurrentKeyOfTheRightOwnerCanBeRotated() async throws {
        try await withControlPlane { service in
            let slug = try uniqueSlug("rot2")
            let other = try uniqueSlug("rot3")
            for tenant in [slug, other] {
                _ = try await service.createTenant(
                    partner: try Slug("northwind"), slug: tenant, legalName: "Rot Ltd", actor: "test")
            }
            let store = CredentialStore(pool: service.pool)
            let (_, key) = try await store.issue(for: .tenant(slug), scopes: [.runsRead], actor: "test")

            let foreign = await #expect(throws: ControlPlaneError.self) {
                try await store.rotate(prefix: key.prefix, overlap: .zero, actor: "test", owner: .tenant(other))
            }
            #expect(foreign?.code == "credential_not_found")
            let tooLong = await #expect(throws: ControlPlaneError.self) {
                try await store.rotate(prefix: key.prefix, overlap: .seconds(365 * 86_400), actor: "test")
            }
            #expect(tooLong?.httpStatus == 422)

            let start = Date()
            let replacement = try await store.rotate(
                prefix: key.prefix, overlap: .zero, actor: "test", owner: .tenant(slug), now: start)
            let again = await #expect(throws: ControlPlaneError.self) {
                try await store.rotate(prefix: key.prefix, overlap: .zero, actor: "test")
            }
            #expect(again?.code == "credential_already_rotated")
            // A zero overlap ends the old key at once (a millisecond later: timestamptz keeps microseconds).
            let refused = await #expect(throws: CredentialError.self) {
                try await store.authenticate(key.reveal(), remoteAddress: "::1", now: start.addingTimeInterval(0.001))
            }
            #expect(refused?.code == "api_key_rotated")

            // Revoking through another owner is refused like a missing key; through the right one it works.
            let wrongOwner = await #expect(throws: ControlPlaneError.self) {
                try await store.revoke(prefix: replacement.prefix, owner: .tenant(other), actor: "test")
            }
            #expect(wrongOwner?.code == "credential_not_found")
            try await store.revoke(prefix: replacement.prefix, owner: .tenant(slug), actor: "test")
            let revoked = await #expect(throws: ControlPlaneError.self) {
                try await store.rotate(prefix: replacement.prefix, overlap: .zero, actor: "test")
            }
            #expect(revoked?.code == "credential_revoked")
        }
    }
}
