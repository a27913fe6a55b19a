import ControlPlane
import Foundation
import Platform

/// `countersign tenant create|list|suspend|resume|delete`.
public struct TenantCommand: Subcommand {
    public static let name = "tenant"
    public static let summary = "create, list, suspend, resume or delete tenants (create|list|suspend|resume|delete)"
    public static let acceptsPositionals = true
    public static let options: [OptionSpec] =
        AppConfiguration.options(["database-url", "log-level", "master-key-file", "root"]) + [
            OptionSpec("partner", value: "SLUG", help: "owning partner (create; filter for list)"),
            OptionSpec("slug", value: "SLUG", help: "tenant slug: schema and role t_<slug>"),
            OptionSpec("name", value: "NAME", help: "legal name (create)"),
            OptionSpec("confirm", value: "TOKEN", help: "confirmation token printed by a first 'delete'"),
            OptionSpec("json", help: "print JSON instead of text"),
        ]

    enum Action: String, CaseIterable { case create, list, suspend, resume, delete }

    private let action: Action
    private let configuration: AppConfiguration
    private let values: [String: String]
    private let json: Bool

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        guard arguments.positionals.count == 1, let action = Action(rawValue: arguments.positionals[0]) else {
            throw UsageError("tenant: give one action: \(Action.allCases.map(\.rawValue).joined(separator: "|"))")
        }
        self.action = action
        values = arguments.values
        json = arguments.flags.contains("json")
        let required: [String]
        switch action {
        case .create: required = ["partner", "slug", "name"]
        case .list: required = []
        case .suspend, .resume, .delete: required = ["slug"]
        }
        for option in required where values[option] == nil {
            throw UsageError("tenant \(action.rawValue): --\(option) is required")
        }
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    public func run(context: CommandContext) async throws -> Int32 {
        let controlPlane = try ControlPlaneContext.open(
            configuration, environment: context.environment, needsMasterKey: action == .create)
        let output = context.output
        return try await controlPlane.run { cp in
            switch action {
            case .create:
                let tenant = try await cp.service.createTenant(
                    partner: try Slug(values["partner"] ?? ""), slug: try Slug(values["slug"] ?? ""),
                    legalName: values["name"] ?? "", actor: cp.actor)
                try write([tenant], to: output)
            case .list:
                let partner = try values["partner"].map { try Slug($0) }
                try write(try await cp.service.listTenants(partner: partner), to: output)
            case .suspend:
                try write([try await cp.service.suspend(try Slug(values["slug"] ?? ""), actor: cp.actor)], to: output)
            case .resume:
                try write([try await cp.service.resume(try Slug(values["slug"] ?? ""), actor: cp.actor)], to: output)
            case .delete:
                let slug = try Slug(values["slug"] ?? "")
                guard let token = values["confirm"] else {
                    let token = try await cp.service.requestDeletion(slug, actor: cp.actor)
                    output.write(
                        "Deleting tenant \(slug) drops its schema and role and cannot be undone; nothing is exported.")
                    output.write("To confirm within 10 minutes: countersign tenant delete --slug \(slug) --confirm \(token)")
                    return 0
                }
                try await cp.service.delete(slug, confirmation: token, actor: cp.actor)
                output.write("deleted tenant \(slug)")
            }
            return 0
        }
    }

    private func write(_ tenants: [Tenant], to output: any OutputWriter) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            let value: any Encodable = action == .list ? tenants : tenants.first
            output.write(String(decoding: try encoder.encode(value), as: UTF8.self))
            return
        }
        for tenant in tenants {
            output.write("\(tenant.slug)\t\(tenant.status.rawValue)\t\(tenant.partnerSlug)\t\(tenant.schemaName)\t\(tenant.legalName)")
        }
    }
}
