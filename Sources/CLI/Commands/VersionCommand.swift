/// `countersign version`: prints the version.
public struct VersionCommand: Subcommand {
    public static let name = "version"
    public static let summary = "print the version"
    public static let options: [OptionSpec] = []

    public init(arguments: ParsedArguments, context: CommandContext) throws {}

    public func run(context: CommandContext) async throws -> Int32 {
        context.output.write("countersign \(CommandLineTool.version)")
        return 0
    }
}
