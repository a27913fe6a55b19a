import ControlPlane
import Delivery
import Engine
import Events
import Foundation
import HTTP
import Ingest
import Middleware
import Platform
import Portal
import Postgres
import SchemaMigration
import Telemetry

/// Assembles everything `serve` answers with: the routes of every module in
/// front of one middleware chain, in which ``HTTP/ErrorMiddleware`` is the one
/// place errors become HTTP responses.
public struct Application: Sendable {
    public struct Dependencies: Sendable {
        public var logger: Logger
        public var health: HealthRoutes.Probe
        /// `Portal/static`, served under `/static/`; nil when the folder is absent.
        public var staticRoot: URL?
        /// The control plane behind `/v1`; nil serves health and static files only.
        public var controlPlane: ControlPlaneDependencies?
        /// The branded portal (`/login`, `/exceptions`, …); nil leaves it out.
        public var portal: Portal?
        /// `GET /metrics` and the request metrics behind it; nil leaves both out.
        public var metrics: MetricsEndpoint?

        public init(
            logger: Logger, health: HealthRoutes.Probe, staticRoot: URL?, controlPlane: ControlPlaneDependencies? = nil,
            portal: Portal? = nil, metrics: MetricsEndpoint? = nil
        ) {
            self.logger = logger
            self.health = health
            self.staticRoot = staticRoot
            self.controlPlane = controlPlane
            self.portal = portal
            self.metrics = metrics
        }
    }

    public struct ControlPlaneDependencies: Sendable {
        public var service: TenantService
        public var authenticator: any Authenticator
        public var credentials: CredentialStore
        public var webhookSecrets: WebhookSecretStore
        /// Event ingest, `/v1/events` and `/hooks`; nil leaves them out.
        public var ingest: IngestService?
        /// The clock webhook timestamps and secret overlaps are judged by.
        public var now: @Sendable () -> Date
        /// Published workflow templates; with ingest, enables runs, tasks and deployments.
        public var templates: TemplateCatalog?
        /// Published source mappings; nil loads `Templates/mappings` beside `Portal/static` when present.
        public var mappings: MappingCatalog?

        /// The stores default to the service's pool and master key, which is
        /// what `serve` uses; tests may pass their own.
        public init(
            service: TenantService, authenticator: any Authenticator, credentials: CredentialStore? = nil,
            webhookSecrets: WebhookSecretStore? = nil, ingest: IngestService? = nil,
            templates: TemplateCatalog? = nil, now: @escaping @Sendable () -> Date = Date.init,
            mappings: MappingCatalog? = nil
        ) {
            self.mappings = mappings
            self.ingest = ingest
            self.templates = templates
            self.now = now
            self.service = service
            self.authenticator = authenticator
            self.credentials = credentials ?? CredentialStore(pool: service.pool)
            self.webhookSecrets = webhookSecrets ?? WebhookSecretStore(pool: service.pool, keyRing: service.keyRing)
        }
    }

    public let responder: any HTTPResponder
    /// Every routed method and pattern, for the OpenAPI completeness check.
    public let routes: [(method: HTTPMethod, pattern: String)]

