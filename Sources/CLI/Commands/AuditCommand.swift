import ControlPlane
import Engine
import Events
import Foundation
import Postgres

/// `countersign audit verify [--tenant SLUG]`: recomputes a hash chain.
/// `countersign audit export --tenant SLUG --run ID [--out FILE]`: a run's evidence bundle.
/// `countersign audit verify-bundle FILE`: checks a bundle offline.
public struct AuditCommand: Subcommand {
    public static let name = "audit"
    public static let summary = "verify an audit log, export a run's evidence bundle, or check one (verify|export|verify-bundle)"
    public static let acceptsPositionals = true
    public static let options: [OptionSpec] =
        AppConfiguration.options(["database-url", "log-level", "master-key-file", "root"]) + [
            OptionSpec("tenant", value: "SLUG", help: "verify this tenant's log instead of the control log; export: the tenant"),
            OptionSpec("run", value: "ID", help: "export: the run"),
            OptionSpec("out", value: "FILE", help: "export: write the bundle here instead of standard output"),
        ]

    private enum Action: String { case verify, export, verifyBundle = "verify-bundle" }
    private let action: Action
    private let arguments: ParsedArguments

    private let configuration: AppConfiguration
    private let tenant: Slug?

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        guard let first = arguments.positionals.first, let action = Action(rawValue: first),
            arguments.positionals.count == (action == .verifyBundle ? 2 : 1)
        else { throw UsageError("audit: give the action 'verify', 'export' or 'verify-bundle FILE'") }
        if action == .export {
            for option in ["tenant", "run"] where arguments.values[option] == nil {
                throw UsageError("audit export: --\(option) is required")
            }
        }
        self.action = action
        self.arguments = arguments
        tenant = try arguments.values["tenant"].map { try Slug($0) }
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    public func run(context: CommandContext) async throws -> Int32 {
        switch action {
        case .verify: return try await verifyChain(context: context)
        case .export: return try await export(context: context)
        case .verifyBundle: return try verifyBundle(context: context)
        }
    }

    private func export(context: CommandContext) async throws -> Int32 {
        guard let tenant, let run = UUID(uuidString: arguments.values["run"] ?? "") else {
            throw UsageError("audit export: --run must be a run id")
        }
        let controlPlane = try ControlPlaneContext.open(configuration, environment: context.environment, needsMasterKey: true)
        let bundle = try await controlPlane.run { cp in
            let databases = TenantDatabases(service: cp.service, configuration: .init(maximumConnections: 1))
            do {
                let bundle = try await Evidence(databases: databases).export(tenant: tenant, run: run)
                await databases.close()
                return bundle
            } catch {
                await databases.close()
                throw error
            }
        }
        let text = bundle.serialized()
        if let path = arguments.values["out"] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            context.output.write("wrote the evidence of run \(run.uuidString.lowercased()) to \(path)")
        } else {
            context.output.write(text)
        }
        return 0
    }

    private func verifyBundle(context: CommandContext) throws -> Int32 {
        let path = arguments.positionals[1]
        guard let data = FileManager.default.contents(atPath: path) else {
            context.output.writeError("audit verify-bundle: cannot read \(path)")
            return 1
        }
        let problems = try Evidence.verify(try JSONParser(maxBytes: 256 << 20, maxDepth: 128).parse(data))
        guard problems.isEmpty else {
            for problem in problems { context.output.writeError(problem) }
            return 1
        }
        context.output.write("evidence bundle intact")
        return 0
    }

    private func verifyChain(context: CommandContext) async throws -> Int32 {
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
