import Billing
import ControlPlane
import Finance
import Foundation
import Metering
import Platform

/// `countersign usage recount --tenant SLUG [--from YYYY-MM-DD --to YYYY-MM-DD] [--fix]`.
///
/// Prints the days and meters on which `usage_counters` and the tenant's
/// records disagree (see `Metering.UsageRecount`). Exit status 0 when they
/// agree, or after `--fix` wrote the corrections (audited); 1 when
/// differences remain. The range defaults to the current UTC month to date.
public struct UsageCommand: Subcommand {
    public static let name = "usage"
    public static let summary = "recount a tenant's metered usage from its records (recount)"
    public static let acceptsPositionals = true
    public static let options: [OptionSpec] =
        AppConfiguration.options(["database-url", "log-level", "root"]) + [
            OptionSpec("tenant", value: "SLUG", help: "the tenant to recount"),
            OptionSpec("from", value: "YYYY-MM-DD", help: "first UTC day (default: first day of this month)"),
            OptionSpec("to", value: "YYYY-MM-DD", help: "last UTC day (default: today)"),
            OptionSpec("fix", help: "rewrite the counters that differ to the derived values, with an audit entry"),
        ]

    private let tenant: Slug
    private let first: UTCDay
    private let last: UTCDay
    private let fix: Bool
    private let configuration: AppConfiguration

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        guard arguments.positionals == ["recount"] else { throw UsageError("usage: give one action: recount") }
        guard let slug = arguments.values["tenant"] else { throw UsageError("usage recount: --tenant is required") }
        do {
            tenant = try Slug(slug)
        } catch {
            throw UsageError("usage recount: --tenant: \(error.message)")
        }
        let today = UTCDay(Date())
        first = try Self.day(arguments.values["from"], option: "from") ?? (try BillingMonth(containing: today)).firstDay
        last = try Self.day(arguments.values["to"], option: "to") ?? today
        guard first <= last else { throw UsageError("usage recount: --from \(first) is after --to \(last)") }
        fix = arguments.flags.contains("fix")
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    static func day(_ text: String?, option: String) throws -> UTCDay? {
        guard let text else { return nil }
        guard let day = UTCDay.parse(text) else {
            throw UsageError("--\(option) must be a day such as 2026-05-31, not '\(text.prefix(40))'")
        }
        return day
    }

    public func run(context: CommandContext) async throws -> Int32 {
        let controlPlane = try ControlPlaneContext.open(configuration, environment: context.environment, needsMasterKey: false)
        let output = context.output
        return try await controlPlane.run { cp in
            let report = try await UsageRecount(pool: cp.pool).run(
                tenant: tenant, from: first, through: last, fix: fix, actor: cp.actor)
            output.write("usage of tenant \(tenant), \(first) to \(last)")
            if report.differences.isEmpty {
                output.write("counters match the records for every derivable meter")
            } else {
                output.write(Self.table(report.differences))
            }
            for meter in report.underivable {
                output.write(
                    "\(meter.rawValue): not derivable from records (counted in memory and flushed every few seconds); not checked")
            }
            if report.fixed {
                output.write("fixed \(report.differences.count) counter(s); audited as usage.recounted")
                return 0
            }
            return report.differences.isEmpty ? 0 : 1
        }
    }

    static func table(_ differences: [UsageRecount.Difference]) -> String {
        let header = ["day", "meter", "counted", "derived", "difference"]
        let rows = differences.map { difference in
            [
                difference.day.description, difference.meter.rawValue, String(difference.counted),
                String(difference.derived), String(difference.derived - difference.counted),
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column < 2 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
