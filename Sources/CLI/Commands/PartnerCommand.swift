import ControlPlane
import Foundation

/// `countersign partner create`: onboards a partner (MSP, ERP partner, SI).
public struct PartnerCommand: Subcommand {
    public static let name = "partner"
    public static let summary = "create a partner (create)"
    public static let acceptsPositionals = true
    public static let options: [OptionSpec] =
        AppConfiguration.options(["database-url", "log-level", "root"]) + [
            OptionSpec("slug", value: "SLUG", help: "partner slug"),
            OptionSpec("kind", value: "KIND", help: "msp, erp_partner or si"),
            OptionSpec("name", value: "NAME", help: "display name shown in its portal"),
            OptionSpec("support-email", value: "EMAIL", help: "support contact shown to its clients"),
        ]

    private let configuration: AppConfiguration
    private let slug: Slug
    private let kind: PartnerKind
    private let displayName: String
    private let supportEmail: String

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        guard arguments.positionals == ["create"] else { throw UsageError("partner: give the action 'create'") }
        for option in ["slug", "kind", "name", "support-email"] where arguments.values[option] == nil {
            throw UsageError("partner create: --\(option) is required")
        }
        guard let kind = PartnerKind(rawValue: arguments.values["kind"] ?? "") else {
            throw UsageError("partner create: --kind must be msp, erp_partner or si")
        }
        self.kind = kind
        slug = try Slug(arguments.values["slug"] ?? "")
        displayName = arguments.values["name"] ?? ""
        supportEmail = arguments.values["support-email"] ?? ""
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    public func run(context: CommandContext) async throws -> Int32 {
        let controlPlane = try ControlPlaneContext.open(configuration, environment: context.environment, needsMasterKey: false)
        let partner = try await controlPlane.run { cp in
            try await cp.service.createPartner(
                slug: slug, kind: kind, displayName: displayName, supportEmail: supportEmail, actor: cp.actor)
        }
        context.output.write("created partner \(partner.slug) (\(partner.kind.rawValue))")
        return 0
    }
}
