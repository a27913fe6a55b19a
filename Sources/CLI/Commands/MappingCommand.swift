import ControlPlane
import Events
import Foundation
import Ingest
import Mapping
import Middleware

/// `countersign mapping list|deploy|dry-run|publish|diff`: the shipped source
/// mappings in `Templates/mappings`, deploying one (or a partner's published
/// version) to a tenant's webhook source, trying one on a sample payload
/// without storing anything, publishing a partner's version from a file, and
/// comparing two versions.
public struct MappingCommand: Subcommand {
    public static let name = "mapping"
    public static let summary =
        "list source mappings, deploy one to a tenant's webhook source, dry-run one, publish a partner's version (FILE) or diff two (list|deploy|dry-run|publish|diff)"
    public static let acceptsPositionals = true
    public static let options: [OptionSpec] =
        AppConfiguration.options(["database-url", "log-level", "master-key-file", "root"]) + [
            OptionSpec("tenant", value: "SLUG", help: "the tenant (deploy; list its deployments; dry-run with its reference tables)"),
            OptionSpec("source", value: "NAME", help: "the webhook source the mapping answers for (deploy)"),
            OptionSpec("mapping", value: "SLUG", help: "the mapping, e.g. generic-erp-json"),
            OptionSpec("mapping-file", value: "FILE", help: "a mapping document to dry-run instead of a published one"),
            OptionSpec("version", value: "X.Y.Z", help: "the mapping version (default: the newest)"),
            OptionSpec("payload", value: "FILE", help: "the sample payload to map (dry-run)"),
            OptionSpec("lookups", value: "FILE", help: "reference tables as JSON {table: {key: row}} (dry-run, instead of the tenant's)"),
            OptionSpec("partner", value: "SLUG", help: "the partner whose version to publish or diff"),
            OptionSpec("from", value: "X.Y.Z", help: "the older version to diff"),
            OptionSpec("to", value: "X.Y.Z", help: "the newer version to diff"),
        ]

    private enum Action: String { case list, deploy, dryRun = "dry-run", publish, diff }
    private let action: Action
    private let configuration: AppConfiguration
    private let arguments: ParsedArguments

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        guard let first = arguments.positionals.first, let action = Action(rawValue: first) else {
            throw UsageError("mapping: give one action: list|deploy|dry-run|publish|diff")
        }
        guard arguments.positionals.count == (action == .publish ? 2 : 1) else {
            throw UsageError(
                action == .publish ? "mapping publish: give one mapping file" : "mapping \(action.rawValue): unexpected arguments")
        }
        let required: [String] =
            switch action {
            case .list: []
            case .deploy: ["tenant", "source", "mapping"]
            case .dryRun: ["payload"]
            case .publish: ["partner"]
            case .diff: ["partner", "mapping", "from", "to"]
            }
        for option in required where arguments.values[option] == nil {
            throw UsageError("mapping \(action.rawValue): --\(option) is required")
        }
        if action == .dryRun && (arguments.values["mapping"] == nil) == (arguments.values["mapping-file"] == nil) {
            throw UsageError("mapping dry-run: give either --mapping or --mapping-file")
        }
        self.action = action
        self.arguments = arguments
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    public func run(context: CommandContext) async throws -> Int32 {
        let root = try configuration.requireRoot()
        let events = try EventCatalog.load(from: root.appendingPathComponent("Templates/events"))
        let catalog = try MappingCatalog.load(from: root.appendingPathComponent("Templates/mappings"), events: events)
        switch action {
        case .list:
            for slug in catalog.slugs {
                let versions = catalog.versions(of: slug)
                let outputs = Set(versions.last?.outputs.map(\.eventType) ?? []).sorted().joined(separator: ",")
                context.output.write(
                    "\(slug)\t\(versions.map(\.version.description).joined(separator: ","))\t\(outputs)\t\(versions.last?.title ?? "")")
            }
            if let tenant = arguments.values["tenant"] {
                let slug = try Slug(tenant)
                let deployments = try await withTenant(context: context, events: events, catalog: catalog) { middleware, _ in
                    try await middleware.deployments.list(tenant: slug)
                }
                for deployment in deployments {
                    context.output.write(
                        "\(tenant)\t\(deployment.source)\t\(deployment.mapping.slug)\t\(deployment.mapping.version)\t"
                            + "\(deployment.deployedBy)")
                }
            }
        case .deploy:
            let tenant = try Slug(arguments.values["tenant"] ?? "")
            let deployment = try await withTenant(context: context, events: events, catalog: catalog) { middleware, actor in
                try await middleware.deployments.deploy(
                    tenant: tenant, source: arguments.values["source"] ?? "", slug: arguments.values["mapping"] ?? "",
                    version: arguments.values["version"], actor: actor)
            }
            context.output.write(
                "deployed \(deployment.mapping.slug) \(deployment.mapping.version) to \(tenant) source "
                    + "\(deployment.source) (deployment \(deployment.id.uuidString.lowercased()))")
        case .dryRun:
            return try await dryRun(context: context, events: events, catalog: catalog)
        case .publish, .diff:
            let file = action == .publish ? try Self.read(arguments.positionals[1]) : nil
            let partner = try Slug(arguments.values["partner"] ?? "")
            let controlPlane = try ControlPlaneContext.open(configuration, environment: context.environment, needsMasterKey: false)
            let lines = try await controlPlane.run { cp in
                let publishing = MappingPublishing(catalog: catalog, store: PublishedVersions(pool: cp.pool), events: events)
                if let file {
                    let published = try await publishing.publish(partner: partner, document: file, actor: cp.actor)
                    return ["published \(published.slug) \(published.version) for \(partner) (sha256 \(published.checksum))"]
                }
                return DiffText.lines(
                    try await publishing.diff(
                        partner: partner, slug: arguments.values["mapping"] ?? "", from: arguments.values["from"] ?? "",
                        to: arguments.values["to"] ?? ""))
            }
            for line in lines { context.output.write(line) }
        }
        return 0
    }

