/// What an API credential may do: a closed set, so a typo in a grant is an
/// error at creation rather than a silently useless key.
public enum Scope: String, Sendable, CaseIterable, Codable, Comparable, CustomStringConvertible {
    case eventsWrite = "events:write"
    case eventsRead = "events:read"
    /// Manage outbound webhook endpoints and replay deliveries.
    case endpointsWrite = "endpoints:write"
    case runsRead = "runs:read"
    case runsWrite = "runs:write"
    case tasksRead = "tasks:read"
    case tasksWrite = "tasks:write"
    /// Read partners and tenants; ``AccessPolicy`` already asks for it.
    case tenantsRead = "tenants:read"
    /// Create and manage tenants; ``AccessPolicy`` already asks for it.
    case tenantsWrite = "tenants:write"
    case credentialsWrite = "credentials:write"
    case secretsWrite = "secrets:write"
    case auditRead = "audit:read"
    /// List users of the caller's organisation (or, for a partner, of its tenants).
    case usersRead = "users:read"
    /// Create, change and disable users; ``AccessPolicy`` also asks for an administrator's role.
    case usersWrite = "users:write"
    /// Read the partner's published templates and mappings, their diffs and where they are deployed.
    case catalogRead = "catalog:read"
    /// Publish new template and mapping versions (published ones never change).
    case catalogPublish = "catalog:publish"
    /// Implies every other scope.
    case admin

    public var description: String { rawValue }

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The scopes granted to one credential.
public struct ScopeSet: Sendable, Hashable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public let scopes: Set<Scope>

    public init(_ scopes: some Sequence<Scope>) {
        self.scopes = Set(scopes)
    }

    public init(arrayLiteral elements: Scope...) {
        self.init(elements)
    }

    /// Parses `events:write,runs:read` (spaces around items are ignored), as
    /// given to `--scopes` or in a JSON body.
    ///
    /// - Throws: `invalid_scope` (422, field `scopes`) naming the first unknown
    ///   scope, or when no scope is given: a credential without scopes can do
    ///   nothing and is always a mistake.
    public init(parsing list: String) throws(ControlPlaneError) {
        try self.init(parsing: list.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
    }

    /// Parses a list of scope names, such as `api_credentials.scopes`.
    ///
    /// - Throws: `invalid_scope` as for ``init(parsing:)-(String)``.
    public init(parsing names: [String]) throws(ControlPlaneError) {
        var scopes: Set<Scope> = []
        for name in names {
            let trimmed = name.trimmingSpaces
            guard let scope = Scope(rawValue: trimmed) else {
                let known = Scope.allCases.map(\.rawValue).joined(separator: ", ")
                let what = trimmed.isEmpty ? "an empty scope" : "unknown scope \(UntrustedText.quoted(trimmed))"
                throw .invalid("invalid_scope", "\(what); known scopes: \(known)", field: "scopes")
            }
            scopes.insert(scope)
        }
        guard !scopes.isEmpty else {
            throw .invalid("invalid_scope", "at least one scope is required", field: "scopes")
        }
        self.scopes = scopes
    }

    /// Whether these scopes permit `scope`; `admin` permits everything.
    public func allows(_ scope: Scope) -> Bool {
        scopes.contains(.admin) || scopes.contains(scope)
    }

    /// Sorted names, for `text[]` columns and for display.
    public var names: [String] { scopes.sorted().map(\.rawValue) }

    public var isEmpty: Bool { scopes.isEmpty }

    public var description: String { names.joined(separator: ",") }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
