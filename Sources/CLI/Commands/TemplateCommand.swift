import ControlPlane
import Engine
import Events
import Foundation

/// `countersign template list|deploy|publish|diff`: the templates a tenant can
/// run (the shipped `Templates/` and, with `--partner`, the partner's
/// published versions), deploying one into a tenant with parameters,
/// publishing a partner's version from a file, and comparing two versions.
public struct TemplateCommand: Subcommand {
    public static let name = "template"
    public static let summary =
        "list workflow templates, deploy one into a tenant, publish a partner's version (FILE), or diff two versions (list|deploy|publish|diff)"
    public static let acceptsPositionals = true
    public static let options: [OptionSpec] =
        AppConfiguration.options(["database-url", "log-level", "master-key-file", "root"]) + [
            OptionSpec("tenant", value: "SLUG", help: "the tenant to deploy into"),
            OptionSpec("partner", value: "SLUG", help: "the partner whose versions to publish, list or diff"),
            OptionSpec("template", value: "SLUG", help: "the template, e.g. three-way-match"),
            OptionSpec("version", value: "X.Y.Z", help: "the version to deploy (default: the newest)"),
            OptionSpec("from", value: "X.Y.Z", help: "the older version to diff"),
            OptionSpec("to", value: "X.Y.Z", help: "the newer version to diff"),
            OptionSpec("params", value: "LIST", help: "parameters as name=value,name=value (others keep their defaults)"),
        ]

    private enum Action: String { case list, deploy, publish, diff }
    private let action: Action
    private let configuration: AppConfiguration
    private let arguments: ParsedArguments

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        guard let first = arguments.positionals.first, let action = Action(rawValue: first) else {
            throw UsageError("template: give one action: list|deploy|publish|diff")
        }
        guard arguments.positionals.count == (action == .publish ? 2 : 1) else {
            throw UsageError(
                action == .publish ? "template publish: give one template file" : "template \(action.rawValue): unexpected arguments")
        }
        let required: [String] =
            switch action {
            case .list: []
            case .deploy: ["tenant", "template"]
            case .publish: ["partner"]
            case .diff: ["partner", "template", "from", "to"]
            }
        for option in required where arguments.values[option] == nil {
            throw UsageError("template \(action.rawValue): --\(option) is required")
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
        let knownEventTypes = Set(events.types.map(\.type))
        let catalog = try TemplateCatalog.load(from: root.appendingPathComponent("Templates"), knownEventTypes: knownEventTypes)
        if action == .list && arguments.values["partner"] == nil {
            for slug in catalog.slugs {
                let versions = catalog.versions(of: slug)
                let title = versions.last?.title ?? ""
                context.output.write("\(slug)\t\(versions.map(\.version).joined(separator: ","))\t\(title)")
            }
            return 0
        }
        // Reading a file is checked before the database is opened, so a typo costs no connection.
        let file = action == .publish ? try Self.read(arguments.positionals[1]) : nil
        let controlPlane = try ControlPlaneContext.open(
            configuration, environment: context.environment, needsMasterKey: action == .deploy)
        let lines = try await controlPlane.run { cp in
            let publishing = TemplatePublishing(
                catalog: catalog, store: PublishedVersions(pool: cp.pool), knownEventTypes: knownEventTypes)
            let partner = try arguments.values["partner"].map { try Slug($0) }
            switch action {
            case .list:
                guard let partner else { return [String]() }
                return try await publishing.catalog(partner: partner).map { entry in
                    let versions = entry.versions.map { $0.origin == .published ? "\($0.version)*" : $0.version }
                    return "\(entry.slug)\t\(versions.joined(separator: ","))\t\(entry.title)"
                } + ["(* published by \(partner))"]
            case .publish:
                guard let partner, let file else { return [] }
                let published = try await publishing.publish(partner: partner, document: file, actor: cp.actor)
                return ["published \(published.slug) \(published.version) for \(partner) (sha256 \(published.checksum))"]
            case .diff:
                guard let partner else { return [] }
                let diff = try await publishing.diff(
                    partner: partner, slug: arguments.values["template"] ?? "", from: arguments.values["from"] ?? "",
                    to: arguments.values["to"] ?? "")
                return DiffText.lines(diff)
            case .deploy:
                return [try await deploy(cp, resolver: publishing.resolver)]
            }
        }
        for line in lines { context.output.write(line) }
        return 0
    }

    private func deploy(_ cp: ControlPlaneContext, resolver: TemplateResolver) async throws -> String {
        let tenant = try Slug(arguments.values["tenant"] ?? "")
        let parameters = try Self.parameters(arguments.values["params"])
        let databases = TenantDatabases(service: cp.service, configuration: .init(maximumConnections: 2))
        do {
            let deployment = try await Deployments(databases: databases, resolver: resolver).deploy(
                tenant: tenant, slug: arguments.values["template"] ?? "", version: arguments.values["version"],
                parameters: parameters, actor: cp.actor)
            await databases.close()
            return "deployed \(deployment.template.slug) \(deployment.template.version) to \(tenant) "
                + "(deployment \(deployment.id.uuidString.lowercased()))"
        } catch {
            await databases.close()
            throw error
        }
    }

    static func read(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else { throw UsageError("cannot read \(path)") }
        return data
    }
}

/// A version diff for a terminal: the summary by name, then every changed path.
enum DiffText {
    static func lines(_ diff: VersionDiff) -> [String] {
        var lines = ["\(diff.slug) \(diff.from) → \(diff.to): \(diff.changes.changes.count) change(s)"]
        for section in diff.sections where !section.isEmpty {
            var parts: [String] = []
            if !section.added.isEmpty { parts.append("added " + section.added.joined(separator: ", ")) }
            if !section.removed.isEmpty { parts.append("removed " + section.removed.joined(separator: ", ")) }
            if !section.changed.isEmpty { parts.append("changed " + section.changed.joined(separator: ", ")) }
            lines.append("\(section.name): " + parts.joined(separator: "; "))
        }
        lines += diff.changes.changes.map(\.description)
        return lines
    }
}
