import ControlPlane
import Engine
import Foundation
import HTTP
import Postgres
import Rendering

/// Partner admins onboard a client in one form: the tenant (schema, login
/// role, migrations), an API key for its systems, and the chosen workflow
/// templates deployed — then see what was made, the key shown once.
struct PartnerPages: Sendable {
    let portal: Portal

    func newClient(_ request: PortalRequest) async throws -> HTTPResponse {
        let (_, partner) = try requirePartnerAdmin(request)
        return try await form(request, partner: partner, slug: "", name: "", error: nil, status: .ok)
    }

    func createClient(_ request: PortalRequest) async throws -> HTTPResponse {
        let (user, partner) = try requirePartnerAdmin(request)
        let form = try Portal.form(request.request)
        try request.requireCSRF(form)
        guard let service = portal.dependencies.service else {
            throw PortalError(status: 503, code: "onboarding_unavailable", message: "Onboarding is not available on this server.")
        }
        let slugText = (form["slug"] ?? "").trimmingCharacters(in: .whitespaces)
        let name = (form["legal_name"] ?? "").trimmingCharacters(in: .whitespaces)
        let chosen = form.fields.filter { $0.name == "template" }.map(\.value)
        // (A do/catch returning from the catch crashes swift-frontend 6.3.1 here.)
        let parsed = Result { () throws(SlugError) -> Slug in try Slug(slugText) }
        guard case .success(let slug) = parsed else {
            return try await self.form(
                request, partner: partner, slug: slugText, name: name, error: Self.slugProblem(parsed),
                status: .unprocessableContent)
        }
        guard !name.isEmpty else {
            return try await self.form(request, partner: partner, slug: slugText, name: name, error: "Give the client's legal name.", status: .unprocessableContent)
        }
        do {
            try AccessPolicy.authorize(user.principal, .manageTenants(ofPartner: partner))
        } catch {
            throw PortalError(status: 403, code: "forbidden", message: "Your role cannot onboard clients.")
        }
        let tenant: Tenant
        do {
            tenant = try await service.createTenant(partner: partner, slug: slug, legalName: name, actor: user.principal.actor)
        } catch let error as ControlPlaneError where error.httpStatus < 500 {
            return try await self.form(request, partner: partner, slug: slugText, name: name, error: error.message, status: HTTPStatus(code: error.httpStatus))
        }
        let (_, key) = try await CredentialStore(pool: portal.dependencies.control).issue(
            for: .tenant(tenant.slug), scopes: [.eventsWrite, .eventsRead, .runsRead], name: "onboarding",
            actor: user.principal.actor)
        var deployed: [ViewValue] = []
        if let resolver = portal.templateResolver {
            let deployments = Deployments(databases: portal.dependencies.databases, resolver: resolver)
            let offered = Set(try await resolver.entries(partner: partner).map(\.slug))
            for slug in chosen where offered.contains(slug) {
                let deployment = try await deployments.deploy(
                    tenant: tenant.slug, slug: slug, version: nil, parameters: [:], actor: user.principal.actor)
                deployed.append(["slug": .string(slug), "version": .string(deployment.template.version)])
            }
        }
        return try portal.render(
            "client_created", request, title: "Client onboarded",
            page: [
                "tenant": ["slug": .string(tenant.slug.value), "name": .string(tenant.legalName), "status": .string(tenant.status.rawValue), "schema": .string(tenant.slug.tenantSchemaName)],
                "api_key": .string(key.reveal()), "deployed": .list(deployed),
            ])
    }

    private static func slugProblem(_ result: Result<Slug, SlugError>) -> String {
        if case .failure(let error) = result { return error.message }
        return ""
    }

    private func requirePartnerAdmin(_ request: PortalRequest) throws -> (SessionStore.SignedIn, Slug) {
        let user = try request.requireUser()
        guard case .partner(let partner) = user.principal.organization, user.principal.roles.contains("partner_admin") else {
            throw PortalError(status: 403, code: "forbidden", message: "Onboarding clients is for partner administrators.")
        }
        return (user, partner)
    }

    private func form(
        _ request: PortalRequest, partner: Slug, slug: String, name: String, error: String?, status: HTTPStatus
    ) async throws -> HTTPResponse {
        // The shipped templates and the partner's own published ones: what deploying will resolve.
        let entries = try await portal.templateResolver?.entries(partner: partner) ?? []
        let choices: [ViewValue] = entries.map { ["slug": .string($0.slug), "title": .string($0.title)] }
        return try portal.render(
            "client_new", request, title: "Onboard a client", status: status,
            page: [
                "slug_field": try FormField(
                    name: "slug", label: "Short name", value: slug, isRequired: true,
                    hint: "Lower-case letters, digits and _; names the client's database schema.", error: error, id: "slug").viewValue,
                "name_field": try FormField(name: "legal_name", label: "Legal name", value: name, isRequired: true, id: "legal_name").viewValue,
                "templates": .list(choices),
            ])
    }
}
