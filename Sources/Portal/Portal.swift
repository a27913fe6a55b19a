import ControlPlane
import Engine
import Foundation
import HTTP
import Ingest
import Platform
import Postgres
import Rendering
import Telemetry

/// The server-rendered portal: sign-in, the client's exception queue and
/// task decisions, the audit trail, and partners' and provider staff's home
/// pages, each under the partner's brand.
///
/// Pages are plain HTML forms that work without JavaScript. Every form
/// carries a CSRF token derived from the session; sessions live in an
/// `HttpOnly; Secure; SameSite=Lax` cookie (``SessionStore``). Access uses the
/// same ``AccessPolicy`` as the API, with the signed-in user's roles as the
/// principal; the tenant always comes from the session, never from the URL.
public struct Portal: Sendable {
    public struct Dependencies: Sendable {
        public var views: ViewLibrary
        public var sessions: SessionStore
        public var brands: BrandDirectory
        public var databases: TenantDatabases
        public var control: PostgresPool
        public var logger: Logger
        /// Dates are shown in this zone to whoever has not chosen their own (see ``ProfilePages``).
        public var timeZone: TimeZone
        /// For partner admins' onboarding; nil hides it.
        public var service: TenantService?
        public var templates: TemplateCatalog?
        /// For the events and dead-letter pages; nil hides replay.
        public var ingest: IngestService?
        /// For provider ops' health page; the application sets it (see ``with(health:)``).
        public var health: PlatformHealth?

        public init(
            views: ViewLibrary, sessions: SessionStore, brands: BrandDirectory, databases: TenantDatabases,
            control: PostgresPool, logger: Logger = .disabled, timeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current,
            service: TenantService? = nil, templates: TemplateCatalog? = nil, ingest: IngestService? = nil
        ) {
            self.service = service
            self.templates = templates
            self.ingest = ingest
            self.views = views
            self.sessions = sessions
            self.brands = brands
            self.databases = databases
            self.control = control
            self.logger = logger
            self.timeZone = timeZone
        }
    }

    public let dependencies: Dependencies
    var views: ViewLibrary { dependencies.views }

    public init(_ dependencies: Dependencies) {
        self.dependencies = dependencies
    }

    /// The same portal with the health figures that only the application assembling it can compute.
    public func with(health: PlatformHealth) -> Portal {
        var dependencies = dependencies
        dependencies.health = health
        return Portal(dependencies)
    }

    /// Loads the views from `Portal/views` under the resource root.
    public static func loadViews(root: URL) throws -> ViewLibrary {
        try ViewLibrary.load(from: root.appendingPathComponent("Portal/views"))
    }

