import ControlPlane
import Postgres

/// `countersign audit verify [--tenant SLUG]`: recomputes a hash chain.
public struct AuditCommand: Subcommand {
    public static let name = "audit"
    public static let summary = "verify the hash chain of the control or a tenant's audit log (verify)"
    public static let acceptsPositionals = true
    public static let options: [OptionSpec] =
        AppConfiguration.options(["database-url", "log-level", "root"]) + [
            OptionSpec("tenant", value: "SLUG", help: "verify this tenant's log instead of the control log")
        ]

    private let configuration: AppConfiguration
    private let tenant: Slug?

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        guard arguments.positionals == ["verify"] else { throw UsageError("audit: give the action 'verify'") }
        tenant = try arguments.values["tenant"].map { try Slug($0) }
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    public func run(context: CommandContext) async throws -> Int32 {
        let controlPlane = try ControlPlaneContext.open(configuration, environment: context.environment, needsMasterKey: false)
        let log = try tenant.map { AuditLog(schema: try SQLIdentifier($0.tenantSchemaName)) } ?? AuditLog.control()
        let name = tenant.map { "tenant \($0)" } ?? "control"
        let result = try await controlPlane.run { cp in
            if let tenant { _ = try await cp.service.tenant(tenant) }
            return try await cp.pool.withConnection { try await log.verify(on: $0) }
        }
        if let broken = result.firstBroken {
            context.output.writeError(
                "audit log of \(name) is broken at entry \(broken.id): \(broken.reason) (\(result.entriesChecked) entries before it are intact)")
            return 1
        }
        context.output.write("audit log of \(name) intact: \(result.entriesChecked) entries")
        return 0
    }
}
