import Billing
import ControlPlane
import Finance
import Foundation
import Metering
import Platform

/// `countersign billing plan put|assign|statement|show|credit-note`: price books and monthly statements.
///
/// - `plan put --seller provider|partner:SLUG --file plan.json`: create or replace a plan (Billing's plan JSON).
/// - `assign --tenant T --plan CODE --from YYYY-MM-DD [--seller …]`: the tenant's plan from that day on.
/// - `statement --partner P --month YYYY-MM [--for-clients] [--format json|csv] [--issue]`: the provider's
///   statement to the partner, or the partner's to each of its clients; `--issue` stores it for good.
/// - `show --statement NUMBER [--format …]`: an issued statement or note.
/// - `credit-note --statement NUMBER [--format …]`: recompute an issued statement and issue the credit
///   and/or debit note that corrects it.
/// Documents go to standard output, in the Billing module's export formats;
/// what was stored is said on standard error, so output can be piped to a file.
public struct BillingCommand: Subcommand {
    public static let name = "billing"
    public static let summary = "plans, assignments and monthly statements (plan put|assign|statement|show|credit-note)"
    public static let acceptsPositionals = true
    public static let options: [OptionSpec] =
        AppConfiguration.options(["database-url", "log-level", "root"]) + [
            OptionSpec("seller", value: "SELLER", help: "provider (default) or partner:SLUG"),
            OptionSpec("file", value: "FILE", help: "plan JSON document (plan put)"),
            OptionSpec("tenant", value: "SLUG", help: "tenant to assign a plan (assign)"),
            OptionSpec("plan", value: "CODE", help: "plan code (assign)"),
            OptionSpec("from", value: "YYYY-MM-DD", help: "first UTC day of the assignment (assign)"),
            OptionSpec("partner", value: "SLUG", help: "partner billed, or billing its clients (statement)"),
            OptionSpec("month", value: "YYYY-MM", help: "billing month (statement)"),
            OptionSpec("for-clients", help: "the partner's statements to its client tenants (statement)"),
            OptionSpec("format", value: "FORMAT", help: "json (default) or csv"),
            OptionSpec("issue", help: "store the statement immutably (statement)"),
            OptionSpec("statement", value: "NUMBER", help: "an issued statement's number (show, credit-note)"),
        ]

    enum Action: String, CaseIterable {
        case planPut = "plan put"
        case assign, statement, show
        case creditNote = "credit-note"
    }

    enum Format: String { case json, csv }

    private let action: Action
    private let values: [String: String]
    private let flags: Set<String>
    private let format: Format
    private let seller: BillingParty
    private let configuration: AppConfiguration

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        guard let action = Action(rawValue: arguments.positionals.joined(separator: " ")) else {
            throw UsageError("billing: give one action: \(Action.allCases.map(\.rawValue).joined(separator: "|"))")
        }
        self.action = action
        values = arguments.values
        flags = arguments.flags
        let required: [String] =
            switch action {
            case .planPut: ["file"]
            case .assign: ["tenant", "plan", "from"]
            case .statement: ["partner", "month"]
            case .show, .creditNote: ["statement"]
            }
        for option in required where values[option] == nil {
            throw UsageError("billing \(action.rawValue): --\(option) is required")
        }
        guard let format = Format(rawValue: values["format"] ?? "json") else {
            throw UsageError("billing: --format is json or csv")
        }
        self.format = format
        do {
            seller = try Seller.parse(values["seller"] ?? "provider")
        } catch {
            throw UsageError("billing: --seller: \(error.message)")
        }
        if action == .statement {
            _ = try Self.month(values["month"])
            if values["seller"] != nil {
                throw UsageError("billing statement: the seller follows from --for-clients; --seller is not used")
            }
        }
        if action == .assign, UTCDay.parse(values["from"] ?? "") == nil {
            throw UsageError("billing assign: --from must be a day such as 2026-05-01")
        }
        configuration = try AppConfiguration.load(flags: arguments.values, environment: context.environment)
        _ = try configuration.requireRoot()
    }

    static func month(_ text: String?) throws -> BillingMonth {
        do {
            return try BillingMonth.parse(text ?? "")
        } catch {
            throw UsageError("billing: --month: \(error.message)")
        }
    }

    public func run(context: CommandContext) async throws -> Int32 {
        let controlPlane = try ControlPlaneContext.open(configuration, environment: context.environment, needsMasterKey: false)
        let output = context.output
        return try await controlPlane.run { cp in
            let statements = BillingStatements(pool: cp.pool)
            switch action {
            case .planPut:
                let path = values["file"] ?? ""
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw UsageError("billing plan put: cannot read \(path)")
                }
                let plan = try Plan.decode(json: data)
                let outcome = try await PriceBookStore(pool: cp.pool).put(plan, seller: seller, actor: cp.actor)
                output.write("plan \(plan.code) of \(seller): \(outcome.rawValue)")
            case .assign:
                let changed = try await PriceBookStore(pool: cp.pool).assign(
                    tenant: try Slug(values["tenant"] ?? ""), planCode: values["plan"] ?? "",
                    from: UTCDay.parse(values["from"] ?? "") ?? UTCDay(Date()), seller: seller, actor: cp.actor)
                output.write(
                    "tenant \(values["tenant"] ?? "") on \(seller) plan \(values["plan"] ?? "") from \(values["from"] ?? "")"
                        + (changed ? "" : " (unchanged)"))
            case .statement:
                let partner = try Slug(values["partner"] ?? "")
                let month = try Self.month(values["month"])
                let list =
                    flags.contains("for-clients")
                    ? try await statements.clientStatements(partner: partner, month: month)
                    : [try await statements.providerStatement(partner: partner, month: month)]
                if flags.contains("issue") {
                    try await statements.issue(list, actor: cp.actor)
                    for statement in list {
                        output.writeError("issued \(statement.number): \(statement.total.amountText) \(statement.currency)")
                    }
                }
                write(list, single: !flags.contains("for-clients"), to: output)
            case .show:
                write([try await statements.statement(number: values["statement"] ?? "")], single: true, to: output)
            case .creditNote:
                let correction = try await statements.correct(number: values["statement"] ?? "", actor: cp.actor)
                let notes = [correction.creditNote, correction.debitNote].compactMap { $0 }
                guard !notes.isEmpty else {
                    output.writeError("\(values["statement"] ?? ""): the recomputation matches what was billed; nothing issued")
                    return 0
                }
                for note in notes {
                    output.writeError("issued \(note.kind.rawValue) \(note.number): \(note.total.amountText) \(note.currency)")
                }
                write(notes, single: notes.count == 1, to: output)
            }
            return 0
        }
    }

    private func write(_ list: [Statement], single: Bool, to output: any OutputWriter) {
        switch format {
        case .csv: output.write(StatementExport.csv(list))
        case .json: output.write(single && list.count == 1 ? list[0].jsonText : StatementExport.jsonArray(list))
        }
    }
}
