import Platform

/// Everything the PostgreSQL client throws.
///
/// `message` and `description` are safe to show: they carry the kind and the
/// SQLSTATE but never SQL text, bound values or the server's detail (which can
/// echo data). `debugDescription` has the server message, detail, hint,
/// constraint and throw site, for logs.
public struct PostgresError: Error, CodedError, CustomDebugStringConvertible {
    public enum Kind: String, Sendable {
        /// The server rejected a statement; see ``sqlState``.
        case server
        /// A connection could not be established.
        case connectionFailed
        /// An established connection broke (server restart, terminated backend, network).
        case connectionLost
        /// No connection became free within the pool's checkout timeout.
        case poolTimeout
        /// The pool or listener was shut down.
        case closed
        /// A column's value could not be decoded into the requested Swift type.
        case decoding
        /// Invalid configuration (connection string, identifier, parameters).
        case invalidConfiguration
    }

    public var kind: Kind
    public var sqlState: SQLState?
    /// The server's primary message (debug only: may contain data values).
    public var serverMessage: String?
    public var detail: String?
    public var hint: String?
    public var constraint: String?
    public var table: String?
    public var column: String?
    /// Safe explanation for this error (no data values).
    public var summary: String
    public var throwSite: ThrowSite

    public init(
        _ kind: Kind, summary: String, sqlState: SQLState? = nil, serverMessage: String? = nil,
        detail: String? = nil, hint: String? = nil, constraint: String? = nil, table: String? = nil,
        column: String? = nil, throwSite: ThrowSite = ThrowSite()
    ) {
        self.kind = kind
        self.summary = summary
        self.sqlState = sqlState
        self.serverMessage = serverMessage
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.table = table
        self.column = column
        self.throwSite = throwSite
    }

    public var isUniqueViolation: Bool { sqlState == .uniqueViolation }
    public var isSerializationFailure: Bool { sqlState == .serializationFailure || sqlState == .deadlockDetected }
    public var isConnectionLoss: Bool { kind == .connectionLost || kind == .connectionFailed }
    public var isInsufficientPrivilege: Bool { sqlState == .insufficientPrivilege }
    /// The session's prepared statement no longer fits its tables (or is gone): prepare it afresh next time.
    var invalidatesPreparedStatement: Bool { sqlState == .featureNotSupported || sqlState == .invalidStatementName }

    public var code: String {
        switch kind {
        case .server:
            switch sqlState {
            case .uniqueViolation?: return "database_unique_violation"
            case .foreignKeyViolation?: return "database_foreign_key_violation"
            case .checkViolation?, .notNullViolation?: return "database_constraint_violation"
            case .serializationFailure?, .deadlockDetected?: return "database_serialization_failure"
            case .queryCanceled?: return "database_statement_timeout"
            case .insufficientPrivilege?: return "database_permission_denied"
            default: return "database_error"
            }
        case .connectionFailed: return "database_unavailable"
        case .connectionLost: return "database_connection_lost"
        case .poolTimeout: return "database_busy"
        case .closed: return "database_closed"
        case .decoding: return "database_decoding_error"
        case .invalidConfiguration: return "database_invalid_configuration"
        }
    }

    public var message: String { summary }

    public var httpStatus: Int {
        switch kind {
        case .connectionFailed, .connectionLost, .poolTimeout, .closed: return 503
        case .server where isUniqueViolation: return 409
        case .server where isSerializationFailure: return 503
        default: return 500
        }
    }

    public var description: String {
        if let sqlState { return "\(code): \(summary) (SQLSTATE \(sqlState))" }
        return "\(code): \(summary)"
    }

    public var debugDescription: String {
        var parts = [description]
        if let serverMessage { parts.append("server: \(serverMessage)") }
        if let detail { parts.append("detail: \(detail)") }
        if let hint { parts.append("hint: \(hint)") }
        if let constraint { parts.append("constraint: \(constraint)") }
        if let table { parts.append("table: \(table)") }
        if let column { parts.append("column: \(column)") }
        parts.append("at \(throwSite)")
        return parts.joined(separator: "; ")
    }
}
