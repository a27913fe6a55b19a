import ControlPlane
import Events
import Foundation
import HTTP
import Ingest
import Mapping
import Middleware
import Telemetry

/// `/v1` routes for the middleware: deploying source mappings to a tenant's
/// webhook sources, dry-running mappings, the tenant's reference tables (JSON
/// per entry or a CSV upload per table), X12 EDI ingest answered with a 997,
/// and the raw payload an event was translated from.
///
/// Deploying is a partner's act on its tenant (like deploying a template);
/// reference tables and EDI belong to the tenant's key (`events:read` to
/// read, `events:write` to change, as they shape what is ingested).
public struct MiddlewareRoutes: Sendable {
    let middleware: MiddlewareServices
    let service: TenantService
    let authorization: Authorization
    let lineage: RawPayloads

    public init(middleware: MiddlewareServices, service: TenantService, logger: Logger) {
        self.middleware = middleware
        self.service = service
        authorization = Authorization(logger: logger)
        lineage = RawPayloads(databases: middleware.ingest.databases)
    }

    struct DeployBody: Decodable {
        let source: String
        let mapping: String
        let version: String?
    }

    public func register(on routes: inout some RouteRegistrar) throws {
        try registerMappings(on: &routes)
        try registerReference(on: &routes)
        try routes.post("/edi") { request in
            let (principal, tenant) = try request.tenant(requiring: .eventsWrite)
            let answer = try await middleware.edi.ingest(
                body: request.body, tenant: tenant,
                context: IngestContext(
                    ingress: .api, detail: principal.actor, requestID: request.context.requestID,
                    traceparent: request.context[TraceContextKey.self]?.traceparent))
            return HTTPResponse(
                status: HTTPStatus(code: answer.status),
                headers: ["Content-Type": answer.contentType, "Cache-Control": "no-store"], body: Array(answer.body.utf8))
        }
        try routes.get("/raw-payloads") { request in
            let (_, tenant) = try request.tenant(requiring: .eventsRead)
            guard let eventID = request.queryValue("event_id"), !eventID.isEmpty else {
                throw HTTPError(.badRequest, code: "invalid_query", message: "give event_id", field: "event_id")
            }
            let payloads = try await lineage.payloads(tenant: tenant, producing: eventID)
            return .jsonText(JSONValue.object(["data": .array(payloads.map(Self.body))]).serialized())
        }
    }

