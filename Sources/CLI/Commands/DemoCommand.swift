import Assistance
import ControlPlane
import Events
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
            OptionSpec(
                "documents", value: "N",
                help: "purchase orders with receipts and invoices to ingest, which open three-way-match exceptions (default 12)"),
        ]

    private let tenant: Slug
    private let count: Int
    private let seed: UInt64
    private let documents: Int
    private let configuration: AppConfiguration

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        tenant = try TriageCLI.tenant(arguments, command: "demo")
        guard let count = Int(arguments.values["history"] ?? "2000"), (1...200_000).contains(count) else {
            throw UsageError("demo: --history is a number from 1 to 200000")
        }
        guard let seed = UInt64(arguments.values["seed"] ?? "7") else {
            throw UsageError("demo: --seed is a whole number from 0 to \(UInt64.max)")
        }
        guard let documents = Int(arguments.values["documents"] ?? "12"), (0...10_000).contains(documents) else {
            throw UsageError("demo: --documents is a number from 0 to 10000")
        }
        self.count = count
        self.seed = seed
        self.documents = documents
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    public func run(context: CommandContext) async throws -> Int32 {
        let cases = DemoHistory.generate(tenant: try TenantID(tenant.value), count: count, seed: seed)
        let (tenant, count, seed, documents) = (self.tenant, self.count, self.seed, self.documents)
        let root = try configuration.requireRoot()
        let catalog = try EventCatalog.load(from: root.appendingPathComponent("Templates/events"))
        let (stored, open) = try await TriageCLI.withTenant(tenant, configuration, context) { databases, actor in
            let stored = try await databases.withTransaction(for: tenant) { tx in
                let stored = try await CaseStore.replaceDemo(with: cases, on: tx)
                try await AuditLog(schema: SQLIdentifier(tenant.tenantSchemaName)).append(
                    AuditEntry(
                        actor: actor, action: "assistant.demo_history_generated", subject: "tenant:\(tenant)",
                        details: ["cases": String(stored), "seed": String(seed)]), on: tx)
                return stored
            }
            let open =
                documents == 0
                ? 0 : try await DemoDocuments(tenant: tenant, count: documents, seed: seed).load(databases: databases, catalog: catalog)
            return (stored, open)
        }
        context.output.write(
            "stored \(stored) demo resolved cases for tenant \(tenant) (history \(count), seed \(seed))")
        if documents > 0 {
            context.output.write("ingested \(documents) demo orders with receipts and invoices; \(open) tasks are open")
        }
        return 0
    }
}
