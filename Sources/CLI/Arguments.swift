/// A command-line option a subcommand accepts.
public struct OptionSpec: Sendable {
    public let name: String
    /// Placeholder for the value in help text; nil for a boolean flag.
    public let valueName: String?
    public let help: String

    public init(_ name: String, value valueName: String? = nil, help: String) {
        self.name = name
        self.valueName = valueName
        self.help = help
    }

    public var isFlag: Bool { valueName == nil }
}

/// A command line that does not make sense: answered with one line on standard
/// error and exit status 64 (EX_USAGE).
public struct UsageError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Options parsed against a subcommand's specs: `--name value`, `--name=value`
/// and boolean `--flag`. Positional arguments are refused unless the command
/// asks for them, so a stray word is an error rather than silently ignored.
public struct ParsedArguments: Sendable {
    public private(set) var values: [String: String] = [:]
    public private(set) var flags: Set<String> = []
    public private(set) var positionals: [String] = []
    public private(set) var wantsHelp = false

    public init(_ arguments: [String], specs: [OptionSpec], command: String, allowsPositionals: Bool = false) throws {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--help" || argument == "-h" {
                wantsHelp = true
                continue
            }
            guard argument.hasPrefix("--"), argument.count > 2 else {
                guard allowsPositionals, !argument.hasPrefix("-") else {
                    throw UsageError("\(command): unexpected argument '\(argument)' (see countersign \(command) --help)")
                }
                positionals.append(argument)
                continue
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let spec = specs.first(where: { $0.name == name }) else {
                throw UsageError("\(command): unknown option --\(name) (see countersign \(command) --help)")
            }
            if spec.isFlag {
                guard inlineValue == nil else { throw UsageError("\(command): --\(name) takes no value") }
                flags.insert(name)
                continue
            }
            if let inlineValue {
                values[name] = inlineValue
            } else {
                guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                    throw UsageError("\(command): --\(name) needs a value (\(spec.valueName ?? "value"))")
                }
                values[name] = arguments[index]
                index += 1
            }
        }
    }
}
