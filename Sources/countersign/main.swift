import CLI
import Foundation

let status = await CommandLineTool.run(
    arguments: Array(CommandLine.arguments.dropFirst()),
    context: CommandContext(environment: ProcessInfo.processInfo.environment, output: StandardOutputWriter()))
exit(status)
