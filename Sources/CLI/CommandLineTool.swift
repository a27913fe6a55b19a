import Foundation
import Platform
import Postgres

/// Everything a subcommand needs from its surroundings; injected so tests can run commands in-process.
public struct CommandContext: Sendable {
    public var environment: [String: String]
    public var output: any OutputWriter

    public init(environment: [String: String], output: any OutputWriter) {
        self.environment = environment
        self.output = output
    }
}

/// One subcommand: parsed and validated on construction, then run.
public protocol Subcommand: Sendable {
    static var name: String { get }
    static var summary: String { get }
    static var options: [OptionSpec] { get }
    /// Whether the command takes positional arguments (an action, paths).
    static var acceptsPositionals: Bool { get }
    /// Parses and validates; throws ``UsageError`` for a bad command line or
    /// `SettingError` for a bad setting.
    init(arguments: ParsedArguments, context: CommandContext) throws
    /// Does the work; returns the exit status.
    func run(context: CommandContext) async throws -> Int32
}

extension Subcommand {
    public static var acceptsPositionals: Bool { false }
}

/// The `countersign` command line: dispatches to subcommands and turns errors
/// into one-line messages and exit statuses (64 usage, 1 failure).
public enum CommandLineTool {
    public static let version = "0.1.0"

    public static let subcommands: [any Subcommand.Type] = [
        ServeCommand.self, WorkerCommand.self, MigrateCommand.self, ApplyCommand.self, PartnerCommand.self, TenantCommand.self,
        CredentialCommand.self, WebhookSecretCommand.self, TemplateCommand.self, AuditCommand.self,
        BillingCommand.self, UsageCommand.self,
        MappingCommand.self, ImportCommand.self,
        DemoCommand.self, TriageCommand.self,
        VersionCommand.self, HelpCommand.self,
    ]

    public static let usageStatus: Int32 = 64

    public static func run(arguments: [String], context: CommandContext) async -> Int32 {
        guard let name = arguments.first else {
            context.output.writeError(HelpCommand.overview)
            return usageStatus
        }
        if name == "--help" || name == "-h" {
            context.output.write(HelpCommand.overview)
            return 0
        }
        if name == "--version" {
            context.output.write("countersign \(version)")
            return 0
        }
        guard let type = subcommands.first(where: { $0.name == name }) else {
            context.output.writeError("countersign: unknown command '\(name)' (see countersign help)")
            return usageStatus
        }
        do {
            let parsed = try ParsedArguments(
                Array(arguments.dropFirst()), specs: type.options, command: type.name,
                allowsPositionals: type.acceptsPositionals)
            if parsed.wantsHelp {
                context.output.write(HelpCommand.help(for: type))
                return 0
            }
            let command = try type.init(arguments: parsed, context: context)
            return try await command.run(context: context)
        } catch let error as UsageError {
            context.output.writeError("countersign: \(error.message)")
            return usageStatus
        } catch let error as SettingError {
            context.output.writeError("countersign \(type.name): \(error.message)")
            return usageStatus
        } catch let error as PostgresError {
            // The libpq reason (host, socket, authentication) is what an operator needs here.
            let reason = error.serverMessage.map { ": \($0)" } ?? ""
            context.output.writeError("countersign \(type.name): \(error.message)\(reason)")
            return 1
        } catch let error as any CodedError {
            context.output.writeError("countersign \(type.name): \(error.message)")
            return 1
        } catch {
            context.output.writeError("countersign \(type.name): \(error)")
            return 1
        }
    }
}
