import ControlPlane
import Foundation
import Postgres

/// `countersign credential create|revoke`: API keys for a tenant or a partner.
public struct CredentialCommand: Subcommand {
    public static let name = "credential"
    public static let summary = "issue or revoke API keys (create|revoke); a new key is shown once"
    public static let acceptsPositionals = true
    public static let options: [OptionSpec] =
        AppConfiguration.options(["database-url", "log-level", "root"]) + [
            OptionSpec("tenant", value: "SLUG", help: "the key acts for this tenant"),
            OptionSpec("partner", value: "SLUG", help: "the key acts for this partner (instead of --tenant)"),
            OptionSpec("scopes", value: "LIST", help: "comma-separated, e.g. events:write,runs:read (admin = all)"),
            OptionSpec("ip-allow", value: "CIDRS", help: "comma-separated networks allowed to use the key"),
            OptionSpec("expires-in-days", value: "N", help: "the key stops working after N days"),
            OptionSpec("name", value: "TEXT", help: "a label for lists"),
            OptionSpec(
                "user", value: "EMAIL",
                help: "a personal token: acts as this user of the tenant or partner, with the user's roles and approval limit"),
            OptionSpec("test", help: "issue a cs_test_ key instead of cs_live_"),
            OptionSpec("prefix", value: "PREFIX", help: "the key to revoke (cs_live_…)"),
            OptionSpec("json", help: "print JSON"),
        ]

    private enum Action: String { case create, revoke }
    private let action: Action
    private let configuration: AppConfiguration
    private let arguments: ParsedArguments

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        guard arguments.positionals.count == 1, let action = Action(rawValue: arguments.positionals[0]) else {
            throw UsageError("credential: give one action: create|revoke")
        }
        self.action = action
        self.arguments = arguments
        switch action {
        case .create:
            guard (arguments.values["tenant"] == nil) != (arguments.values["partner"] == nil) else {
                throw UsageError("credential create: give exactly one of --tenant or --partner")
            }
            guard arguments.values["scopes"] != nil else { throw UsageError("credential create: --scopes is required") }
            if let days = arguments.values["expires-in-days"], Int(days).map({ $0 > 0 }) != true {
                throw UsageError("credential create: --expires-in-days must be a positive integer")
            }
        case .revoke:
            guard arguments.values["prefix"] != nil else { throw UsageError("credential revoke: --prefix is required") }
        }
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    public func run(context: CommandContext) async throws -> Int32 {
        let controlPlane = try ControlPlaneContext.open(configuration, environment: context.environment, needsMasterKey: false)
        let values = arguments.values
        let json = arguments.flags.contains("json")
        return try await controlPlane.run { cp in
            let store = CredentialStore(pool: cp.pool)
            switch action {
            case .revoke:
                try await store.revoke(prefix: values["prefix"] ?? "", actor: cp.actor)
                context.output.write("revoked \(values["prefix"] ?? "")")
            case .create:
                let owner: CredentialOwner =
                    try values["tenant"].map { .tenant(try Slug($0)) } ?? .partner(try Slug(values["partner"] ?? ""))
                let scopes = try ScopeSet(parsing: values["scopes"] ?? "")
                let networks = try (values["ip-allow"] ?? "").split(separator: ",").map {
                    try CIDR(parsing: $0.trimmingCharacters(in: .whitespaces))
                }
                let expiresAt = values["expires-in-days"].flatMap(Int.init).map { Date().addingTimeInterval(Double($0) * 86_400) }
                let (id, key) = try await store.issue(
                    for: owner, scopes: scopes, ipAllowList: IPAllowList(networks), expiresAt: expiresAt,
                    name: values["name"] ?? "", environment: arguments.flags.contains("test") ? .test : .live,
                    user: values["user"], actor: cp.actor)
                if json {
                    let object = ["id": id.uuidString.lowercased(), "key": key.reveal(), "prefix": key.prefix]
                    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                    context.output.write(String(decoding: data, as: UTF8.self))
                } else {
                    context.output.write(key.reveal())
                    context.output.writeError("This key is shown once; store it now. Its prefix is \(key.prefix).")
                }
            }
            return 0
        }
    }
}
