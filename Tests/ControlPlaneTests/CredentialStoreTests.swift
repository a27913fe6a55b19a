import ControlPlane
import Cryptography
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Stored API credentials and webhook secrets")
struct CredentialStoreTests {
    @Test func issueAuthenticateRevokeExpireAndAllowList() async throws {
        try await withControlPlane { service in
            let slug = try uniqueSlug("keys")
            _ = try await service.createTenant(partner: try Slug("northwind"), slug: slug, legalName: "Keys Ltd", actor: "test")
            let store = CredentialStore(pool: service.pool)
            let (_, key) = try await store.issue(
                for: .tenant(slug), scopes: try ScopeSet(parsing: "events:write,runs:read"), actor: "test")
            let ok = try await store.authenticate(key.reveal(), remoteAddress: "10.1.2.3")
            #expect(ok.principal.organization == .tenant(slug, partner: try Slug("northwind")))
            #expect(ok.principal.scopes == ["events:write", "runs:read"])
            #expect(ok.principal.actor == "credential:\(key.prefix)")

            // The secret is stored only as a hash and never reaches the audit log.
            let leaked = try await service.pool.query(
                """
                SELECT (SELECT count(*) FROM control.audit_log WHERE details::text LIKE '%' || \(String(key.reveal().suffix(20))) || '%')
                     + (SELECT count(*) FROM control.api_credentials WHERE key_prefix = \(key.reveal())) AS n
                """)
            #expect(try leaked[0].decode("n", as: Int.self) == 0)

            var tampered = Array(key.reveal())
            tampered[30] = tampered[30] == "a" ? "b" : "a"
            let invalid = await #expect(throws: CredentialError.self) {
                try await store.authenticate(String(tampered), remoteAddress: "10.1.2.3")
            }
            #expect(invalid?.httpStatus == 401)

            try await store.revoke(prefix: key.prefix, actor: "test")
            let revoked = await #expect(throws: CredentialError.self) {
                try await store.authenticate(key.reveal(), remoteAddress: "10.1.2.3")
            }
            #expect(revoked?.code == "api_key_revoked")

            let (_, expiring) = try await store.issue(
                for: .tenant(slug), scopes: [.runsRead], expiresAt: Date().addingTimeInterval(-1), actor: "test")
            let expired = await #expect(throws: CredentialError.self) {
                try await store.authenticate(expiring.reveal(), remoteAddress: "10.1.2.3")
            }
            #expect(expired?.code == "api_key_expired")

            let (_, fenced) = try await store.issue(
                for: .tenant(slug), scopes: [.runsRead], ipAllowList: IPAllowList([try CIDR(parsing: "192.168.0.0/16")]),
                actor: "test")
            #expect(try await store.authenticate(fenced.reveal(), remoteAddress: "192.168.4.5").principal.scopes == ["runs:read"])
            let outside = await #expect(throws: CredentialError.self) {
                try await store.authenticate(fenced.reveal(), remoteAddress: "10.0.0.1")
            }
            #expect(outside?.httpStatus == 403)

            // A suspended tenant's keys are blocked, with a clear error.
            let (_, active) = try await store.issue(for: .tenant(slug), scopes: [.admin], actor: "test")
            _ = try await service.suspend(slug, actor: "test")
            let blocked = await #expect(throws: ControlPlaneError.self) {
                try await store.authenticate(active.reveal(), remoteAddress: "10.0.0.1")
            }
            #expect(blocked?.code == "tenant_suspended")
        }
    }

    @Test func partnerKeysActForThePartner() async throws {
        try await withControlPlane { service in
            let store = CredentialStore(pool: service.pool)
            let (_, key) = try await store.issue(for: .partner(try Slug("northwind")), scopes: [.tenantsRead], actor: "test")
            let principal = try await store.authenticate(key.reveal(), remoteAddress: "::1").principal
            #expect(principal.organization == .partner(try Slug("northwind")))
            let missing = await #expect(throws: ControlPlaneError.self) {
                try await store.issue(for: .partner(try Slug("nobody")), scopes: [.admin], actor: "test")
            }
            #expect(missing?.code == "partner_not_found")
        }
    }

    @Test func webhookSecretsAreSealedAndRotateWithOverlap() async throws {
        try await withControlPlane { service in
            let slug = try uniqueSlug("hooks")
            let tenant = try await service.createTenant(partner: try Slug("northwind"), slug: slug, legalName: "Hooks Ltd", actor: "test")
            let store = WebhookSecretStore(pool: service.pool, keyRing: service.keyRing)
            let first = try await store.create(tenant: slug, source: "netsuite", actor: "test")
            #expect(first.reveal().hasPrefix("whsec_"))
            let second = try await store.create(tenant: slug, source: "netsuite", overlap: .seconds(3600), actor: "test")
            let acceptable = try await store.acceptable(tenantID: tenant.id, source: "netsuite")
            #expect(acceptable == [second, first])
            let immediate = try await store.create(tenant: slug, source: "netsuite", overlap: .zero, actor: "test")
            #expect(try await store.acceptable(tenantID: tenant.id, source: "netsuite") == [immediate])
            // Nothing in the database reveals a secret.
            let raw = try await service.pool.query("SELECT secret_sealed FROM control.webhook_secrets")
            for row in raw {
                let bytes = try row.decode("secret_sealed", as: ByteA.self).bytes
                #expect(!String(decoding: bytes, as: UTF8.self).contains(String(second.reveal().dropFirst(6).prefix(12))))
            }
            let bad = await #expect(throws: ControlPlaneError.self) {
                try await store.create(tenant: slug, source: "Bad Source", actor: "test")
            }
            #expect(bad?.code == "invalid_webhook_source")
        }
    }
}