    private func registerMappings(on routes: inout some RouteRegistrar) throws {
        try routes.get("/mappings") { request in
            let principal = try request.principal()
            var body: [String: JSONValue] = [
                "data": .array(
                    middleware.catalog.slugs.compactMap { middleware.catalog.mapping($0) }.map { mapping in
                        .object([
                            "slug": .string(mapping.slug), "version": .string(mapping.version.description),
                            "title": .string(mapping.title), "source": .string(mapping.source),
                            "versions": .array(middleware.catalog.versions(of: mapping.slug).map { .string($0.version.description) }),
                            "outputs": .array(mapping.outputs.map { .string($0.eventType) }),
                            "lookups": .array(mapping.lookupTables.map(JSONValue.string)),
                        ])
                    })
            ]
            if case .tenant(let tenant, _) = principal.organization {
                body["deployments"] = .array(try await middleware.deployments.list(tenant: tenant).map(Self.body))
            }
            return .jsonText(JSONValue.object(body).serialized())
        }
        try routes.post("/tenants/:slug/mappings") { request in
            let principal = try request.principal()
            let slug = try Slug(request.pathParameters["slug"] ?? "")
            let tenant = try await service.tenant(slug)
            try authorization.require(
                .manageTenant(tenant), by: principal, for: request, notFound: ControlPlaneError.tenantNotFound(slug.value))
            let body = try request.decodeJSON(DeployBody.self)
            let deployment = try await middleware.deployments.deploy(
                tenant: slug, source: body.source, slug: body.mapping, version: body.version, actor: principal.actor,
                requestID: request.context.requestID)
            return .jsonText(Self.body(deployment).serialized(), status: 201)
        }
        try routes.get("/tenants/:slug/mappings") { request in
            let principal = try request.principal()
            let slug = try Slug(request.pathParameters["slug"] ?? "")
            let tenant = try await service.tenant(slug)
            try authorization.require(
                .readTenant(tenant), by: principal, for: request, notFound: ControlPlaneError.tenantNotFound(slug.value))
            return .jsonText(
                JSONValue.object(["data": .array(try await middleware.deployments.list(tenant: slug).map(Self.body))])
                    .serialized())
        }
        try routes.post("/mappings/dry-run") { request in
            let principal = try request.principal()
            let body = try Self.jsonBody(request)
            let source: MappingDryRun.Source
            if let document = body["document"] {
                source = .inline(Data(document.serialized().utf8))
            } else if let slug = body["mapping"]?.stringValue {
                source = .published(slug: slug, version: body["version"]?.stringValue)
            } else {
                throw HTTPError(
                    HTTPStatus(code: 422), code: "invalid_dry_run",
                    message: "give mapping (a published slug) or document (an inline mapping)", field: "mapping")
            }
            guard let payload = body["payload"] else {
                throw HTTPError(
                    HTTPStatus(code: 422), code: "invalid_dry_run", message: "give payload, the sample to map",
                    field: "payload")
            }
            let mapping: MappingDocument
            do {
                // A partner or tenant tries its partner's published versions as its deployments would.
                let audience: PublishedVersions.Audience? =
                    switch principal.organization {
                    case .provider: nil
                    case .partner(let partner): .partner(partner)
                    case .tenant(let tenant, _): .tenant(tenant)
                    }
                mapping = try await middleware.dryRun.mapping(source, for: audience)
            } catch let error as MappingError {
                return MappingErrorResponse.response(error, requestID: request.context.requestID)
            }
            let lookups: InMemoryReferenceLookup
            if let given = body["lookups"] {
                do {
                    lookups = try InMemoryReferenceLookup(json: given)
                } catch let error as MappingError {
                    return MappingErrorResponse.response(error, requestID: request.context.requestID)
                }
            } else if case .tenant(let tenant, _) = principal.organization {
                lookups = try await middleware.references.lookups(tenant: tenant, tables: mapping.lookupTables)
            } else {
                lookups = InMemoryReferenceLookup()
            }
            do {
                let events = try middleware.dryRun.run(mapping, payload: Array(payload.serialized().utf8), lookups: lookups)
                return .jsonText(
                    JSONValue.object([
                        "mapping": .string(mapping.slug), "version": .string(mapping.version.description),
                        "events": .array(events.map(\.document)),
                    ]).serialized())
            } catch let error as MappingError {
                return MappingErrorResponse.response(error, requestID: request.context.requestID)
            }
        }
    }

    private func registerReference(on routes: inout some RouteRegistrar) throws {
        try routes.get("/reference/:table") { request in
            let (_, tenant) = try request.tenant(requiring: .eventsRead)
            let page = try await middleware.tables.list(
                tenant: tenant, table: request.pathParameters["table"] ?? "", after: request.queryValue("cursor"),
                limit: try request.limit())
            return .jsonText(
                JSONValue.object([
                    "data": .array(page.entries.map(Self.body)),
                    "next_cursor": page.nextKey.map(JSONValue.string) ?? .null,
                ]).serialized())
        }
        try routes.post("/reference/:table") { request in
            let (principal, tenant) = try request.tenant(requiring: .eventsWrite)
            let type = (request.headers["Content-Type"] ?? "").lowercased()
            guard type.hasPrefix("text/csv") else {
                throw HTTPError(
                    .unsupportedMediaType, code: "unsupported_media_type",
                    message: "upload a reference table as text/csv (one entry per row, a header row first)",
                    field: "Content-Type")
            }
            guard let text = String(validating: request.body, as: UTF8.self) else {
                throw HTTPError(.badRequest, code: "invalid_csv", message: "the upload is not UTF-8 text")
            }
            let table = request.pathParameters["table"] ?? ""
            let entries = try ReferenceCSV().entries(text, keyColumn: request.queryValue("key"))
            let result = try await middleware.tables.load(
                tenant: tenant, table: table, entries: entries, replace: request.queryValue("mode") == "replace",
                actor: principal.actor, requestID: request.context.requestID)
            return .jsonText(
                JSONValue.object([
                    "table": .string(table), "upserted": .number(String(result.upserted)),
                    "deleted": .number(String(result.deleted)),
                ]).serialized())
        }
        try routes.get("/reference/:table/:key") { request in
            let (_, tenant) = try request.tenant(requiring: .eventsRead)
            let entry = try await middleware.tables.entry(
                tenant: tenant, table: request.pathParameters["table"] ?? "", key: request.pathParameters["key"] ?? "")
            return .jsonText(Self.body(entry).serialized())
        }
        try routes.put("/reference/:table/:key") { request in
            let (principal, tenant) = try request.tenant(requiring: .eventsWrite)
            let value = try Self.jsonBody(request)
            let table = request.pathParameters["table"] ?? ""
            let key = request.pathParameters["key"] ?? ""
            let created = try await middleware.tables.put(
                tenant: tenant, table: table, key: key, value: value, actor: principal.actor,
                requestID: request.context.requestID)
            let entry = try await middleware.tables.entry(tenant: tenant, table: table, key: key)
            return .jsonText(Self.body(entry).serialized(), status: created ? 201 : 200)
        }
        try routes.delete("/reference/:table/:key") { request in
            let (principal, tenant) = try request.tenant(requiring: .eventsWrite)
            try await middleware.tables.delete(
                tenant: tenant, table: request.pathParameters["table"] ?? "", key: request.pathParameters["key"] ?? "",
                actor: principal.actor, requestID: request.context.requestID)
            return HTTPResponse(status: .noContent)
        }
    }

