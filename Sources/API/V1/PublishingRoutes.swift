import ControlPlane
import Engine
import Events
import Foundation
import HTTP
import Mapping
import Middleware
import Telemetry

/// `/v1/partners/{partner}/templates|mappings…`: a partner's catalog (the
/// shipped versions and its own), publishing a version, reading one, the
/// diff between two, and which versions its tenants run.
///
/// Reading needs `catalog:read`, publishing `catalog:publish` (partner admins
/// and publishers hold both through their roles); another partner's catalog
/// answers 404 as if it did not exist, and authorization comes before the
/// body is read. A refused document is 422 with every problem: for a
/// template, `problems` with the step id and position of each; for a mapping,
/// `issues` with each JSON path.
public struct PublishingRoutes: Sendable {
    let templates: TemplatePublishing
    let mappings: MappingPublishing?
    let mappingDeployments: MappingDeployments?
    let status: DeploymentStatus
    let service: TenantService
    let authorization: Authorization

    public init(
        templates: TemplatePublishing, mappings: MappingPublishing?, mappingDeployments: MappingDeployments?,
        databases: TenantDatabases, service: TenantService, logger: Logger
    ) {
        self.templates = templates
        self.mappings = mappings
        self.mappingDeployments = mappingDeployments
        status = DeploymentStatus(service: service, databases: databases)
        self.service = service
        authorization = Authorization(logger: logger)
    }

    public func register(on routes: inout some RouteRegistrar) throws {
        try routes.get("/partners/:partner/templates") { request in
            let (_, partner) = try authorize(request, AccessRequest.readCatalog(ofPartner:))
            let entries = try await templates.catalog(partner: partner)
            return .jsonText(
                JSONValue.object([
                    "data": .array(
                        entries.map { entry in
                            Self.entry(
                                slug: entry.slug, title: entry.title, defaultVersion: entry.defaultVersion?.version,
                                versions: entry.versions.map { ($0.version, $0.origin.rawValue, $0.published) })
                        })
                ]).serialized())
        }
        try routes.post("/partners/:partner/templates") { request in
            let (principal, partner) = try authorize(request, AccessRequest.publish(ofPartner:))
            var published: PublishedVersion?
            var refusal: TemplateError?
            do {
                published = try await templates.publish(partner: partner, document: Data(request.body), actor: principal.actor)
            } catch let error as TemplateError {
                refusal = error
            }
            guard let published else { return Self.response(refusal, requestID: request.context.requestID) }
            return .jsonText(Self.body(published).serialized(), status: 201)
        }
        try routes.get("/partners/:partner/templates/:template/versions/:version") { request in
            let (_, partner) = try authorize(request, AccessRequest.readCatalog(ofPartner:))
            let slug = request.pathParameters["template"] ?? ""
            let version = request.pathParameters["version"] ?? ""
            let template = try await templates.template(partner: partner, slug: slug, version: version)
            let stored = try await templates.resolver.published?.version(
                partner: partner, kind: .template, slug: slug, version: version)
            return .jsonText(Self.body(stored, slug: slug, version: version, document: template.document).serialized())
        }
        try routes.get("/partners/:partner/templates/:template/diff") { request in
            let (_, partner) = try authorize(request, AccessRequest.readCatalog(ofPartner:))
            let (from, to) = try Self.diffRange(request)
            let diff = try await templates.diff(
                partner: partner, slug: request.pathParameters["template"] ?? "", from: from, to: to)
            return .jsonText(diff.json.serialized())
        }
        try routes.get("/partners/:partner/deployments") { request in
            let (_, partner) = try authorize(request, AccessRequest.readCatalog(ofPartner:))
            var data: [JSONValue] = try await status.templates(partner: partner).map { item in
                .object([
                    "tenant": .string(item.tenant.value), "kind": .string("template"), "slug": .string(item.template),
                    "version": .string(item.version), "source": .null, "deployed_by": .string(item.deployedBy),
                    "deployed_at": .string(APITime.string(item.deployedAt)),
                ])
            }
            if let mappingDeployments {
                for tenant in try await service.listTenants(partner: partner) where tenant.status == .active {
                    for deployment in try await mappingDeployments.list(tenant: tenant.slug) {
                        data.append(
                            .object([
                                "tenant": .string(tenant.slug.value), "kind": .string("mapping"),
                                "slug": .string(deployment.mapping.slug),
                                "version": .string(deployment.mapping.version.description),
                                "source": .string(deployment.source), "deployed_by": .string(deployment.deployedBy),
                                "deployed_at": .string(APITime.string(deployment.deployedAt)),
                            ]))
                    }
                }
            }
            return .jsonText(JSONValue.object(["data": .array(data)]).serialized())
        }
        if let mappings {
            try registerMappings(mappings, on: &routes)
        }
    }

