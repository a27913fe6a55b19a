import ControlPlane
import Events
import Foundation
import Ingest
import Mapping
import Middleware

/// `countersign import csv`: historical documents from a CSV file, mapped by
/// a published mapping, a mapping file or a column spec, and ingested
/// through the normal ingest service in batches (see ``CSVDocumentImport``).
public struct ImportCommand: Subcommand {
    public static let name = "import"
    public static let summary = "import historical documents from a CSV file into a tenant (csv)"
    public static let acceptsPositionals = true
    public static let options: [OptionSpec] =
        AppConfiguration.options(["database-url", "log-level", "master-key-file", "root"]) + [
            OptionSpec("tenant", value: "SLUG", help: "the tenant to import into"),
            OptionSpec("type", value: "EVENT_TYPE", help: "the event type every document becomes, e.g. purchase_order.created"),
            OptionSpec("file", value: "FILE", help: "the CSV file: a header row, then the documents' rows"),
            OptionSpec("mapping", value: "SLUG", help: "a published mapping (each document is {column: value, _rows: [...]})"),
            OptionSpec("mapping-file", value: "FILE", help: "a mapping document instead of a published one"),
            OptionSpec("version", value: "X.Y.Z", help: "the mapping version (default: the newest)"),
            OptionSpec("columns", value: "SPEC", help: "target=column[:transform],… instead of a mapping, e.g. data.po_number=po,data.lines[].sku=sku"),
            OptionSpec("group-by", value: "COLUMN", help: "rows with the same value here form one document (its lines)"),
            OptionSpec("batch-size", value: "N", help: "documents per commit (default 200)"),
        ]

    private let configuration: AppConfiguration
    private let arguments: ParsedArguments
    private let batchSize: Int

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        guard arguments.positionals == ["csv"] else { throw UsageError("import: give the format: csv") }
        for option in ["tenant", "type", "file"] where arguments.values[option] == nil {
            throw UsageError("import csv: --\(option) is required")
        }
        let sources = ["mapping", "mapping-file", "columns"].filter { arguments.values[$0] != nil }
        guard sources.count == 1 else {
            throw UsageError("import csv: give one of --mapping, --mapping-file or --columns")
        }
        guard let size = Int(arguments.values["batch-size"] ?? "200"), (1...1_000).contains(size) else {
            throw UsageError("import csv: --batch-size is a number from 1 to 1000")
        }
        batchSize = size
        self.arguments = arguments
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    public func run(context: CommandContext) async throws -> Int32 {
        let root = try configuration.requireRoot()
        let events = try EventCatalog.load(from: root.appendingPathComponent("Templates/events"))
        let catalog = try MappingCatalog.load(from: root.appendingPathComponent("Templates/mappings"), events: events)
        let eventType = arguments.values["type"] ?? ""
        guard events.types.contains(where: { $0.type == eventType }) else {
            throw UsageError("import csv: the catalog has no event type \(eventType)")
        }
        let runner = MappingDryRun(catalog: catalog, events: events)
        let mapping: MappingDocument
        let translation: String
        if let spec = arguments.values["columns"] {
            mapping = try ColumnSpec.mapping(spec, eventType: eventType)
            translation = "csv:columns"
        } else if let file = arguments.values["mapping-file"] {
            mapping = try await runner.mapping(.inline(try MappingCommand.read(file)))
            translation = "csv:mapping:\(mapping.slug)@\(mapping.version)"
        } else {
            mapping = try await runner.mapping(
                .published(slug: arguments.values["mapping"] ?? "", version: arguments.values["version"]))
            translation = "csv:mapping:\(mapping.slug)@\(mapping.version)"
        }
        let path = arguments.values["file"] ?? ""
        guard let text = String(data: try MappingCommand.read(path), encoding: .utf8) else {
            throw UsageError("import csv: \(path) is not UTF-8 text")
        }
        let (header, documents) = try CSVDocuments.read(text, groupBy: arguments.values["group-by"])
        let tenant = try Slug(arguments.values["tenant"] ?? "")
        let batchSize = batchSize
        let fileName = URL(fileURLWithPath: path).lastPathComponent

        let controlPlane = try ControlPlaneContext.open(configuration, environment: context.environment, needsMasterKey: true)
        let summary = try await controlPlane.run { cp in
            let databases = TenantDatabases(service: cp.service, configuration: .init(maximumConnections: 2))
            do {
                let ingest = IngestService(catalog: events, databases: databases)
                let references = ReferenceCache(databases: databases)
                let lookups = try await references.lookups(tenant: tenant, tables: mapping.lookupTables)
                let batches = try CSVDocumentImport.prepare(
                    header: header, documents: documents, mapping: mapping, eventType: eventType, lookups: lookups,
                    catalog: events, batchSize: batchSize, translation: translation)
                let summary = try await CSVDocumentImport(ingest: ingest, references: references).run(
                    batches, tenant: tenant,
                    context: IngestContext(ingress: .api, detail: "\(cp.actor) import \(fileName)"))
                await databases.close()
                return summary
            } catch {
                await databases.close()
                throw error
            }
        }
        context.output.write(
            "imported \(summary.documents) documents from \(fileName) into \(tenant): \(summary.events) events "
                + "(\(summary.accepted) new, \(summary.duplicates) already stored) in \(summary.batches) batches")
        return 0
    }
}