    /// A JSON request body as a value (mapping documents and payloads are arbitrary JSON).
    static func jsonBody(_ request: HTTPRequest) throws -> JSONValue {
        do {
            return try JSONParser(maxBytes: 4 << 20, maxDepth: 64).parse(Data(request.body))
        } catch {
            throw HTTPError(.badRequest, code: "invalid_json", message: "the body is not valid JSON: \(error)")
        }
    }

    static func body(_ deployment: MappingDeployment) -> JSONValue {
        .object([
            "id": .string(deployment.id.uuidString.lowercased()), "source": .string(deployment.source),
            "mapping": .string(deployment.mapping.slug), "version": .string(deployment.mapping.version.description),
            "deployed_by": .string(deployment.deployedBy), "deployed_at": .string(APITime.string(deployment.deployedAt)),
        ])
    }

    static func body(_ entry: ReferenceEntry) -> JSONValue {
        .object([
            "table": .string(entry.table), "key": .string(entry.key), "value": entry.value,
            "updated_at": .string(APITime.string(entry.updatedAt)), "updated_by": .string(entry.updatedBy),
        ])
    }

    static func body(_ payload: StoredRawPayload) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(String(payload.id)), "received_at": .string(APITime.string(payload.receivedAt)),
            "sha256": .string(payload.sha256), "content_type": .string(payload.contentType),
            "translation": .string(payload.translation), "ingress": .string(payload.ingress),
            "via": .string(payload.ingressDetail), "request_id": payload.requestID.map(JSONValue.string) ?? .null,
            "event_ids": .array(payload.eventIDs.map(JSONValue.string)),
        ]
        if let text = String(validating: payload.body, as: UTF8.self) {
            members["body"] = .string(text)
        } else {
            members["body_base64"] = .string(Data(payload.body).base64EncodedString())
        }
        return .object(members)
    }
}

/// A mapping error with everything a partner needs to fix the mapping or the
/// payload: the standard error members plus `source_path`, `target`, `rule`
/// and every issue.
enum MappingErrorResponse {
    static func response(_ error: MappingError, requestID: String) -> HTTPResponse {
        let body = JSONValue.object([
            "error": .object([
                "code": .string(error.code), "message": .string(error.message),
                "field": error.field.map(JSONValue.string) ?? .null, "request_id": .string(requestID),
                "source_path": error.sourcePath.map(JSONValue.string) ?? .null,
                "target": error.target.map(JSONValue.string) ?? .null,
                "rule": error.rule.map(JSONValue.string) ?? .null,
                "issues": .array(
                    error.issues.map { .object(["path": .string($0.path), "message": .string($0.message)]) }),
            ])
        ])
        return .jsonText(body.serialized(), status: error.httpStatus)
    }
}
