import ControlPlane
import Events
import Foundation
import Platform
import Postgres

/// A template version deployed into a tenant with its parameters.
public struct Deployment: Sendable {
    public let id: UUID
    public let template: WorkflowTemplate
    /// Every parameter, the deployment's value or else the template's default.
    public let parameters: [String: JSONValue]
    public let deployedBy: String
    public let deployedAt: Date
}

public struct DeploymentError: CodedError, Equatable {
    public let code: String
    public let message: String
    public let httpStatus: Int
    public let field: String?
}

/// Deploys templates into tenants' runtimes. A new deployment of a
/// template replaces the active one for new runs; runs already started keep
/// the version they started with (they reference their deployment). Which
/// template a slug and version mean is the ``TemplateResolver``'s answer:
/// the tenant's partner's published versions, then the shipped catalog.
public struct Deployments: Sendable {
    let databases: TenantDatabases
    public let resolver: TemplateResolver

    public init(databases: TenantDatabases, resolver: TemplateResolver) {
        self.databases = databases
        self.resolver = resolver
    }

    /// Deploys from the shipped catalog alone: for tools and tests without a control plane.
    public init(databases: TenantDatabases, catalog: TemplateCatalog) {
        self.init(databases: databases, resolver: TemplateResolver(catalog: catalog, published: nil))
    }

    /// Deploys `slug` at `version` (the newest when nil) with `parameters`
    /// (decimal and money values as strings), audited in the tenant's log.
    public func deploy(
        tenant: Slug, slug: String, version: String?, parameters: [String: JSONValue], actor: String
    ) async throws -> Deployment {
        try await deploy(
            tenant: tenant, template: try await find(slug, version: version, for: .tenant(tenant)), parameters: parameters,
            actor: actor)
    }

    private func deploy(tenant: Slug, template: WorkflowTemplate, parameters: [String: JSONValue], actor: String)
        async throws -> Deployment
    {
        let resolved = try Self.resolve(parameters, for: template)
        let id = UUID()
        let parametersText = JSONValue.object(resolved).serialized()
        try await databases.withTransaction(for: tenant) { tx in
            try await tx.query("UPDATE deployments SET active = false WHERE template_slug = \(template.slug) AND active")
            try await tx.query(
                """
                INSERT INTO deployments (id, template_slug, template_version, document, parameters, deployed_by)
                VALUES (\(id), \(template.slug), \(template.version), \(template.document.serialized())::jsonb,
                        \(parametersText)::jsonb, \(actor))
                """)
            try await AuditLog(schema: try SQLIdentifier(tenant.tenantSchemaName)).append(
                AuditEntry(
                    actor: actor, action: "template.deployed", subject: "deployment:\(id.uuidString.lowercased())",
                    details: ["template": template.slug, "version": template.version, "parameters": parametersText]),
                on: tx)
        }
        return Deployment(id: id, template: template, parameters: resolved, deployedBy: actor, deployedAt: Date())
    }

    /// Checks that `slug` (at `version`) exists for `audience` and takes `parameters`, without deploying.
    public func validate(
        slug: String, version: String?, parameters: [String: JSONValue], for audience: PublishedVersions.Audience
    ) async throws {
        _ = try Self.resolve(parameters, for: try await find(slug, version: version, for: audience))
    }

    private func find(_ slug: String, version: String?, for audience: PublishedVersions.Audience) async throws
        -> WorkflowTemplate
    {
        guard let template = try await resolver.template(slug, version: version, for: audience) else {
            throw DeploymentError(
                code: "template_not_found",
                message: "no template \"\(slug)\"" + (version.map { " version \($0)" } ?? "") + " is published",
                httpStatus: 404, field: "template")
        }
        return template
    }

    /// Deploys unless the active deployment already runs this version with
    /// these parameters; for reconciling manifests. Returns whether it deployed.
    public func ensure(tenant: Slug, slug: String, version: String?, parameters: [String: JSONValue], actor: String)
        async throws -> Bool
    {
        let template = try await find(slug, version: version, for: .tenant(tenant))
        let wanted = JSONValue.object(try Self.resolve(parameters, for: template))
        let rows = try await databases.withConnection(for: tenant) { connection in
            try await connection.query(
                """
                SELECT template_version, parameters::text AS parameters FROM deployments
                WHERE template_slug = \(template.slug) AND active
                """)
        }
        if let row = rows.first, try row.decode("template_version", as: String.self) == template.version,
            try JSONParser().parse(row.decode("parameters", as: String.self)) == wanted
        {
            return false
        }
        _ = try await deploy(tenant: tenant, template: template, parameters: parameters, actor: actor)
        return true
    }

    /// The values to run with: given ones checked, missing ones defaulted, unknown ones refused.
    static func resolve(_ given: [String: JSONValue], for template: WorkflowTemplate) throws(DeploymentError)
        -> [String: JSONValue]
    {
        var resolved: [String: JSONValue] = [:]
        for name in given.keys.sorted() where template.parameters[name] == nil {
            throw DeploymentError(
                code: "unknown_parameter", message: "template \(template.slug) has no parameter \"\(name)\"",
                httpStatus: 422, field: "parameters.\(name)")
        }
        for (name, parameter) in template.parameters {
            let value = given[name] ?? parameter.defaultValue
            if let problem = ParameterValues.check(value, against: parameter) {
                throw DeploymentError(
                    code: "invalid_parameter", message: "parameter \(name) \(problem)", httpStatus: 422,
                    field: "parameters.\(name)")
            }
            resolved[name] = value
        }
        return resolved
    }
}