    private func registerMappings(_ mappings: MappingPublishing, on routes: inout some RouteRegistrar) throws {
        try routes.get("/partners/:partner/mappings") { request in
            let (_, partner) = try authorize(request, AccessRequest.readCatalog(ofPartner:))
            let entries = try await mappings.catalog(partner: partner)
            return .jsonText(
                JSONValue.object([
                    "data": .array(
                        entries.map { entry in
                            let preferred = entry.versions.last { $0.origin == .published } ?? entry.versions.last
                            return Self.entry(
                                slug: entry.slug, title: entry.title, defaultVersion: preferred?.version.description,
                                versions: entry.versions.map { ($0.version.description, $0.origin.rawValue, $0.published) })
                        })
                ]).serialized())
        }
        try routes.post("/partners/:partner/mappings") { request in
            let (principal, partner) = try authorize(request, AccessRequest.publish(ofPartner:))
            var published: PublishedVersion?
            var refusal: MappingError?
            do {
                published = try await mappings.publish(partner: partner, document: Data(request.body), actor: principal.actor)
            } catch let error as MappingError {
                refusal = error
            }
            guard let published else {
                guard let refusal else { throw HTTPError(.internalServerError, code: "internal_error", message: "publishing failed") }
                return MappingErrorResponse.response(refusal, requestID: request.context.requestID)
            }
            return .jsonText(Self.body(published).serialized(), status: 201)
        }
        try routes.get("/partners/:partner/mappings/:mapping/versions/:version") { request in
            let (_, partner) = try authorize(request, AccessRequest.readCatalog(ofPartner:))
            let slug = request.pathParameters["mapping"] ?? ""
            let version = request.pathParameters["version"] ?? ""
            let mapping = try await mappings.mapping(partner: partner, slug: slug, version: version)
            let stored = try await mappings.resolver.published?.version(
                partner: partner, kind: .mapping, slug: slug, version: version)
            return .jsonText(Self.body(stored, slug: slug, version: version, document: mapping.document).serialized())
        }
        try routes.get("/partners/:partner/mappings/:mapping/diff") { request in
            let (_, partner) = try authorize(request, AccessRequest.readCatalog(ofPartner:))
            let (from, to) = try Self.diffRange(request)
            let diff = try await mappings.diff(partner: partner, slug: request.pathParameters["mapping"] ?? "", from: from, to: to)
            return .jsonText(diff.json.serialized())
        }
    }

    // MARK: Helpers

    /// The caller and the partner in the path, once ``AccessPolicy`` allows `access`; a malformed slug is 404.
    private func authorize(_ request: HTTPRequest, _ access: (Slug) -> AccessRequest) throws -> (Principal, Slug) {
        let principal = try request.principal()
        let text = request.pathParameters["partner"] ?? ""
        guard let partner = try? Slug(text) else {
            throw ControlPlaneError.partnerNotFound(text.count <= 41 ? text : "")
        }
        try authorization.require(
            access(partner), by: principal, for: request, notFound: ControlPlaneError.partnerNotFound(partner.value))
        return (principal, partner)
    }

    static func diffRange(_ request: HTTPRequest) throws -> (String, String) {
        guard let from = request.queryValue("from"), !from.isEmpty else {
            throw HTTPError(.badRequest, code: "invalid_query", message: "give from, the older version", field: "from")
        }
        guard let to = request.queryValue("to"), !to.isEmpty else {
            throw HTTPError(.badRequest, code: "invalid_query", message: "give to, the newer version", field: "to")
        }
        return (from, to)
    }

    static func entry(
        slug: String, title: String, defaultVersion: String?, versions: [(String, String, PublishedVersion?)]
    ) -> JSONValue {
        .object([
            "slug": .string(slug), "title": .string(title),
            "default_version": defaultVersion.map(JSONValue.string) ?? .null,
            "versions": .array(
                versions.map { version, origin, published in
                    .object([
                        "version": .string(version), "origin": .string(origin),
                        "checksum": published.map { .string($0.checksum) } ?? .null,
                        "published_by": published.map { .string($0.publishedBy) } ?? .null,
                        "published_at": published.map { .string(APITime.string($0.publishedAt)) } ?? .null,
                    ])
                }),
        ])
    }

    static func body(_ published: PublishedVersion) -> JSONValue {
        .object([
            "id": .string(published.id.uuidString.lowercased()), "kind": .string(published.kind.rawValue),
            "slug": .string(published.slug), "version": .string(published.version), "origin": .string("published"),
            "checksum": .string(published.checksum), "published_by": .string(published.publishedBy),
            "published_at": .string(APITime.string(published.publishedAt)),
        ])
    }

    /// One version with its document; `stored` is nil for a shipped version.
    static func body(_ stored: PublishedVersion?, slug: String, version: String, document: JSONValue) -> JSONValue {
        var members = stored.map(body)?.objectValue ?? [
            "slug": .string(slug), "version": .string(version), "origin": .string("shipped"), "checksum": .null,
            "published_by": .null, "published_at": .null,
        ]
        members["document"] = document
        return .object(members)
    }

    /// The standard error members plus every problem with its step and position.
    static func response(_ error: TemplateError?, requestID: String) -> HTTPResponse {
        let problems = error?.problems ?? []
        let body = JSONValue.object([
            "error": .object([
                "code": .string(error?.code ?? "invalid_template"),
                "message": .string(error?.message ?? "the template is not valid"),
                "field": error?.field.map(JSONValue.string) ?? .null, "request_id": .string(requestID),
                "problems": .array(
                    problems.map { problem in
                        .object([
                            "step": problem.step.map(JSONValue.string) ?? .null, "path": .string(problem.path),
                            "location": .string(problem.location), "message": .string(problem.message),
                        ])
                    }),
            ])
        ])
        return .jsonText(body.serialized(), status: 422)
    }
}
