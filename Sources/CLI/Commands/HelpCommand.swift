/// `countersign help [command]`: lists commands, or one command's options.
public struct HelpCommand: Subcommand {
    public static let name = "help"
    public static let summary = "show commands, or a command's options"
    public static let options: [OptionSpec] = []
    public static let acceptsPositionals = true

    private let topic: String?

    public init(arguments: ParsedArguments, context: CommandContext) throws {
        guard arguments.positionals.count <= 1 else { throw UsageError("help: give at most one command name") }
        topic = arguments.positionals.first
        if let topic, !CommandLineTool.subcommands.contains(where: { $0.name == topic }) {
            throw UsageError("help: unknown command '\(topic)'")
        }
    }

    public func run(context: CommandContext) async throws -> Int32 {
        if let topic, let type = CommandLineTool.subcommands.first(where: { $0.name == topic }) {
            context.output.write(Self.help(for: type))
        } else {
            context.output.write(Self.overview)
        }
        return 0
    }

    public static var overview: String {
        var lines = ["usage: countersign <command> [options]", "", "commands:"]
        var width = 0
        for type in CommandLineTool.subcommands { width = max(width, type.name.count + 2) }
        for type in CommandLineTool.subcommands {
            lines.append("  " + type.name.padding(toLength: width, withPad: " ", startingAt: 0) + type.summary)
        }
        lines.append("")
        lines.append("Run 'countersign <command> --help' for a command's options.")
        return lines.joined(separator: "\n")
    }

    public static func help(for type: any Subcommand.Type) -> String {
        var lines = ["usage: countersign \(type.name) [options]", "", type.summary]
        if !type.options.isEmpty {
            lines.append("")
            lines.append("options:")
            // Columns as wide as the longest option, so no name is ever cut short.
            let lefts = type.options.map { "--\($0.name)" + ($0.valueName.map { " \($0)" } ?? "") }
            let width = max(26, (lefts.map(\.count).max() ?? 0) + 2)
            for (left, option) in zip(lefts, type.options) {
                lines.append("  " + left.padding(toLength: width, withPad: " ", startingAt: 0) + option.help)
            }
            lines.append("  " + "--help".padding(toLength: width, withPad: " ", startingAt: 0) + "show this help")
        } else {
            lines.append("  --help                    show this help")
        }
        return lines.joined(separator: "\n")
    }
}