    public func register(on routes: inout some RouteRegistrar) throws {
        let sign = SignInPages(portal: self)
        try routes.get("/login", page(sign.form))
        try routes.get("/p/:partner/login", page(sign.form))
        try routes.post("/login", page(sign.submit))
        try routes.post("/logout", page(sign.signOut))
        try routes.post("/logout-everywhere", page(sign.signOutEverywhere))
        try routes.get("/", page(HomePages(portal: self).home))
        let work = WorkPages(portal: self)
        try routes.get("/exceptions", page(work.queue))
        try routes.get("/tasks/:id", page(work.task))
        try routes.post("/tasks/:id/decision", page(work.decide))
        try routes.get("/audit", page(AuditPage(portal: self).show))
        let partners = PartnerPages(portal: self)
        try routes.get("/clients/new", page(partners.newClient))
        try routes.post("/clients", page(partners.createClient))
        try routes.get("/billing", page(BillingPage(portal: self).show))
        let events = EventPages(portal: self)
        try routes.get("/events", page(events.events))
        try routes.get("/dead-letters", page(events.deadLetters))
        try routes.post("/dead-letters/:id/replay", page(events.replay))
        let publisher = PublisherPages(portal: self)
        try routes.get("/catalog", page(publisher.catalog))
        try routes.get("/catalog/publish", page(publisher.newVersion))
        try routes.post("/catalog/publish", page(publisher.publish))
        try routes.get("/catalog/diff", page(publisher.diff))
        try routes.get("/catalog/deployments", page(publisher.deployments))
        try routes.get("/runs", page(RunPages(portal: self).list))
        try routes.get("/runs/:id", page(RunPages(portal: self).show))
        try routes.get("/endpoints", page(EndpointPages(portal: self).list))
        try routes.get("/endpoints/:id", page(EndpointPages(portal: self).deliveries))
        try routes.get("/settings/api-keys", page(CredentialPages(portal: self).list))
        try routes.post("/settings/api-keys", page(CredentialPages(portal: self).create))
        try routes.post("/settings/api-keys/:prefix/rotate", page(CredentialPages(portal: self).rotate))
        try routes.post("/settings/api-keys/:prefix/revoke", page(CredentialPages(portal: self).revoke))
        try routes.get("/settings/webhook-secrets", page(WebhookSecretPages(portal: self).list))
        try routes.post("/settings/webhook-secrets", page(WebhookSecretPages(portal: self).rotate))
        try routes.get("/partner/users", page(PartnerUserPages(portal: self).list))
        try routes.post("/partner/users", page(PartnerUserPages(portal: self).create))
        try routes.post("/partner/users/:id/disable", page(PartnerUserPages(portal: self).disable))
        try routes.get("/partner/deployments", page(DeploymentPages(portal: self).show))
        try routes.get("/partner/brand", page(BrandPages(portal: self).show))
        try routes.post("/partner/brand", page(BrandPages(portal: self).submit))
        try routes.get("/brand-preview.css", BrandPages(portal: self).previewStylesheet)
        try routes.get("/ops/partners", page(OpsPages(portal: self).partners))
        try routes.get("/ops/health", page(OpsPages(portal: self).health))
        try routes.get("/profile", page(ProfilePages(portal: self).show))
        try routes.post("/profile/time-zone", page(ProfilePages(portal: self).setTimeZone))
        let brand = BrandAssets(portal: self)
        try routes.get("/brand/:file", brand.stylesheet)
        try routes.get("/brand/:partner/logo", brand.logo)
    }

    // MARK: Page plumbing

    /// Resolves session and brand, runs `handler`, and turns its failures into pages.
    func page(_ handler: @escaping @Sendable (PortalRequest) async throws -> HTTPResponse) -> RequestHandler {
        { request in
            let portal = try await resolve(request)
            do {
                return try await handler(portal)
            } catch let redirect as PortalRedirect {
                return Self.redirect(redirect.location, cookies: redirect.cookies)
            } catch let error as PortalError {
                return try errorPage(portal, status: error.status, code: error.code, message: error.message)
            } catch let error as any CodedError where error.httpStatus < 500 {
                return try errorPage(portal, status: error.httpStatus, code: error.code, message: error.message)
            } catch {
                dependencies.logger.error(
                    "portal page failed",
                    metadata: ["error": String(describing: error), "request_id": request.context.requestID, "path": request.path])
                return try errorPage(
                    portal, status: 500, code: "internal_error",
                    message: "Something went wrong on our side. Quote reference \(request.context.requestID) to support.")
            }
        }
    }

    private func resolve(_ request: HTTPRequest) async throws -> PortalRequest {
        var user: SessionStore.SignedIn?
        let token = Cookies.value(PortalRequest.sessionCookie, in: request)
        if let token, !token.isEmpty {
            user = try await dependencies.sessions.signedIn(token: token)
        }
        let brand: BrandDirectory.Brand
        switch user?.principal.organization {
        case .tenant(_, let partner)?:
            brand = try await dependencies.brands.brand(partner: partner.value) ?? dependencies.brands.provider
        case .partner(let partner)?:
            brand = try await dependencies.brands.brand(partner: partner.value) ?? dependencies.brands.provider
        case .provider?:
            brand = dependencies.brands.provider
        case nil:
            let named = request.pathParameters["partner"] ?? request.queryValue("partner")
            var partner = named
            if partner == nil, let host = request.headers["host"] {
                partner = try await dependencies.brands.partner(forHost: host)
            }
            brand = try await partner.asyncMap { try await dependencies.brands.brand(partner: $0) } ?? dependencies.brands.provider
        }
        return PortalRequest(request: request, user: user, sessionToken: user == nil ? nil : token, brand: brand)
    }

