import Foundation
import Postgres

/// Reconciles the database with manifests: creates what is missing, updates
/// what differs, and leaves the rest, reporting each decision. Applying the
/// same manifests twice changes nothing the second time.
public struct ManifestApplier: Sendable {
    public enum Outcome: String, Sendable { case created, changed, unchanged }

    public struct Change: Sendable, Equatable, CustomStringConvertible {
        public let outcome: Outcome
        public let subject: String
        public var description: String { "\(outcome.rawValue)\t\(subject)" }
    }

    public let service: TenantService

    public init(service: TenantService) { self.service = service }

    public func apply(_ manifest: TenantManifest, actor: String) async throws -> [Change] {
        var changes: [Change] = []
        changes.append(try await applyPartner(manifest.partner, actor: actor))
        for tenant in manifest.tenants {
            changes.append(try await applyTenant(tenant, partner: manifest.partner.slug, actor: actor))
            for user in tenant.users ?? [] {
                changes.append(try await applyUser(user, tenant: tenant.slug, actor: actor))
            }
        }
        return changes
    }

    private func applyPartner(_ spec: TenantManifest.PartnerSpec, actor: String) async throws -> Change {
        let subject = "partner:\(spec.slug)"
        let existing = try? await service.partner(spec.slug)
        if existing == nil {
            _ = try await service.createPartner(
                slug: spec.slug, kind: spec.kind, displayName: spec.displayName, supportEmail: spec.supportEmail,
                actor: actor)
        }
        let brandChanged = try await service.updatePartner(
            spec.slug, kind: spec.kind, displayName: spec.displayName, supportEmail: spec.supportEmail,
            primaryColor: spec.brand?.primaryColor, accentColor: spec.brand?.accentColor,
            domains: spec.brand?.domains ?? [], actor: actor)
        if existing == nil { return Change(outcome: .created, subject: subject) }
        return Change(outcome: brandChanged ? .changed : .unchanged, subject: subject)
    }

    private func applyTenant(_ spec: TenantManifest.TenantSpec, partner: Slug, actor: String) async throws -> Change {
        let subject = "tenant:\(spec.slug)"
        let before = try? await service.tenant(spec.slug)
        if let before, before.status == .active || before.status == .suspended {
            guard before.partnerSlug == partner else {
                throw ControlPlaneError.conflict(
                    "tenant_exists", "tenant '\(spec.slug)' belongs to partner '\(before.partnerSlug)'", field: "slug")
            }
            let changed = try await service.updateTenant(spec.slug, legalName: spec.legalName, plan: spec.plan, actor: actor)
            return Change(outcome: changed ? .changed : .unchanged, subject: subject)
        }
        _ = try await service.createTenant(partner: partner, slug: spec.slug, legalName: spec.legalName, actor: actor)
        _ = try await service.updateTenant(spec.slug, legalName: spec.legalName, plan: spec.plan, actor: actor)
        return Change(outcome: .created, subject: subject)
    }

    private func applyUser(_ spec: TenantManifest.UserSpec, tenant: Slug, actor: String) async throws -> Change {
        var outcome = try await service.upsertTenantUser(
            tenant: tenant, email: spec.email, displayName: spec.displayName, roles: spec.roles.sorted(),
            approvalLimit: spec.approvalLimit.map { ($0.amount, $0.currency) }, actor: actor)
        if let password = spec.demoPassword {
            let sessions = try SessionStore(pool: service.pool)
            if try await !sessions.passwordMatches(email: spec.email, password: password) {
                try await sessions.setPassword(email: spec.email, password: password, actor: actor)
                if outcome == .unchanged { outcome = .changed }
            }
        }
        return Change(outcome: outcome, subject: "user:\(spec.email)")
    }
}
