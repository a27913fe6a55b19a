import Assistance
import ControlPlane
import Engine
import Events
import Finance
import Foundation
import Platform
import Postgres
import Triage

/// `countersign triage evaluate|recommend|settings|external|actions|revert --tenant SLUG …`: the assistant from a shell.
///
/// - `evaluate`: backtests the tenant's stored resolved history (trained on the first 80 % by
///   resolution time, judged on the rest); the report's last line is `top1_accuracy=<n>`.
/// - `recommend --run ID`: the run's stored recommendation and why (reasons, similar cases, governance).
/// - `settings --materiality AMOUNT [--currency XXX]`: the tenant's materiality threshold.
/// - `external --url URL [--timeout-ms N]` or `external --clear`: the tenant's external model; the
///   signing secret is printed once.
/// - `actions`: what the assistant resolved on its own; `revert --action ID --reason TEXT` reverses one.
public struct TriageCommand: Subcommand {
    public static let name = "triage"
    public static let summary =
        "the exception triage assistant (evaluate, recommend, settings, external, actions, revert)"
    public static let acceptsPositionals = true
    public static let options: [OptionSpec] =
        AppConfiguration.options(["database-url", "log-level", "master-key-file", "root"]) + [
            OptionSpec("tenant", value: "SLUG", help: "the tenant"),
            OptionSpec("run", value: "ID", help: "recommend: the run whose recommendation to show"),
            OptionSpec(
                "materiality", value: "AMOUNT", help: "settings: at or above this the assistant only recommends"),
            OptionSpec("currency", value: "XXX", help: "settings: the threshold's currency (default USD)"),
            OptionSpec("url", value: "URL", help: "external: the external model's endpoint"),
            OptionSpec("timeout-ms", value: "N", help: "external: how long to wait for it (50 to 30000, default 2000)"),
            OptionSpec("clear", help: "external: stop asking an external model"),
            OptionSpec("action", value: "ID", help: "revert: the assistant action to reverse"),
            OptionSpec("reason", value: "TEXT", help: "revert: why (kept in the audit log)"),
        ]

    enum Action: String, CaseIterable {
        case evaluate, recommend, settings, external, actions, revert
    }

    private let action: Action
    private let tenant: Slug
    private let arguments: ParsedArguments
    private let configuration: AppConfiguration

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        let actions = Action.allCases.map(\.rawValue).joined(separator: ", ")
        guard arguments.positionals.count == 1, let action = Action(rawValue: arguments.positionals[0]) else {
            throw UsageError("triage: give one action: \(actions)")
        }
        self.action = action
        tenant = try TriageCLI.tenant(arguments, command: "triage \(action.rawValue)")
        switch action {
        case .recommend:
            guard arguments.values["run"].flatMap(UUID.init(uuidString:)) != nil else {
                throw UsageError("triage recommend: --run is required: a run id")
            }
        case .settings:
            guard arguments.values["materiality"] != nil else {
                throw UsageError("triage settings: --materiality is required, e.g. 1000.00")
            }
        case .external:
            guard arguments.flags.contains("clear") != (arguments.values["url"] != nil) else {
                throw UsageError("triage external: give --url URL (and optionally --timeout-ms) or --clear")
            }
        case .revert:
            guard arguments.values["action"].flatMap(UUID.init(uuidString:)) != nil,
                arguments.values["reason"]?.isEmpty == false
            else {
                throw UsageError("triage revert: --action ID and --reason TEXT are required")
            }
        case .evaluate, .actions:
            break
        }
        self.arguments = arguments
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    public func run(context: CommandContext) async throws -> Int32 {
        let tenant = tenant
        let output = context.output
        switch action {
        case .evaluate:
            let cases = try await TriageCLI.withTenant(tenant, configuration, context) { databases, _ in
                try await databases.withConnection(for: tenant) { connection in
                    try await CaseStore.load(tenant: try TenantID(tenant.value), on: connection).cases
                }
            }
            let report = try Evaluation.backtest(cases: cases)
            for line in report.lines { output.write(line) }
            return 0
        case .recommend:
            let run = arguments.values["run"].flatMap(UUID.init(uuidString:)) ?? UUID()
            let stored = try await TriageCLI.withTenant(tenant, configuration, context) { databases, _ in
                try await databases.withConnection(for: tenant) { connection in
                    try await RecommendationStore.latest(runID: run, on: connection)
                }
            }
            guard let stored else {
                output.writeError(
                    "triage recommend: the assistant has made no recommendation for run \(run.uuidString.lowercased())")
                return 1
            }
            for line in try Self.describe(stored) { output.write(line) }
            return 0
        case .settings:
            let currency = try Currency(arguments.values["currency"] ?? "USD")
            let threshold = try Money.parse(arguments.values["materiality"] ?? "", currency: currency)
            try await TriageCLI.withTenant(tenant, configuration, context) { databases, actor in
                try await databases.withTransaction(for: tenant) { tx in
                    try await SettingsStore.setMateriality(threshold, tenant: tenant, actor: actor, on: tx)
                }
            }
            output.write("tenant \(tenant): the assistant only recommends at or above \(threshold)")
            return 0
        case .external:
            return try await external(output: output, context: context)
        case .actions:
            let actions = try await TriageCLI.withTenant(tenant, configuration, context) { databases, _ in
                try await databases.withConnection(for: tenant) { try await AssistantActions.list(limit: 100, on: $0) }
            }
            if actions.isEmpty { output.write("the assistant has resolved nothing on its own for tenant \(tenant)") }
            for item in actions {
                output.write(
                    "\(item.id.uuidString.lowercased())  run \(item.runID.uuidString.lowercased())  \(item.status)  "
                        + "\(item.rootCause) -> \(item.resolution)  \(item.revertedBy.map { "by \($0)" } ?? "")")
            }
            return 0
        case .revert:
            let id = arguments.values["action"].flatMap(UUID.init(uuidString:)) ?? UUID()
            let reason = arguments.values["reason"] ?? ""
            let reverted = try await TriageCLI.withTenant(tenant, configuration, context) { databases, actor in
                try await AssistantActions.revert(
                    id, tenant: tenant, actor: actor, reason: reason, databases: databases,
                    notifyChannel: WorkflowEngine.channel)
            }
            output.write(
                "reverted \(reverted.id.uuidString.lowercased()); run \(reverted.runID.uuidString.lowercased()) "
                    + (reverted.humanStep.map { "goes back to step \($0) for a person to decide" } ?? "is unchanged"))
            return 0
        }
    }

