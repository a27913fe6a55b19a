import ControlPlane
import Foundation

/// `countersign webhook-secret create --tenant SLUG --source NAME`: a Standard
/// Webhooks secret (`whsec_…`), shown once; an existing one for the source
/// stays valid for the overlap so senders can switch over.
public struct WebhookSecretCommand: Subcommand {
    public static let name = "webhook-secret"
    public static let summary = "create or rotate a tenant's webhook signing secret for a source (create)"
    public static let acceptsPositionals = true
    public static let options: [OptionSpec] =
        AppConfiguration.options(["database-url", "log-level", "master-key-file", "root"]) + [
            OptionSpec("tenant", value: "SLUG", help: "the tenant"),
            OptionSpec("source", value: "NAME", help: "the sending system, e.g. netsuite or wms"),
            OptionSpec("overlap-hours", value: "N", help: "how long a replaced secret stays valid (default 24)"),
            OptionSpec("json", help: "print JSON"),
        ]

    private let configuration: AppConfiguration
    private let tenant: Slug
    private let source: String
    private let overlapHours: Int
    private let json: Bool

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        guard arguments.positionals == ["create"] else { throw UsageError("webhook-secret: give the action 'create'") }
        for option in ["tenant", "source"] where arguments.values[option] == nil {
            throw UsageError("webhook-secret create: --\(option) is required")
        }
        guard let hours = Int(arguments.values["overlap-hours"] ?? "24"), (0...720).contains(hours) else {
            throw UsageError("webhook-secret create: --overlap-hours must be 0-720")
        }
        overlapHours = hours
        tenant = try Slug(arguments.values["tenant"] ?? "")
        source = arguments.values["source"] ?? ""
        json = arguments.flags.contains("json")
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    public func run(context: CommandContext) async throws -> Int32 {
        let controlPlane = try ControlPlaneContext.open(configuration, environment: context.environment, needsMasterKey: true)
        let secret = try await controlPlane.run { cp in
            try await WebhookSecretStore(pool: cp.pool, keyRing: cp.service.keyRing).create(
                tenant: tenant, source: source, overlap: .seconds(overlapHours * 3600), actor: cp.actor)
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: ["secret": secret.reveal()], options: [.sortedKeys])
            context.output.write(String(decoding: data, as: UTF8.self))
        } else {
            context.output.write(secret.reveal())
            context.output.writeError("This secret is shown once; configure the sender with it now.")
        }
        return 0
    }
}
