import ControlPlane
import Foundation
import Platform
import Postgres
import SchemaMigration

/// `countersign worker`: tenant runtimes without HTTP — delivers outbound
/// webhooks and executes workflow runs until SIGINT/SIGTERM. Run as many as
/// the load needs; `serve` also embeds one unless told not to.
public struct WorkerCommand: Subcommand {
    public static let name = "worker"
    public static let summary = "deliver webhooks and execute workflow runs (no HTTP)"
    public static let options: [OptionSpec] = AppConfiguration.options([
        "database-url", "log-level", "master-key-file", "root", "db-pool-size", "tenant-pool-size",
        "connections-per-tenant",
        "allow-private-webhook-targets", "delivery-lease", "engine-lease",
    ])

    private let configuration: AppConfiguration

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    public func run(context: CommandContext) async throws -> Int32 {
        let logger = configuration.makeLogger(label: "worker")
        let root = try configuration.requireRoot()
        guard let keyRing = try configuration.masterKeyRing() else {
            context.output.writeError("worker: no master key (set COUNTERSIGN_MASTER_KEY_FILE)")
            return 78
        }
        let signals = SignalObserver()
        let pool = PostgresPool(
            configuration.postgres,
            configuration: PostgresPool.Configuration(maximumConnections: configuration.databasePoolSize),
            logger: logger.labelled("postgres"))
        let migrator = try Migrator(pool: pool, migrationsDirectory: root.appendingPathComponent("Migrations"), logger: logger)
        let service = TenantService(pool: pool, migrator: migrator, keyRing: keyRing, logger: logger)
        let databases = TenantDatabases(
            service: service, configuration: configuration.tenantDatabasesConfiguration,
            logger: logger.labelled("postgres"))
        let work = BackgroundWork(
            configuration: configuration, control: pool, databases: databases, keyRing: keyRing, logger: logger)
        let running = Task { await work.run() }
        logger.info("worker started", metadata: ["database": configuration.postgres.redactedDescription])
        let signal = await signals.next()
        logger.info("stopping", metadata: ["signal": String(signal ?? 0)])
        running.cancel()
        await running.value
        await databases.close()
        await pool.close()
        return 0
    }
}
