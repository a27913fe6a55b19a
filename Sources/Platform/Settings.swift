import Foundation

/// Where a setting's value came from; named in validation errors so that an
/// operator knows which flag, variable or file line to fix.
public enum SettingSource: Sendable, Equatable, CustomStringConvertible {
    case flag(String)
    case environment(String)
    case file(path: String, key: String)
    case defaultValue

    public var description: String {
        switch self {
        case .flag(let name): return "--\(name)"
        case .environment(let name): return "$\(name)"
        case .file(let path, let key): return "'\(key)' in \(path)"
        case .defaultValue: return "default"
        }
    }
}

/// A setting that could not be used. Names the setting and where its value came from.
public struct SettingError: Error, CodedError, Equatable {
    public let setting: String
    public let source: SettingSource
    public let problem: String

    public init(setting: String, source: SettingSource, problem: String) {
        self.setting = setting
        self.source = source
        self.problem = problem
    }

    public var code: String { "invalid_setting" }
    public var message: String { "setting \(setting) (from \(source)): \(problem)" }
    public var httpStatus: Int { 500 }
    public var field: String? { setting }
}

/// Layered configuration lookup: command-line flags over environment
/// variables over an optional JSON config file over documented defaults.
///
/// Each setting has one canonical name (`port`), a flag (`--port`), an
/// environment variable (`COUNTERSIGN_PORT`) and a config-file key (`port`).
public struct SettingsReader: Sendable {
    public let flags: [String: String]
    public let environment: [String: String]
    public let file: [String: String]
    public let filePath: String?

    public init(flags: [String: String], environment: [String: String], file: [String: String] = [:], filePath: String? = nil) {
        self.flags = flags
        self.environment = environment
        self.file = file
        self.filePath = filePath
    }

    /// Reads the JSON object in `path` as the file layer. Values may be strings,
    /// numbers or booleans; keys not in `knownKeys` are errors, so a typo is not ignored.
    public func loadingFile(_ path: String, knownKeys: Set<String>) throws -> SettingsReader {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SettingError(setting: "config", source: .flag("config"), problem: "cannot read file \(path)")
        }
        guard let object = try? JSONDecoder().decode([String: FileValue].self, from: data) else {
            throw SettingError(
                setting: "config", source: .flag("config"),
                problem: "\(path) is not a JSON object of strings, numbers and booleans")
        }
        var values: [String: String] = [:]
        for (key, value) in object {
            guard knownKeys.contains(key) else {
                throw SettingError(
                    setting: key, source: .file(path: path, key: key), problem: "unknown setting")
            }
            values[key] = value.text
        }
        return SettingsReader(flags: flags, environment: environment, file: values, filePath: path)
    }

    /// A scalar in the config file, kept as the text a flag would have given.
    private struct FileValue: Decodable {
        let text: String
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) {
                text = flag ? "true" : "false"
            } else if let integer = try? container.decode(Int.self) {
                text = String(integer)
            } else if let number = try? container.decode(Double.self) {
                text = String(number)
            } else {
                text = try container.decode(String.self)
            }
        }
    }

    /// The raw value of `name` and its source, or nil when nothing sets it.
    public func raw(_ name: String, environmentName: String) -> (String, SettingSource)? {
        if let value = flags[name] { return (value, .flag(name)) }
        if let value = environment[environmentName] { return (value, .environment(environmentName)) }
        if let value = file[name], let filePath { return (value, .file(path: filePath, key: name)) }
        return nil
    }

    /// The value of `name` converted by `parse`, which returns nil (or throws a
    /// problem string) for values it rejects; `defaultValue` when unset.
    public func value<Value>(
        _ name: String, environment environmentName: String, default defaultValue: Value,
        expecting: String, _ parse: (String) -> Value?
    ) throws -> Value {
        guard let (text, source) = raw(name, environmentName: environmentName) else { return defaultValue }
        guard let value = parse(text) else {
            throw SettingError(setting: name, source: source, problem: "expected \(expecting), got '\(Self.shown(text))'")
        }
        return value
    }

    /// Like ``value(_:environment:default:expecting:_:)`` for settings that
    /// have no default: nil when unset. (A separate method, because with an
    /// optional `Value` a parser's `nil` would read as "valid, and nil".)
    public func optionalValue<Value>(
        _ name: String, environment environmentName: String, expecting: String, _ parse: (String) -> Value?
    ) throws -> Value? {
        guard let (text, source) = raw(name, environmentName: environmentName) else { return nil }
        guard let value = parse(text) else {
            throw SettingError(setting: name, source: source, problem: "expected \(expecting), got '\(Self.shown(text))'")
        }
        return value
    }

    /// Values are echoed in errors only when short and printable; settings that
    /// hold secrets are never read through this path.
    private static func shown(_ text: String) -> String {
        let clipped = text.prefix(40)
        return clipped.allSatisfy { $0.isASCII && !$0.isNewline } ? String(clipped) : "…"
    }
}
