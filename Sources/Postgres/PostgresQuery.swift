/// A SQL statement and its bound parameters.
///
/// Written as a string literal with interpolations: every `\(value)` becomes a
/// placeholder `$n` and a bound parameter, so data never becomes SQL text.
/// Identifiers go through `\(identifier: SQLIdentifier)`. A statement that must
/// be built some other way (a migration file) is spelled `unsafeSQL:`.
///
/// ```swift
/// let rows = try await connection.query("SELECT name FROM control.tenants WHERE slug = \(slug)")
/// ```
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var sql: String
    public private(set) var bindings: [PostgresBind]

    /// Raw SQL text, for constant statements and migration files only.
    public init(unsafeSQL sql: String, bindings: [PostgresBind] = []) {
        self.sql = sql
        self.bindings = bindings
    }

    public init(stringLiteral value: String) {
        self.sql = value
        self.bindings = []
    }

    public init(stringInterpolation: StringInterpolation) {
        self.sql = stringInterpolation.sql
        self.bindings = stringInterpolation.bindings
    }

    /// The SQL text with placeholders only: bound values never appear here.
    public var description: String { sql }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql: String
        var bindings: [PostgresBind] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            bindings.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) { sql += literal }

        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            bindings.append(value.postgresBind)
            sql += "$\(bindings.count)"
        }

        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            bindings.append(value.map(\.postgresBind) ?? .null)
            sql += "$\(bindings.count)"
        }

        /// A fragment of SQL text fixed at compile time, such as a column
        /// list shared by several queries. `StaticString` cannot hold data
        /// from a request, so this never carries a value into the SQL text.
        public mutating func appendInterpolation(fragment: StaticString) {
            sql += fragment.description
        }

        public mutating func appendInterpolation(identifier: SQLIdentifier) {
            sql += identifier.quoted
        }

        /// `schema.table` with both parts quoted.
        public mutating func appendInterpolation(identifier schema: SQLIdentifier, _ name: SQLIdentifier) {
            sql += schema.quoted + "." + name.quoted
        }
    }
}
