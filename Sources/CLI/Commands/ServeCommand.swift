import Foundation
import Platform
import Postgres
import Telemetry

/// `countersign serve`: the HTTP API, webhook ingest and portal.
public struct ServeCommand: Subcommand {
    public static let name = "serve"
    public static let summary = "serve the API, webhook ingest and portal over HTTP"
    public static let options: [OptionSpec] = AppConfiguration.options([
        "database-url", "host", "port", "log-level", "master-key-file", "root", "db-pool-size", "shutdown-grace",
        "tls-cert", "tls-key",
    ])

    private let configuration: AppConfiguration

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    public func run(context: CommandContext) async throws -> Int32 {
        let logger = configuration.makeLogger(label: "serve")
        let signals = SignalObserver()
        let pool = PostgresPool(
            configuration.postgres,
            configuration: PostgresPool.Configuration(maximumConnections: configuration.databasePoolSize),
            logger: logger)
        if configuration.masterKeyFile == nil {
            logger.warning("no master key configured (COUNTERSIGN_MASTER_KEY_FILE): secrets cannot be sealed")
        }
        logger.info("ready", metadata: ["database": configuration.postgres.redactedDescription])
        let signal = await signals.next()
        logger.info("stopping", metadata: ["signal": String(signal ?? 0)])
        await pool.close()
        return 0
    }
}
