/// A five-character SQLSTATE code, with named constants for the ones the
/// application branches on (PostgreSQL documentation, Appendix A).
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The two-character class, e.g. `23` for integrity constraint violations.
    public var errorClass: Substring { rawValue.prefix(2) }
    public var description: String { rawValue }

    public static let uniqueViolation = SQLState(rawValue: "23505")
    public static let foreignKeyViolation = SQLState(rawValue: "23503")
    public static let notNullViolation = SQLState(rawValue: "23502")
    public static let checkViolation = SQLState(rawValue: "23514")
    public static let exclusionViolation = SQLState(rawValue: "23P01")
    public static let serializationFailure = SQLState(rawValue: "40001")
    public static let deadlockDetected = SQLState(rawValue: "40P01")
    public static let insufficientPrivilege = SQLState(rawValue: "42501")
    public static let undefinedTable = SQLState(rawValue: "42P01")
    public static let undefinedColumn = SQLState(rawValue: "42703")
    public static let syntaxError = SQLState(rawValue: "42601")
    public static let duplicateObject = SQLState(rawValue: "42710")
    public static let duplicateSchema = SQLState(rawValue: "42P06")
    public static let invalidTextRepresentation = SQLState(rawValue: "22P02")
    public static let queryCanceled = SQLState(rawValue: "57014")
    public static let adminShutdown = SQLState(rawValue: "57P01")
    public static let crashShutdown = SQLState(rawValue: "57P02")
    public static let cannotConnectNow = SQLState(rawValue: "57P03")
    public static let lockNotAvailable = SQLState(rawValue: "55P03")
    public static let inFailedTransaction = SQLState(rawValue: "25P02")
    public static let raiseException = SQLState(rawValue: "P0001")
    /// Among others, "cached plan must not change result type" after DDL.
    public static let featureNotSupported = SQLState(rawValue: "0A000")
    public static let invalidStatementName = SQLState(rawValue: "26000")

    /// Class 08 and the shutdown codes: the session is gone, not the statement.
    public var meansConnectionLost: Bool {
        errorClass == "08" || self == .adminShutdown || self == .crashShutdown || self == .cannotConnectNow
    }
}
