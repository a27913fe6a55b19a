import ControlPlane
import Foundation
import Postgres
import TestSupport
import Testing

@Suite("Published template and mapping versions")
struct PublishedVersionsTests {
    static let document = #"{"slug":"po-approval","version":"1.0.0","title":"PO approval"}"#

    @Test func publishingStoresTheVersionWithItsChecksumAndAnAuditEntryInOneTransaction() async throws {
        try await withControlPlane { service in
            let store = PublishedVersions(pool: service.pool)
            let northwind = try Slug("northwind")
            let published = try await store.publish(
                partner: northwind, kind: .template, slug: "po-approval", version: "1.0.0", document: Self.document,
                actor: "user:publisher")
            // SHA-256 of the exact text handed over (computed independently of the store).
            let expected = try await service.pool.query(
                "SELECT encode(sha256(convert_to(\(Self.document), 'UTF8')), 'hex') AS sum")
            #expect(published.checksum == (try expected[0].decode("sum", as: String.self)))
            let read = try #require(
                try await store.version(partner: northwind, kind: .template, slug: "po-approval", version: "1.0.0"))
            #expect(read.id == published.id)
            #expect(read.publishedBy == "user:publisher")
            let audit = try await service.pool.query(
                """
                SELECT action, details->>'version' AS version, details->>'checksum' AS checksum
                FROM control.audit_log WHERE subject = \("published_version:\(published.id.uuidString.lowercased())")
                """)
            #expect(audit.count == 1)
            #expect(try audit.first?.decode("action", as: String.self) == "template.published")
            #expect(try audit.first?.decode("checksum", as: String.self) == published.checksum)
        }
    }

    @Test func aVersionMustBeGreaterThanThePartnersPreviousOnesOfThatSlug() async throws {
        try await withControlPlane { service in
            let store = PublishedVersions(pool: service.pool)
            let northwind = try Slug("northwind")
            for version in ["1.0.0", "1.2.0", "1.10.0"] {
                _ = try await store.publish(
                    partner: northwind, kind: .template, slug: "po-approval", version: version, document: Self.document,
                    actor: "test")
            }
            for refused in ["1.10.0", "1.9.9", "0.1.0"] {
                let error = await #expect(throws: ControlPlaneError.self) {
                    try await store.publish(
                        partner: northwind, kind: .template, slug: "po-approval", version: refused, document: Self.document,
                        actor: "test")
                }
                #expect(error?.code == "version_not_greater")
                #expect(error?.message.contains("1.10.0") == true, "\(error?.message ?? "")")
            }
            // Another slug, or a mapping of the same slug, has its own sequence.
            _ = try await store.publish(
                partner: northwind, kind: .mapping, slug: "po-approval", version: "0.1.0", document: "{}", actor: "test")
            _ = try await store.publish(
                partner: northwind, kind: .template, slug: "other", version: "0.1.0", document: "{}", actor: "test")
            // Numeric order, not text order: 1.10.0 is the newest.
            let versions = try await store.versions(partner: northwind, kind: .template, slug: "po-approval")
            #expect(versions.map(\.version) == ["1.0.0", "1.2.0", "1.10.0"])
            // The trigger holds the rule for writers that skip the service's check.
            await #expect(throws: PostgresError.self) {
                try await service.pool.query(
                    """
                    INSERT INTO control.published_versions
                        (partner_id, kind, slug, version, major, minor, patch, document, checksum, published_by)
                    SELECT id, 'template', 'po-approval', '1.3.0', 1, 3, 0, '{}', repeat('0', 64), 'sql'
                    FROM control.partners WHERE slug = 'northwind'
                    """)
            }
        }
    }

    @Test func publishedVersionsCannotBeChangedOrDeleted() async throws {
        try await withControlPlane { service in
            let store = PublishedVersions(pool: service.pool)
            _ = try await store.publish(
                partner: try Slug("northwind"), kind: .template, slug: "po-approval", version: "1.0.0",
                document: Self.document, actor: "test")
            for statement: PostgresQuery in [
                "UPDATE control.published_versions SET document = '{}'::jsonb",
                "DELETE FROM control.published_versions",
                "TRUNCATE control.published_versions",
            ] {
                let error = await #expect(throws: PostgresError.self) { try await service.pool.query(statement) }
                #expect(error?.sqlState == .insufficientPrivilege)
            }
            let rows = try await service.pool.query(
                "SELECT document = \(Self.document)::jsonb AS same FROM control.published_versions")
            #expect(try rows.map { try $0.decode("same", as: Bool.self) } == [true])
        }
    }

    @Test func deploymentsResolveTheTenantsPartnersVersionsOnly() async throws {
        try await withControlPlane { service in
            let store = PublishedVersions(pool: service.pool)
            let northwind = try Slug("northwind")
            let other = try uniqueSlug("other")
            _ = try await service.createPartner(
                slug: other, kind: .si, displayName: "Other", supportEmail: "help@other.example", actor: "test")
            let tenant = try uniqueSlug("acme")
            _ = try await service.createTenant(partner: northwind, slug: tenant, legalName: "Acme", actor: "test")
            for version in ["1.0.0", "1.1.0"] {
                _ = try await store.publish(
                    partner: northwind, kind: .template, slug: "po-approval", version: version, document: "{}", actor: "test")
            }
            _ = try await store.publish(
                partner: other, kind: .template, slug: "po-approval", version: "9.0.0", document: "{}", actor: "test")
            let newest = try await store.resolve(for: .tenant(tenant), kind: .template, slug: "po-approval", version: nil)
            #expect(newest?.version == "1.1.0")
            #expect(newest?.partner == northwind)
            let pinned = try await store.resolve(for: .tenant(tenant), kind: .template, slug: "po-approval", version: "1.0.0")
            #expect(pinned?.version == "1.0.0")
            #expect(try await store.resolve(for: .tenant(tenant), kind: .template, slug: "po-approval", version: "9.0.0") == nil)
            #expect(try await store.resolve(for: .tenant(tenant), kind: .mapping, slug: "po-approval", version: nil) == nil)
            let byPartner = try await store.resolve(for: .partner(other), kind: .template, slug: "po-approval", version: nil)
            #expect(byPartner?.version == "9.0.0")
        }
    }
}