    private func dryRun(context: CommandContext, events: EventCatalog, catalog: MappingCatalog) async throws -> Int32 {
        let runner = MappingDryRun(catalog: catalog, events: events)
        let mapping: MappingDocument
        if let file = arguments.values["mapping-file"] {
            mapping = try await runner.mapping(.inline(try Self.read(file)))
        } else {
            mapping = try await runner.mapping(
                .published(slug: arguments.values["mapping"] ?? "", version: arguments.values["version"]))
        }
        let payload = Array(try Self.read(arguments.values["payload"] ?? ""))
        let lookups: InMemoryReferenceLookup
        if let file = arguments.values["lookups"] {
            lookups = try InMemoryReferenceLookup(json: try JSONParser().parse(try Self.read(file)))
        } else if let tenant = arguments.values["tenant"] {
            let slug = try Slug(tenant)
            lookups = try await withTenant(context: context, events: events, catalog: catalog) { middleware, _ in
                try await middleware.references.lookups(tenant: slug, tables: mapping.lookupTables)
            }
        } else {
            lookups = InMemoryReferenceLookup()
        }
        do {
            let mapped = try runner.run(mapping, payload: payload, lookups: lookups)
            context.output.write(JSONValue.array(mapped.map(\.document)).serialized())
            return 0
        } catch {
            var lines = ["countersign mapping: \(error.code): \(error.message)"]
            if let path = error.sourcePath { lines.append("  source path: \(path)") }
            if let target = error.target { lines.append("  target: \(target)") }
            if let rule = error.rule { lines.append("  rule: \(rule)") }
            for issue in error.issues.prefix(20) { lines.append("  \(issue.path): \(issue.message)") }
            context.output.writeError(lines.joined(separator: "\n"))
            return 1
        }
    }

    static func read(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UsageError("mapping: cannot read \(path)")
        }
        return data
    }

    /// Runs `body` with middleware services over the tenant's database, closing everything afterwards.
    private func withTenant<Result: Sendable>(
        context: CommandContext, events: EventCatalog, catalog: MappingCatalog,
        _ body: @Sendable (MiddlewareServices, _ actor: String) async throws -> Result
    ) async throws -> Result {
        let controlPlane = try ControlPlaneContext.open(
            configuration, environment: context.environment, needsMasterKey: true)
        return try await controlPlane.run { cp in
            let databases = TenantDatabases(service: cp.service, configuration: .init(maximumConnections: 2))
            let middleware = MiddlewareServices(
                ingest: IngestService(catalog: events, databases: databases), catalog: catalog,
                published: PublishedVersions(pool: cp.pool))
            do {
                let result = try await body(middleware, cp.actor)
                await databases.close()
                return result
            } catch {
                await databases.close()
                throw error
            }
        }
    }
}
