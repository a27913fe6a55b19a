import ControlPlane
import Events
import Foundation
import Mapping
import Postgres
import Synchronization

/// One mapping pinned to one webhook source of a tenant, with its compiled plan.
public struct MappingDeployment: Sendable {
    public let id: UUID
    public let source: String
    public let mapping: MappingDocument
    public let deployedBy: String
    public let deployedAt: Date

    /// What the lineage and dead letters record as the translation.
    public var translation: String { "mapping:\(mapping.slug)@\(mapping.version)" }
}

/// Deploys mappings to a tenant's webhook sources — the tenant's partner's
/// published versions first, then the shipped catalog (``MappingResolver``) —
/// and finds the one that answers for a source.
///
/// The document is stored with the deployment and compiled from storage, so
/// what runs is what was deployed even after `Templates/mappings` changes.
/// Finding a source's deployment is on every webhook's path: answers
/// (including "none") are cached for `timeToLive`, and compiled plans by
/// deployment id for as long as the process runs (a deployment never changes;
/// a new one gets a new id). A deployment made in this process takes effect
/// at once; one made elsewhere within `timeToLive`.
public final class MappingDeployments: Sendable {
    private struct Entry {
        let deployment: MappingDeployment?
        let expires: ContinuousClock.Instant
    }

    private struct Key: Hashable {
        let tenant: Slug
        let source: String
    }

    let databases: TenantDatabases
    public let resolver: MappingResolver
    private let timeToLive: Duration
    private let entries = Mutex<[Key: Entry]>([:])
    private let plans = Mutex<[UUID: MappingDocument]>([:])

    public init(databases: TenantDatabases, resolver: MappingResolver, timeToLive: Duration = .seconds(5)) {
        self.databases = databases
        self.resolver = resolver
        self.timeToLive = timeToLive
    }

    /// Deploys `slug` (at `version`, the newest when nil) for `source`,
    /// replacing what answered for it before; audited in the tenant's log.
    public func deploy(tenant: Slug, source: String, slug: String, version: String?, actor: String, requestID: String? = nil)
        async throws -> MappingDeployment
    {
        guard WebhookSecret.isValidSource(source) else { throw MiddlewareError.invalidSource(source) }
        guard let mapping = try await resolver.mapping(slug, version: version, for: .tenant(tenant)) else {
            throw MiddlewareError.mappingNotFound(slug, version: version)
        }
        let id = UUID()
        let deployment = MappingDeployment(id: id, source: source, mapping: mapping, deployedBy: actor, deployedAt: Date())
        try await databases.withTransaction(for: tenant) { tx in
            try await tx.query("UPDATE mapping_deployments SET active = false WHERE source = \(source) AND active")
            try await tx.query(
                """
                INSERT INTO mapping_deployments (id, source, mapping_slug, mapping_version, document, deployed_by)
                VALUES (\(id), \(source), \(mapping.slug), \(mapping.version.description),
                        \(mapping.document.serialized())::jsonb, \(actor))
                """)
            try await AuditLog(schema: try SQLIdentifier(tenant.tenantSchemaName)).append(
                AuditEntry(
                    actor: actor, action: "mapping.deployed", subject: "mapping_deployment:\(id.uuidString.lowercased())",
                    details: ["source": source, "mapping": mapping.slug, "version": mapping.version.description],
                    requestID: requestID),
                on: tx)
        }
        plans.withLock { $0[id] = mapping }
        entries.withLock { $0[Key(tenant: tenant, source: source)] = nil }
        return deployment
    }

    /// The active deployment of every source of `tenant`.
    public func list(tenant: Slug) async throws -> [MappingDeployment] {
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT id, source, document::text AS document, deployed_by, deployed_at
                FROM mapping_deployments WHERE active ORDER BY source
                """)
        }
        return try rows.map(decode)
    }

    /// The deployment answering for `source`, or nil when the source takes canonical events as they are.
    public func active(tenant: Slug, source: String) async throws -> MappingDeployment? {
        let key = Key(tenant: tenant, source: source)
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[key] }), entry.expires > now { return entry.deployment }
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT id, source, document::text AS document, deployed_by, deployed_at
                FROM mapping_deployments WHERE source = \(source) AND active
                """)
        }
        let deployment = try rows.first.map(decode)
        entries.withLock { entries in
            if entries.count >= 10_000 { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(deployment: deployment, expires: now.advanced(by: timeToLive))
        }
        return deployment
    }

    private func decode(_ row: PostgresRow) throws -> MappingDeployment {
        let id = try row.decode("id", as: UUID.self)
        let mapping: MappingDocument
        if let compiled = plans.withLock({ $0[id] }) {
            mapping = compiled
        } else {
            mapping = try MappingDocument.parse(Data(try row.decode("document", as: String.self).utf8))
            plans.withLock { plans in
                if plans.count >= 10_000 { plans.removeAll(keepingCapacity: true) }
                plans[id] = mapping
            }
        }
        return MappingDeployment(
            id: id, source: try row.decode("source", as: String.self), mapping: mapping,
            deployedBy: try row.decode("deployed_by", as: String.self),
            deployedAt: try row.decode("deployed_at", as: Date.self))
    }
}
