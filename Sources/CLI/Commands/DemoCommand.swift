import Assistance
import ControlPlane
import Foundation
import Postgres
import Triage

/// `countersign demo --tenant SLUG [--history N] [--seed S]`: gives a tenant a plausible resolved-case history.
///
/// The history is ``Triage/DemoHistory``'s — the same seed gives the same cases, with known root
/// causes — and replaces the tenant's earlier demo cases (decisions people made are kept), so
/// running it again is harmless. Audited as `assistant.demo_history_generated`.
public struct DemoCommand: Subcommand {
    public static let name = "demo"
    public static let summary = "generate a tenant's demo history of resolved exceptions for the triage assistant"
    public static let options: [OptionSpec] =
        AppConfiguration.options(["database-url", "log-level", "master-key-file", "root"]) + [
            OptionSpec("tenant", value: "SLUG", help: "the tenant whose history is generated"),
            OptionSpec("history", value: "N", help: "resolved cases to generate (default 2000, at most 200000)"),
            OptionSpec(
                "seed", value: "S", help: "the generator's seed: the same seed gives the same history (default 7)"),
        ]

    private let tenant: Slug
    private let count: Int
    private let seed: UInt64
    private let configuration: AppConfiguration

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        tenant = try TriageCLI.tenant(arguments, command: "demo")
        guard let count = Int(arguments.values["history"] ?? "2000"), (1...200_000).contains(count) else {
            throw UsageError("demo: --history is a number from 1 to 200000")
        }
        guard let seed = UInt64(arguments.values["seed"] ?? "7") else {
            throw UsageError("demo: --seed is a whole number from 0 to \(UInt64.max)")
        }
        self.count = count
        self.seed = seed
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    public func run(context: CommandContext) async throws -> Int32 {
        let cases = DemoHistory.generate(tenant: try TenantID(tenant.value), count: count, seed: seed)
        let (tenant, count, seed) = (self.tenant, self.count, self.seed)
        let stored = try await TriageCLI.withTenant(tenant, configuration, context) { databases, actor in
            try await databases.withTransaction(for: tenant) { tx in
                let stored = try await CaseStore.replaceDemo(with: cases, on: tx)
                try await AuditLog(schema: SQLIdentifier(tenant.tenantSchemaName)).append(
                    AuditEntry(
                        actor: actor, action: "assistant.demo_history_generated", subject: "tenant:\(tenant)",
                        details: ["cases": String(stored), "seed": String(seed)]), on: tx)
                return stored
            }
        }
        context.output.write(
            "stored \(stored) demo resolved cases for tenant \(tenant) (history \(count), seed \(seed))")
        return 0
    }
}
