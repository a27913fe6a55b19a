import ControlPlane
import Engine
import Events
import Foundation
import HTTP
import Rendering

/// Partner publishers' pages: the template catalog (shipped and the
/// partner's own versions), publishing a new version with every validation
/// problem shown beside the document, the diff between two versions, and
/// which version each of the partner's clients runs.
///
/// Reading needs `catalog:read`, publishing `catalog:publish` (partner admins
/// and publishers, see ``ControlPlane/RoleScopes``), both through
/// ``ControlPlane/AccessPolicy`` like the API; the partner always comes from
/// the session.
struct PublisherPages: Sendable {
    let portal: Portal

    /// Longest document the form accepts, in UTF-8 bytes: the template parser's own limit.
    static let maximumDocumentBytes = 1 << 20

    func catalog(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, partner) = try requirePartnerUser(request, AccessRequest.readCatalog(ofPartner:))
        let publishing = try requirePublishing()
        let formatter = DateText(timeZone: portal.dependencies.timeZone)
        let entries = try await publishing.catalog(partner: partner)
        let rows: [ViewValue] = entries.map { entry -> ViewValue in
            let versions: [ViewValue] = entry.versions.map { version -> ViewValue in
                [
                    "version": .string(version.version), "origin": .string(version.origin.rawValue),
                    "title": .string(version.title),
                    "published_at": .string(version.published.map { formatter.dateTime($0.publishedAt) } ?? "—"),
                    "published_by": .string(version.published?.publishedBy ?? "provider"),
                    "is_default": .bool(version.version == entry.defaultVersion?.version),
                ]
            }
            return [
                "slug": .string(entry.slug), "title": .string(entry.title), "versions": .list(versions),
                "can_diff": .bool(entry.versions.count > 1),
                "from_choices": .list(Self.choices(entry.versions.map(\.version), selected: entry.versions.dropLast().last?.version)),
                "to_choices": .list(Self.choices(entry.versions.map(\.version), selected: entry.versions.last?.version)),
            ]
        }
        var flash: [FlashMessage] = []
        if let published = request.request.queryValue("published"), !published.isEmpty {
            flash.append(FlashMessage(.success, "Published \(published). Deploy it to a client to use it."))
        }
        return try portal.render(
            "publisher_catalog", request, title: "Workflow templates",
            page: ["templates": .list(rows), "can_publish": .bool(user.principal.has(scope: "catalog:publish"))],
            flash: flash)
    }

    func newVersion(_ request: PortalRequest) async throws -> HTTPResponse {
        _ = try requirePartnerUser(request, AccessRequest.publish(ofPartner:))
        _ = try requirePublishing()
        return try form(request, document: "", problems: [], error: nil, status: .ok)
    }

    func publish(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, partner) = try requirePartnerUser(request, AccessRequest.publish(ofPartner:))
        let form = try Portal.form(request.request)
        try request.requireCSRF(form)
        let publishing = try requirePublishing()
        let document = form["document"] ?? ""
        guard !document.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return try self.form(
                request, document: document, problems: [], error: "Paste the template's JSON document.",
                status: .unprocessableContent)
        }
        guard document.utf8.count <= Self.maximumDocumentBytes else {
            return try self.form(
                request, document: "", problems: [], error: "The document is larger than 1 MiB.", status: .contentTooLarge)
        }
        // Failures become form state first and a page after: returning from a
        // catch clause crashes swift-frontend 6.3.1 in async code.
        var published: PublishedVersion?
        var problems: [Engine.TemplateError.Problem] = []
        var refusal: (message: String, status: Int)?
        do {
            published = try await publishing.publish(
                partner: partner, document: Data(document.utf8), actor: user.principal.actor)
        } catch let error as Engine.TemplateError {
            problems = error.problems
        } catch let error as ControlPlaneError where error.httpStatus < 500 {
            refusal = (error.message, error.httpStatus)
        }
        guard let published else {
            return try self.form(
                request, document: document, problems: problems,
                error: refusal?.message ?? "The template has \(problems.count) problem\(problems.count == 1 ? "" : "s"); nothing was published.",
                status: HTTPStatus(code: refusal?.status ?? 422))
        }
        throw PortalRedirect(
            location: "/catalog?published=" + WorkPages.queryEscape("\(published.slug) \(published.version)"))
    }

    func diff(_ request: PortalRequest) async throws -> HTTPResponse {
        let (_, partner) = try requirePartnerUser(request, AccessRequest.readCatalog(ofPartner:))
        let publishing = try requirePublishing()
        let query = request.request
        guard let slug = query.queryValue("template"), let from = query.queryValue("from"), let to = query.queryValue("to"),
            !slug.isEmpty, !from.isEmpty, !to.isEmpty
        else {
            throw PortalError(status: 400, code: "invalid_query", message: "Choose a template and two of its versions.")
        }
        let diff = try await publishing.diff(partner: partner, slug: slug, from: from, to: to)
        let sections: [ViewValue] = diff.sections.map { section -> ViewValue in
            [
                "name": .string(section.name), "added": .string(Self.names(section.added)),
                "removed": .string(Self.names(section.removed)), "changed": .string(Self.names(section.changed)),
            ]
        }
        let changes: [ViewValue] = diff.changes.changes.map { change -> ViewValue in
            [
                "kind": .string(change.kind.rawValue), "path": .string(change.path),
                "old": .string(change.old.map { Self.excerpt($0) } ?? "—"),
                "new": .string(change.new.map { Self.excerpt($0) } ?? "—"),
            ]
        }
        return try portal.render(
            "publisher_diff", request, title: "Changes in \(slug)",
            page: [
                "slug": .string(diff.slug), "from": .string(diff.from), "to": .string(diff.to),
                "sections": .list(sections), "changes": .list(changes), "count": .int(changes.count),
            ])
    }

    func deployments(_ request: PortalRequest) async throws -> HTTPResponse {
        let (_, partner) = try requirePartnerUser(request, AccessRequest.readCatalog(ofPartner:))
        let publishing = try requirePublishing()
        guard let service = portal.dependencies.service else {
            throw PortalError(
                status: 503, code: "deployments_unavailable", message: "Deployment status is not available on this server.")
        }
        let entries = Dictionary(
            try await publishing.catalog(partner: partner).map { ($0.slug, $0) }, uniquingKeysWith: { first, _ in first })
        let items = try await DeploymentStatus(service: service, databases: portal.dependencies.databases)
            .templates(partner: partner)
        let formatter = DateText(timeZone: portal.dependencies.timeZone)
        let rows: [ViewValue] = items.map { item -> ViewValue in
            let entry = entries[item.template]
            let origin = entry?.versions.first { $0.version == item.version }?.origin.rawValue ?? "unknown"
            let newest = entry?.defaultVersion?.version ?? item.version
            return [
                "tenant": .string(item.tenant.value), "tenant_name": .string(item.tenantName),
                "template": .string(item.template), "version": .string(item.version), "origin": .string(origin),
                "newest": .string(newest), "behind": .bool(newest != item.version),
                "deployed": .string(formatter.dateTime(item.deployedAt)), "deployed_by": .string(item.deployedBy),
            ]
        }
        return try portal.render("publisher_deployments", request, title: "Deployments", page: ["deployments": .list(rows)])
    }

    // MARK: Helpers

    private func form(
        _ request: PortalRequest, document: String, problems: [Engine.TemplateError.Problem], error: String?, status: HTTPStatus
    ) throws -> HTTPResponse {
        let listed: [ViewValue] = problems.map { problem -> ViewValue in ["location": .string(problem.location), "message": .string(problem.message)] }
        return try portal.render(
            "publisher_publish", request, title: "Publish a template version", status: status,
            page: [
                "document": .string(document), "problems": .list(listed),
                "error": error.map(ViewValue.string) ?? .null,
            ])
    }

    /// The signed-in partner user, if ``AccessPolicy`` lets them make `access` on their own partner.
    private func requirePartnerUser(_ request: PortalRequest, _ access: (Slug) -> AccessRequest) throws
        -> (SessionStore.SignedIn, Slug)
    {
        let user = try request.requireUser()
        guard case .partner(let partner) = user.principal.organization else {
            throw PortalError(status: 403, code: "forbidden", message: "Publishing templates is for partner staff.")
        }
        do {
            try AccessPolicy.authorize(user.principal, access(partner))
        } catch {
            throw PortalError(status: 403, code: "forbidden", message: "Your role does not allow this.")
        }
        return (user, partner)
    }

    private func requirePublishing() throws -> TemplatePublishing {
        guard let publishing = portal.templatePublishing else {
            throw PortalError(
                status: 503, code: "publishing_unavailable", message: "Publishing is not available on this server.")
        }
        return publishing
    }

    private static func choices(_ versions: [String], selected: String?) -> [ViewValue] {
        versions.map { ["value": .string($0), "selected": .bool($0 == selected)] }
    }

    private static func names(_ names: [String]) -> String { names.isEmpty ? "—" : names.joined(separator: ", ") }

    /// A value as JSON, cut short: a diff line shows what changed, the version page the whole document.
    private static func excerpt(_ value: JSONValue) -> String {
        let text = value.serialized()
        return text.count <= 240 ? text : String(text.prefix(240)) + "…"
    }
}

extension Portal {
    /// How onboarding and the publisher pages find templates: the shipped
    /// catalog, then the partner's published versions.
    var templateResolver: TemplateResolver? {
        templatePublishing?.resolver
    }

    /// Publishing checks triggers and emitted events against the event
    /// catalog when ingest (which holds it) is configured.
    var templatePublishing: TemplatePublishing? {
        guard let templates = dependencies.templates else { return nil }
        return TemplatePublishing(
            catalog: templates, store: PublishedVersions(pool: dependencies.control),
            knownEventTypes: Set(dependencies.ingest?.catalog.types.map(\.type) ?? []))
    }
}
