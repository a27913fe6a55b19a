import Foundation

/// Where a tenant is in its life: provisioning → active ⇄ suspended → deleting → deleted.
public enum TenantStatus: String, Sendable, Codable, CaseIterable {
    case provisioning, active, suspended, deleting, deleted
}

/// The kinds of partner that onboard client companies.
public enum PartnerKind: String, Sendable, Codable, CaseIterable {
    case msp
    case erpPartner = "erp_partner"
    case si
}

public struct Partner: Sendable, Equatable, Codable {
    public let id: UUID
    public let slug: Slug
    public let kind: PartnerKind
    public let displayName: String
    public let supportEmail: String
}

public struct Tenant: Sendable, Equatable, Codable {
    public let id: UUID
    public let partnerSlug: Slug
    public let slug: Slug
    public let legalName: String
    public let status: TenantStatus
    public let createdAt: Date

    /// Schema and login role: `t_<slug>`.
    public var schemaName: String { slug.tenantSchemaName }
}
