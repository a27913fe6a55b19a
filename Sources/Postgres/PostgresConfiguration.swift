import CLibPQ
import Foundation

/// How to reach PostgreSQL.
///
/// The connection string is handed to libpq unchanged, so every libpq option
/// (`sslmode`, `sslrootcert`, `target_session_attrs`, …) works. When it is
/// empty, libpq reads the standard `PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`,
/// `PGPASSWORD`, `PGSSLMODE` environment variables itself.
public struct PostgresConfiguration: Sendable {
    /// A libpq URI (`postgresql://user@host:5432/db?sslmode=require`) or `key=value` string.
    public var connectionString: String
    /// Keyword overrides applied after the connection string (e.g. `dbname`, `user`).
    public var overrides: [String: String]
    /// Shown in `pg_stat_activity`.
    public var applicationName: String
    /// Time allowed to establish a connection, in whole seconds (libpq's unit). Default 10.
    public var connectTimeoutSeconds: Int
    /// Server-side limit for each statement; nil leaves the server default. Default 30 s.
    public var statementTimeout: Duration?

    public init(
        connectionString: String, overrides: [String: String] = [:], applicationName: String = "countersign",
        connectTimeoutSeconds: Int = 10, statementTimeout: Duration? = .seconds(30)
    ) {
        self.connectionString = connectionString
        self.overrides = overrides
        self.applicationName = applicationName
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.statementTimeout = statementTimeout
    }

    /// `DATABASE_URL` if set, else libpq's own `PG*` variables.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> PostgresConfiguration
    {
        PostgresConfiguration(connectionString: environment["DATABASE_URL"] ?? "")
    }

    /// A copy that connects to another database on the same server.
    public func database(_ name: String) -> PostgresConfiguration {
        var copy = self
        copy.overrides["dbname"] = name
        return copy
    }

    /// Checks the connection string's syntax without connecting. The error
    /// names the problem but never echoes the string (it may hold a password).
    public func validate() throws {
        guard !connectionString.isEmpty else { return }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) }
            if let errorMessage { PQfreemem(errorMessage) }
            throw PostgresError(
                .invalidConfiguration,
                summary: "the database connection string is invalid: \(reason ?? "unparseable")")
        }
        PQconninfoFree(options)
    }

    /// Connection parameters for logs: host, port, database and user, never the password.
    public var redactedDescription: String {
        var parts: [String] = []
        var errorMessage: UnsafeMutablePointer<CChar>?
        if !connectionString.isEmpty, let options = PQconninfoParse(connectionString, &errorMessage) {
            var cursor = options
            while let keyword = cursor.pointee.keyword {
                let key = String(cString: keyword)
                if let value = cursor.pointee.val, ["host", "port", "dbname", "user", "sslmode"].contains(key) {
                    parts.append("\(key)=\(overrides[key] ?? String(cString: value))")
                }
                cursor += 1
            }
            PQconninfoFree(options)
        }
        if let errorMessage { PQfreemem(errorMessage) }
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) where key != "password" {
            if !parts.contains(where: { $0.hasPrefix(key + "=") }) { parts.append("\(key)=\(value)") }
        }
        return parts.isEmpty ? "(libpq defaults and PG* environment)" : parts.joined(separator: " ")
    }

    /// Keyword/value pairs for `PQconnectdbParams`: the connection string is
    /// expanded first, then our settings, then the overrides.
    var keywordValues: [(String, String)] {
        // Sessions prepare every statement (``PreparedStatements``) to save the parse and
        // analysis; plans stay per execution because a generic plan cannot see how many
        // ids an `= ANY($1)` array holds and picks a hash join over the whole table.
        var options =
            "-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=iso_8601 -c client_encoding=UTF8"
            + " -c plan_cache_mode=force_custom_plan"
        if let statementTimeout {
            let millis = statementTimeout.components.seconds * 1000
                + statementTimeout.components.attoseconds / 1_000_000_000_000_000
            options += " -c statement_timeout=\(millis)"
        }
        var pairs: [(String, String)] = [
            ("dbname", connectionString),
            ("application_name", applicationName),
            ("connect_timeout", String(connectTimeoutSeconds)),
            ("options", options),
        ]
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) { pairs.append((key, value)) }
        return pairs
    }
}
