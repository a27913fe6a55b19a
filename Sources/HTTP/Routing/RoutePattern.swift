/// A parsed route pattern such as `/v1/tenants/:slug/runs/:id` or `/static/*path`.
///
/// Patterns are checked when a route is registered, so a typo fails at
/// start-up rather than as a puzzling 404 in production.
struct RoutePattern: Sendable, Hashable {
    enum Segment: Sendable, Hashable {
        case literal(String)
        /// One path segment bound to a name (`:slug`).
        case parameter(String)
        /// The rest of the path, zero or more segments, bound to a name (`*path`). Always last.
        case catchAll(String)
    }

    let text: String
    let segments: [Segment]
    /// Names in the order their values are captured while matching; stored
    /// rather than computed because the router reads them on every request.
    let parameterNames: [String]
    let catchAllName: String?

    init(_ text: String) throws(RouteConfigurationError) {
        guard text.hasPrefix("/") else { throw RouteConfigurationError(pattern: text, problem: "must start with '/'") }
        var segments: [Segment] = []
        var names: Set<String> = []
        let parts = text.split(separator: "/", omittingEmptySubsequences: true)
        for (index, part) in parts.enumerated() {
            guard let first = part.first, first == ":" || first == "*" else {
                segments.append(.literal(String(part)))
                continue
            }
            let name = String(part.dropFirst())
            guard Self.isIdentifier(name) else {
                throw RouteConfigurationError(
                    pattern: text, problem: "'\(part)' needs a name of letters, digits and '_'")
            }
            guard names.insert(name).inserted else {
                throw RouteConfigurationError(pattern: text, problem: "parameter '\(name)' appears twice")
            }
            if first == ":" {
                segments.append(.parameter(name))
            } else {
                guard index == parts.count - 1 else {
                    throw RouteConfigurationError(
                        pattern: text, problem: "catch-all '\(part)' must be the last segment")
                }
                segments.append(.catchAll(name))
            }
        }
        self.text = text
        self.segments = segments
        self.parameterNames = segments.compactMap { if case .parameter(let name) = $0 { name } else { nil } }
        self.catchAllName = if case .catchAll(let name) = segments.last { name } else { nil }
    }

    private static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            return false
        }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }
}

/// A route that cannot be registered: a malformed pattern, or a second
/// handler for a method and path shape that already has one.
public struct RouteConfigurationError: Error, CustomStringConvertible, Equatable {
    public let pattern: String
    public let problem: String

    public var description: String { "route '\(pattern)': \(problem)" }
}
