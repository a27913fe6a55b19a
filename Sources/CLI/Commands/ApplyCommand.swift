import ControlPlane
import Engine
import Events
import Foundation

/// `countersign apply PATH…`: reconciles tenant manifests (files, or folders of `.json` files).
public struct ApplyCommand: Subcommand {
    public static let name = "apply"
    public static let summary = "reconcile partner/tenant manifests (files or folders of .json)"
    public static let acceptsPositionals = true
    public static let options: [OptionSpec] = AppConfiguration.options([
        "database-url", "log-level", "master-key-file", "root",
    ])

    private let configuration: AppConfiguration
    private let files: [URL]

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        guard !arguments.positionals.isEmpty else { throw UsageError("apply: give at least one file or folder") }
        var files: [URL] = []
        for path in arguments.positionals {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw UsageError("apply: no such file or folder: \(path)")
            }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files += names.filter { $0.hasSuffix(".json") }.sorted().map {
                    URL(fileURLWithPath: path).appendingPathComponent($0)
                }
            } else {
                files.append(URL(fileURLWithPath: path))
            }
        }
        self.files = files
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    public func run(context: CommandContext) async throws -> Int32 {
        // Every file is parsed and validated before anything is written.
        let manifests = try files.map { try TenantManifest.load($0) }
        let root = try configuration.requireRoot()
        let events = try EventCatalog.load(from: root.appendingPathComponent("Templates/events"))
        let templates = try TemplateCatalog.load(
            from: root.appendingPathComponent("Templates"), knownEventTypes: Set(events.types.map(\.type)))
        let wanted = manifests.flatMap { manifest in
            manifest.tenants.flatMap { tenant in (tenant.deployments ?? []).map { (manifest.partner.slug, tenant.slug, $0) } }
        }
        let controlPlane = try ControlPlaneContext.open(configuration, environment: context.environment, needsMasterKey: true)
        let (changes, deployed) = try await controlPlane.run { cp in
            let databases = TenantDatabases(service: cp.service, configuration: .init(maximumConnections: 2))
            let deployments = Deployments(
                databases: databases, resolver: TemplateResolver(catalog: templates, published: PublishedVersions(pool: cp.pool)))
            do {
                // By partner: a tenant the manifest is about to create has no row to resolve through yet.
                for (partner, _, spec) in wanted {
                    try await deployments.validate(
                        slug: spec.template, version: spec.version,
                        parameters: (spec.parameters ?? [:]).mapValues(JSONValue.string), for: .partner(partner))
                }
                var all: [ManifestApplier.Change] = []
                for manifest in manifests {
                    all += try await ManifestApplier(service: cp.service).apply(manifest, actor: cp.actor)
                }
                var lines: [String] = []
                for (_, tenant, spec) in wanted {
                    let changed = try await deployments.ensure(
                        tenant: tenant, slug: spec.template, version: spec.version,
                        parameters: (spec.parameters ?? [:]).mapValues(JSONValue.string), actor: cp.actor)
                    lines.append("deployment \(tenant)/\(spec.template): \(changed ? "deployed" : "unchanged")")
                }
                await databases.close()
                return (all, lines)
            } catch {
                await databases.close()
                throw error
            }
        }
        for change in changes { context.output.write(change.description) }
        for line in deployed { context.output.write(line) }
        let counts = Dictionary(grouping: changes, by: \.outcome).mapValues(\.count)
        context.output.write(
            "\(counts[.created] ?? 0) created, \(counts[.changed] ?? 0) changed, \(counts[.unchanged] ?? 0) unchanged")
        return 0
    }
}
