import Platform

/// The short name of a partner or tenant: `^[a-z][a-z0-9_]{1,40}$`, not reserved.
///
/// A tenant's slug names its PostgreSQL schema and role (`t_<slug>`), so this
/// validation is what keeps identifiers safe before they reach the one quoting
/// function; reserved words are refused so that no slug can collide with our
/// own schemas, roles or URL segments.
public struct Slug: Hashable, Sendable, Codable, CustomStringConvertible {
    public let value: String

    /// Words that would collide with PostgreSQL roles and schemas, our URL
    /// space, or common impersonation targets.
    public static let reserved: Set<String> = [
        "admin", "administrator", "api", "app", "auth", "control", "countersign", "default", "demo_admin",
        "health", "healthz", "hooks", "information_schema", "login", "logout", "metrics", "null", "pg", "portal",
        "postgres", "provider", "public", "readyz", "root", "static", "support", "system", "template", "template0",
        "template1", "tenant", "tenants", "v1", "www",
    ]

    public init(_ value: String) throws(SlugError) {
        guard Self.matchesPattern(value) else {
            throw SlugError(value: value, reason: "must match ^[a-z][a-z0-9_]{1,40}$ (lowercase letter first, then letters, digits or _)")
        }
        guard !Self.reserved.contains(value), !value.hasPrefix("pg_") else {
            throw SlugError(value: value, reason: "is reserved")
        }
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            try self.init(try container.decode(String.self))
        } catch let error as SlugError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public var description: String { value }

    /// The tenant's schema and login role: `t_<slug>`.
    public var tenantSchemaName: String { "t_" + value }

    private static func matchesPattern(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard (2...41).contains(bytes.count), let first = bytes.first, first >= 97, first <= 122 else { return false }
        return bytes.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }
}

/// A slug that is malformed or reserved.
public struct SlugError: Error, CodedError, Equatable {
    public let value: String
    public let reason: String
    public var code: String { "invalid_slug" }
    public var message: String {
        let shown = value.count <= 60 && value.allSatisfy { $0.isASCII && !$0.isNewline } ? value : "(value)"
        return "slug '\(shown)' \(reason)"
    }
    public var httpStatus: Int { 422 }
    public var field: String? { "slug" }
}
