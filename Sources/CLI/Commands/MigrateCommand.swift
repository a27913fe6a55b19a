import Foundation
import Postgres
import SchemaMigration

/// `countersign migrate [--status]`: applies pending control migrations and
/// rolls tenant migrations out to every tenant schema, or lists their state.
public struct MigrateCommand: Subcommand {
    public static let name = "migrate"
    public static let summary = "apply pending migrations (control, then every tenant), or --status"
    public static let options: [OptionSpec] =
        AppConfiguration.options(["database-url", "log-level", "root"])
        + [OptionSpec("status", help: "list applied and pending migrations instead of applying")]

    private let configuration: AppConfiguration
    private let statusOnly: Bool

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        statusOnly = arguments.flags.contains("status")
        _ = try configuration.requireRoot()
    }

    public func run(context: CommandContext) async throws -> Int32 {
        let logger = configuration.makeLogger(label: "migrate")
        let pool = PostgresPool(
            configuration.postgres, configuration: PostgresPool.Configuration(maximumConnections: 2), logger: logger)
        defer { Task { await pool.close() } }
        let migrator = try Migrator(
            pool: pool, migrationsDirectory: try configuration.requireRoot().appendingPathComponent("Migrations"),
            logger: logger)
        if statusOnly {
            let entries = try await migrator.status()
            let formatter = Date.ISO8601FormatStyle()
            for entry in entries {
                let at = entry.appliedAt.map { formatter.format($0) } ?? "-"
                context.output.write("\(entry.schema)\t\(entry.fileName)\t\(entry.state.rawValue)\t\(at)")
            }
            let pending = entries.filter { $0.state == .pending }.count
            context.output.write("\(entries.count - pending) applied, \(pending) pending")
            await pool.close()
            return 0
        }
        let output = context.output
        let report = try await migrator.migrate { progress in
            output.write(
                "[\(progress.position)/\(progress.total)] \(progress.schema): "
                    + (progress.applied.isEmpty ? "up to date" : "applied \(progress.applied.joined(separator: ", "))"))
        }
        context.output.write("migrated \(report.schemas) schema(s), applied \(report.applied.count) migration(s)")
        await pool.close()
        return 0
    }
}
