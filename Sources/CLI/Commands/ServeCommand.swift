import API
import ControlPlane
import Delivery
import Engine
import Events
import Ingest
import Metering
import Foundation
import HTTP
import Platform
import Metrics
import Portal
import Postgres
import SchemaMigration
import Telemetry

/// `countersign serve`: the HTTP API, webhook ingest, portal, `/healthz` and `/readyz`.
///
/// Starts even when the database is down (`/readyz` says so and load
/// balancers wait); stops on SIGINT/SIGTERM, letting requests in flight
/// finish within the shutdown grace period.
public struct ServeCommand: Subcommand {
    public static let name = "serve"
    public static let summary = "serve the API, webhook ingest and portal over HTTP"
    public static let options: [OptionSpec] = AppConfiguration.options([
        "database-url", "host", "port", "log-level", "master-key-file", "root", "db-pool-size", "tenant-pool-size",
        "connections-per-tenant", "api-key-rate", "api-key-burst",
        "embedded-worker", "allow-private-webhook-targets", "delivery-lease", "engine-lease", "shutdown-grace",
        "tls-cert", "tls-key", "metering",
    ])

    private let configuration: AppConfiguration

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    public func run(context: CommandContext) async throws -> Int32 {
        let logger = configuration.makeLogger(label: "serve")
        let root = try configuration.requireRoot()
        let signals = SignalObserver()
        let pool = PostgresPool(
            configuration.postgres,
            configuration: PostgresPool.Configuration(maximumConnections: configuration.databasePoolSize),
            logger: logger.labelled("postgres"))
        let migrator = try Migrator(
            pool: pool, migrationsDirectory: root.appendingPathComponent("Migrations"), logger: logger)
        // /v1 needs the master key (tenant database passwords and webhook secrets are sealed with it);
        // without one, serve still answers health checks and static files, and says why /v1 is absent.
        if !configuration.metering {
            logger.warning(
                "metering and metrics are off (--metering off): usage is neither counted nor billed; for benchmarking only")
        }
        let registry = MetricsRegistry()
        let workMetrics = configuration.metering ? try WorkMetrics(registry: registry) : nil
        var controlPlane: Application.ControlPlaneDependencies?
        var portal: Portal?
        var tenantDatabases: TenantDatabases?
        var deliveries: Task<Void, Never>?
        // api_calls: tallied in memory, flushed every few seconds and at shutdown (see Metering.APICallMeter).
        let apiCalls = configuration.metering ? APICallMeter(pool: pool, logger: logger.labelled("metering")) : nil
        let metering = Task { await apiCalls?.run() }
        if let keyRing = try configuration.masterKeyRing() {
            let service = TenantService(pool: pool, migrator: migrator, keyRing: keyRing, logger: logger)
            let databases = TenantDatabases(
                service: service,
                configuration: configuration.tenantDatabasesConfiguration,
                logger: logger.labelled("postgres"))
            tenantDatabases = databases
            let catalog = try EventCatalog.load(from: root.appendingPathComponent("Templates/events"))
            var ingestSettings = IngestService.Configuration()
            ingestSettings.usage = configuration.usageMeter
            let ingest = IngestService(
                catalog: catalog, databases: databases, configuration: ingestSettings,
                logger: logger.labelled("ingest"), observeCommit: workMetrics?.ingestObserver)
            let templates = try TemplateCatalog.load(
                from: root.appendingPathComponent("Templates"), knownEventTypes: Set(catalog.types.map(\.type)))
            let authenticator = try CredentialAuthenticator(
                store: CredentialStore(pool: pool), configuration: configuration.rateLimits)
            controlPlane = .init(
                service: service,
                authenticator: apiCalls.map { MeteredAuthenticator(authenticator, meter: $0) as any Authenticator } ?? authenticator,
                ingest: ingest, templates: templates)
            portal = Portal(
                Portal.Dependencies(
                    views: try Portal.loadViews(root: root), sessions: try SessionStore(pool: pool),
                    brands: BrandDirectory(pool: pool, provider: try BrandDirectory.defaultProvider()),
                    databases: databases, control: pool, logger: logger.labelled("portal"), service: service,
                    templates: templates, ingest: ingest))
            if configuration.embeddedWorker {
                let work = BackgroundWork(
                    configuration: configuration, control: pool, databases: databases, keyRing: keyRing, logger: logger,
                    metrics: workMetrics)
                deliveries = Task { await work.run() }
            }
        } else {
            logger.warning("no master key configured (COUNTERSIGN_MASTER_KEY_FILE): /v1 is disabled")
        }
        let metrics =
            configuration.metering
            ? try MetricsEndpoint(
                registry: registry, control: pool, databases: tenantDatabases, logger: logger.labelled("metrics")) : nil
        let application = try Application(
            Application.Dependencies(
                logger: logger, health: .live(pool: pool, migrator: migrator),
                staticRoot: root.appendingPathComponent("Portal/static"), controlPlane: controlPlane, portal: portal,
                metrics: metrics))
        var serverConfiguration = HTTPServer.Configuration(host: configuration.host, port: configuration.port)
        if let certificate = configuration.tlsCertificate, let key = configuration.tlsKey {
            serverConfiguration.tls = HTTPServer.Configuration.TLS(certificatePath: certificate, privateKeyPath: key)
        }
        let server = HTTPServer(
            configuration: serverConfiguration, responder: application.responder, logger: logger.labelled("http"))
        logger.info("starting", metadata: ["database": configuration.postgres.redactedDescription])

        let grace = Duration.seconds(configuration.shutdownGraceSeconds)
        let watcher = Task {
            let signal = await signals.next()
            logger.info("stopping", metadata: ["signal": String(signal ?? 0)])
            server.shutdown(gracePeriod: grace)
        }
        defer { watcher.cancel() }
        do {
            try await server.run()
        } catch {
            deliveries?.cancel()
            metering.cancel()
            await metering.value
            await tenantDatabases?.close()
            await pool.close()
            throw error
        }
        deliveries?.cancel()
        await deliveries?.value
        metering.cancel()
        await metering.value
        await tenantDatabases?.close()
        await pool.close()
        logger.info("stopped")
        return 0
    }
}