    public init(_ dependencies: Dependencies) throws {
        var router = Router()
        try HealthRoutes(probe: dependencies.health).register(on: &router)
        if let staticRoot = dependencies.staticRoot,
            FileManager.default.fileExists(atPath: staticRoot.path)
        {
            let files = try StaticFiles(root: staticRoot.path)
            try router.get("/static/*path", files)
            let openAPI = staticRoot.appendingPathComponent("openapi.json")
            if let document = FileManager.default.contents(atPath: openAPI.path) {
                let body = Array(document)
                try router.get("/v1/openapi.json") { _ in
                    HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: body)
                }
            }
        }
        if let controlPlane = dependencies.controlPlane {
            let access = dependencies.logger.labelled("access")
            let tenants = TenantRoutes(service: controlPlane.service, logger: access)
            let credentials = CredentialRoutes(
                service: controlPlane.service, credentials: controlPlane.credentials,
                webhookSecrets: controlPlane.webhookSecrets, logger: access)
            let audit = AuditRoutes(pool: controlPlane.service.pool, logger: access)
            let middleware = try controlPlane.ingest.map { ingest in
                MiddlewareServices(
                    ingest: ingest,
                    catalog: try controlPlane.mappings
                        ?? Self.shippedMappings(beside: dependencies.staticRoot, events: ingest.catalog),
                    published: PublishedVersions(pool: controlPlane.service.pool),
                    logger: dependencies.logger.labelled("middleware"), now: controlPlane.now)
            }
            try router.group("/v1", middleware: [BearerAuthenticationMiddleware(authenticator: controlPlane.authenticator), AuditOriginMiddleware()]) {
                try tenants.register(on: &$0)
                try PartnerRoutes(service: controlPlane.service, logger: access).register(on: &$0)
                try UserRoutes(service: controlPlane.service, logger: access).register(on: &$0)
                try credentials.register(on: &$0)
                try audit.register(on: &$0)
                try BillingRoutes(pool: controlPlane.service.pool, logger: access, now: controlPlane.now).register(on: &$0)
                if let ingest = controlPlane.ingest {
                    try EventRoutes(ingest: ingest).register(on: &$0)
                    try EndpointRoutes(
                        endpoints: EndpointStore(
                            databases: ingest.databases, keyRing: controlPlane.service.keyRing,
                            knownEventTypes: Set(ingest.catalog.types.map(\.type))),
                        deliveries: Deliveries(databases: ingest.databases)
                    ).register(on: &$0)
                    if let middleware {
                        try MiddlewareRoutes(middleware: middleware, service: controlPlane.service, logger: access)
                            .register(on: &$0)
                    }
                    if let templates = controlPlane.templates {
                        try WorkflowRoutes(
                            catalog: templates, databases: ingest.databases, service: controlPlane.service, logger: access,
                            usage: ingest.configuration.usage
                        ).register(on: &$0)
                        try InsightsRoutes(insights: Insights(databases: ingest.databases)).register(on: &$0)
                        let published = PublishedVersions(pool: controlPlane.service.pool)
                        try PublishingRoutes(
                            templates: TemplatePublishing(
                                catalog: templates, store: published, knownEventTypes: Set(ingest.catalog.types.map(\.type))),
                            mappings: middleware.map {
                                MappingPublishing(catalog: $0.catalog, store: published, events: ingest.catalog)
                            },
                            mappingDeployments: middleware?.deployments, databases: ingest.databases,
                            service: controlPlane.service, logger: access
                        ).register(on: &$0)
                    }
                }
            }
            if let ingest = controlPlane.ingest {
                try HookRoutes(
                    ingest: ingest, secrets: WebhookSecretCache(store: controlPlane.webhookSecrets),
                    now: controlPlane.now, mapped: middleware?.mapped
                ).register(on: &router)
            }
        }
        if let portal = dependencies.portal {
            let health = portal.dependencies.health ?? PlatformHealth.live(probe: dependencies.health, metrics: dependencies.metrics)
            try portal.with(health: health).register(on: &router)
        }
        if let metrics = dependencies.metrics {
            try metrics.register(on: &router)
        }
        routes = router.routes
        // Outermost first: ids exist before anything logs, errors are mapped
        // before the access log records the final status, and security
        // headers are added to error responses too.
        var middleware: [any HTTPMiddleware] = [
            RequestIDMiddleware(),
            TraceContextMiddleware(),
            AccessLogMiddleware(logger: dependencies.logger.labelled("http")),
            SecurityHeadersMiddleware(),
        ]
        if let metrics = dependencies.metrics {
            // Inside the access log, outside the error mapping: it counts the status the client gets.
            middleware.append(try HTTPMetricsMiddleware(registry: metrics.registry))
        }
        middleware.append(ErrorMiddleware(logger: dependencies.logger.labelled("http")))
        responder = router.withMiddleware(middleware)
    }

    /// `Templates/mappings` of the root that holds `Portal/static`, which is where `serve` finds both.
    static func shippedMappings(beside staticRoot: URL?, events: EventCatalog) throws -> MappingCatalog {
        guard let staticRoot else { return MappingCatalog(documents: []) }
        let folder = staticRoot.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Templates/mappings")
        return try MappingCatalog.load(from: folder, events: events)
    }
}
