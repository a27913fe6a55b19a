/// A schema, role, table or channel name that may appear in SQL text.
///
/// Identifiers cannot be bound parameters, so this is the one place that turns
/// data into SQL text. Only names matching `^[a-z_][a-z0-9_]{0,62}$` are
/// accepted (tenant slugs are validated more strictly upstream), and the
/// quoted form doubles any `"` anyway, so that a future relaxation of the rule
/// cannot open an injection.
public struct SQLIdentifier: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    /// Validates `name`; throws `invalidConfiguration` naming the bad identifier's shape.
    public init(_ name: String) throws {
        guard Self.isValid(name) else {
            throw PostgresError(
                .invalidConfiguration,
                summary: "not a valid SQL identifier: it must match ^[a-z_][a-z0-9_]{0,62}$")
        }
        self.name = name
    }

    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 63 else { return false }
        guard first == UInt8(ascii: "_") || (first >= 97 && first <= 122) else { return false }
        return bytes.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: "_") }
    }

    /// The identifier as SQL text: `"name"`, with embedded quotes doubled.
    public var quoted: String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public var description: String { quoted }
}