    /// Renders `pages/<name>` in the base layout with the user's navigation.
    func render(
        _ name: String, _ portal: PortalRequest, title: String, status: HTTPStatus = .ok, page: [String: ViewValue],
        flash: [FlashMessage] = [], headers: HTTPHeaders = HTTPHeaders()
    ) throws -> HTTPResponse {
        let layout = LayoutContext(
            pageTitle: title, brand: portal.brand.portal, nav: try navigation(for: portal),
            session: try portal.user.map { try LayoutContext.Session(displayName: $0.displayName) },
            csrfToken: portal.user?.csrfToken ?? "", flash: flash)
        let body = try views.renderBytes("pages/\(name)", context: layout.context(page: page))
        var headers = headers
        headers.set("Content-Type", "text/html; charset=utf-8")
        // Pages show one user's data: never cached by shared caches or the back button of another user.
        headers.set("Cache-Control", "no-store")
        return HTTPResponse(status: status, headers: headers, body: body)
    }

    /// Dates in the signed-in user's own zone; before sign-in (or for a zone
    /// this server no longer knows), in the portal's default zone.
    func dates(for portal: PortalRequest) -> DateText {
        DateText(timeZone: portal.user.flatMap { TimeZone(identifier: $0.timeZone) } ?? dependencies.timeZone)
    }

    private func navigation(for portal: PortalRequest) throws -> [LayoutContext.NavLink] {
        guard let user = portal.user else { return [] }
        let path = portal.request.path
        var links: [(String, String)] = [("Home", "/")]
        switch user.principal.organization {
        case .tenant:
            links.append(("Exceptions", "/exceptions"))
            if user.principal.has(scope: "runs:read") { links.append(("Runs", "/runs")) }
            if user.principal.has(scope: "events:read") {
                links.append(("Events", "/events"))
                links.append(("Dead letters", "/dead-letters"))
                links.append(("Endpoints", "/endpoints"))
            }
            if user.principal.has(scope: "audit:read") { links.append(("Audit trail", "/audit")) }
            if user.principal.has(scope: "credentials:write") { links.append(("API keys", "/settings/api-keys")) }
            if user.principal.has(scope: "secrets:write") { links.append(("Webhook secrets", "/settings/webhook-secrets")) }
        case .partner:
            if user.principal.roles.contains("partner_admin") {
                links.append(("Users", "/partner/users"))
                links.append(("Deployments", "/partner/deployments"))
                links.append(("Brand", "/partner/brand"))
            }
            if user.principal.has(scope: "catalog:read") { links.append(("Templates", "/catalog")) }
        case .provider where user.principal.roles.contains("provider_ops"):
            links.append(("Billing", "/billing"))
            links.append(("Partners", "/ops/partners"))
            links.append(("Health", "/ops/health"))
        default:
            break
        }
        links.append(("Profile", "/profile"))
        return try links.map { label, href in
            try LayoutContext.NavLink(label, href: href, isCurrent: href == "/" ? path == "/" : path.hasPrefix(href))
        }
    }

    private func errorPage(_ portal: PortalRequest, status: Int, code: String, message: String) throws -> HTTPResponse {
        try render(
            "error", portal, title: "Error", status: HTTPStatus(code: status),
            page: ["status": .int(status), "code": .string(code), "message": .string(message)])
    }

    static func redirect(_ location: String, cookies: [String] = []) -> HTTPResponse {
        var headers: HTTPHeaders = ["Location": location, "Cache-Control": "no-store"]
        for cookie in cookies { headers.add("Set-Cookie", cookie) }
        return HTTPResponse(status: .seeOther, headers: headers)
    }

    /// The form fields of a POST, refusing anything but a URL-encoded form.
    static func form(_ request: HTTPRequest) throws -> FormBody {
        let type = request.headers["content-type"]?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw PortalError(status: 415, code: "unsupported_media_type", message: "Forms must be posted as URL-encoded forms.")
        }
        return try FormBody(parsing: request.body)
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