    private func external(output: any OutputWriter, context: CommandContext) async throws -> Int32 {
        let tenant = tenant
        if arguments.flags.contains("clear") {
            try await TriageCLI.withTenant(tenant, configuration, context) { databases, actor in
                try await databases.withTransaction(for: tenant) { tx in
                    try await SettingsStore.clearExternal(tenant: tenant, actor: actor, on: tx)
                }
            }
            output.write("tenant \(tenant): no external model; the built-in model answers")
            return 0
        }
        guard let keyRing = try configuration.masterKeyRing() else {
            throw SettingError(
                setting: "master-key-file", source: .defaultValue,
                problem: "triage external seals a secret and needs COUNTERSIGN_MASTER_KEY_FILE or --master-key-file")
        }
        guard let milliseconds = Int(arguments.values["timeout-ms"] ?? "2000") else {
            throw UsageError("triage external: --timeout-ms is a whole number of milliseconds")
        }
        let url = arguments.values["url"] ?? ""
        let secret = try await TriageCLI.withTenant(tenant, configuration, context) { databases, actor in
            try await databases.withTransaction(for: tenant) { tx in
                try await SettingsStore.setExternal(
                    url: url, timeout: .milliseconds(milliseconds), tenant: tenant, keyRing: keyRing, actor: actor,
                    on: tx)
            }
        }
        output.write("tenant \(tenant): the assistant asks the external model first, \(milliseconds) ms at most")
        output.write("signing secret (shown once): \(secret.reveal())")
        return 0
    }

    /// The stored recommendation as lines for people: what, how sure, which model, why, and what governance allowed.
    static func describe(_ stored: RecommendationStore.Stored) throws -> [String] {
        let record = try JSONParser(maxBytes: 1 << 20, maxDepth: 32).parse(stored.record)
        let percent = Int((stored.confidence * 100).rounded())
        var lines = [
            "run \(stored.runID.uuidString.lowercased()) step \(stored.stepID): "
                + "labels \(stored.labels.map(\.rawValue).joined(separator: ", "))",
            "recommendation: root cause \(stored.rootCause), resolution \(stored.resolution) (\(percent) % confident) — "
                + stored.resolution.sentence,
            "model: \(record["model"]?["name"]?.stringValue ?? "?") \(record["model"]?["version"]?.stringValue ?? "?"), "
                + "answered by \(record["answered_by"]?.stringValue ?? "?")"
                + (record["fallback_reason"]?.stringValue.map { " (external model not used: \($0))" } ?? ""),
        ]
        for reason in record["output"]?["reasons"]?.arrayValue ?? [] {
            if let text = reason.stringValue { lines.append("why: \(text)") }
        }
        for similar in record["output"]?["similar_cases"]?.arrayValue ?? [] {
            lines.append(
                "similar: \(similar["id"]?.stringValue ?? "?") (similarity \(similar["similarity"].flatMap(Self.number) ?? "?"))"
            )
        }
        let governance = record["governance"]
        lines.append("governance: \(governance?["action"]?.stringValue ?? "?")")
        for reason in governance?["reasons"]?.arrayValue ?? [] {
            if let text = reason.stringValue { lines.append("  \(text)") }
        }
        return lines
    }

    private static func number(_ value: JSONValue) -> String? {
        if case .number(let text) = value { return text }
        return nil
    }
}

/// What the assistant's commands share: the tenant option and a session on the tenant's database.
enum TriageCLI {
    static func tenant(_ arguments: ParsedArguments, command: String) throws -> Slug {
        guard let text = arguments.values["tenant"] else { throw UsageError("\(command): --tenant is required") }
        do {
            return try Slug(text)
        } catch {
            throw UsageError("\(command): --tenant: \(error.message)")
        }
    }

    /// Runs `body` with the tenant's databases (logged in as the tenant's role) and the shell's audit actor.
    static func withTenant<Result: Sendable>(
        _ tenant: Slug, _ configuration: AppConfiguration, _ context: CommandContext,
        _ body: (TenantDatabases, String) async throws -> Result
    ) async throws -> Result {
        let controlPlane = try ControlPlaneContext.open(
            configuration, environment: context.environment, needsMasterKey: true)
        return try await controlPlane.run { cp in
            let databases = TenantDatabases(service: cp.service, configuration: .init(maximumConnections: 2))
            do {
                let result = try await body(databases, cp.actor)
                await databases.close()
                return result
            } catch {
                await databases.close()
                throw error
            }
        }
    }
}
