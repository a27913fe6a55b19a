import ControlPlane
import Engine
import Events
import Foundation

/// `countersign template list|deploy`: the published templates in
/// `Templates/`, and deploying one into a tenant with parameters.
public struct TemplateCommand: Subcommand {
    public static let name = "template"
    public static let summary = "list published workflow templates, or deploy one into a tenant (list|deploy)"
    public static let acceptsPositionals = true
    public static let options: [OptionSpec] =
        AppConfiguration.options(["database-url", "log-level", "master-key-file", "root"]) + [
            OptionSpec("tenant", value: "SLUG", help: "the tenant to deploy into"),
            OptionSpec("template", value: "SLUG", help: "the template, e.g. three-way-match"),
            OptionSpec("version", value: "X.Y.Z", help: "the version to deploy (default: the newest)"),
            OptionSpec("params", value: "LIST", help: "parameters as name=value,name=value (others keep their defaults)"),
        ]

    private enum Action: String { case list, deploy }
    private let action: Action
    private let configuration: AppConfiguration
    private let arguments: ParsedArguments

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        guard arguments.positionals.count == 1, let action = Action(rawValue: arguments.positionals[0]) else {
            throw UsageError("template: give one action: list|deploy")
        }
        if action == .deploy {
            for option in ["tenant", "template"] where arguments.values[option] == nil {
                throw UsageError("template deploy: --\(option) is required")
            }
        }
        self.action = action
        self.arguments = arguments
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    /// `a=1,b=two` → `["a": "1", "b": "two"]`.
    static func parameters(_ text: String?) throws -> [String: JSONValue] {
        var parameters: [String: JSONValue] = [:]
        for pair in (text ?? "").split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw UsageError("template deploy: --params takes name=value pairs separated by commas")
            }
            let value = String(parts[1])
            parameters[String(parts[0])] = value == "true" ? .bool(true) : value == "false" ? .bool(false) : .string(value)
        }
        return parameters
    }

    public func run(context: CommandContext) async throws -> Int32 {
        let root = try configuration.requireRoot()
        let events = try EventCatalog.load(from: root.appendingPathComponent("Templates/events"))
        let catalog = try TemplateCatalog.load(
            from: root.appendingPathComponent("Templates"), knownEventTypes: Set(events.types.map(\.type)))
        switch action {
        case .list:
            for slug in catalog.slugs {
                let versions = catalog.versions(of: slug)
                let title = versions.last?.title ?? ""
                context.output.write("\(slug)\t\(versions.map(\.version).joined(separator: ","))\t\(title)")
            }
        case .deploy:
            let tenant = try Slug(arguments.values["tenant"] ?? "")
            let parameters = try Self.parameters(arguments.values["params"])
            let controlPlane = try ControlPlaneContext.open(
                configuration, environment: context.environment, needsMasterKey: true)
            let deployment = try await controlPlane.run { cp in
                let databases = TenantDatabases(service: cp.service, configuration: .init(maximumConnections: 2))
                do {
                    let deployment = try await Deployments(databases: databases, catalog: catalog).deploy(
                        tenant: tenant, slug: arguments.values["template"] ?? "", version: arguments.values["version"],
                        parameters: parameters, actor: cp.actor)
                    await databases.close()
                    return deployment
                } catch {
                    await databases.close()
                    throw error
                }
            }
            context.output.write(
                "deployed \(deployment.template.slug) \(deployment.template.version) to \(tenant) "
                    + "(deployment \(deployment.id.uuidString.lowercased()))")
        }
        return 0
    }
}
