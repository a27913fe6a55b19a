import Foundation

/// A Swift type that can be read from a column's text value.
///
/// Each conformance states which PostgreSQL types it accepts; anything else is a
/// `decoding` error naming the column, its type and the requested Swift type,
/// so a schema change is caught at the first read rather than silently coerced.
public protocol PostgresDecodable: Sendable {
    static func decode(_ text: String, column: PostgresColumn) throws -> Self
    /// Called for SQL NULL; only `Optional` accepts it.
    static func decodeNull(column: PostgresColumn) throws -> Self
}

extension PostgresDecodable {
    public static func decodeNull(column: PostgresColumn) throws -> Self {
        throw PostgresError(
            .decoding, summary: "column '\(column.name)' is NULL but \(Self.self) is not optional",
            column: column.name)
    }

    static func mismatch(_ column: PostgresColumn) -> PostgresError {
        PostgresError(
            .decoding, summary: "column '\(column.name)' has type \(column.type) and cannot be decoded as \(Self.self)",
            column: column.name)
    }

    static func malformed(_ column: PostgresColumn) -> PostgresError {
        PostgresError(
            .decoding, summary: "column '\(column.name)' holds a value that is not a valid \(Self.self)",
            column: column.name)
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws -> Wrapped? {
        try Wrapped.decode(text, column: column)
    }
    public static func decodeNull(column: PostgresColumn) throws -> Wrapped? { nil }
}

extension String: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws -> String {
        guard column.type.isTextual else { throw mismatch(column) }
        return text
    }
}

/// Integers read from smallint, integer, bigint (and oid), with a range check.
extension FixedWidthInteger where Self: PostgresDecodable {
    static func decodeInteger(_ text: String, column: PostgresColumn) throws -> Self {
        guard column.type.isInteger else { throw mismatch(column) }
        guard let value = Self(text) else {
            throw PostgresError(
                .decoding, summary: "column '\(column.name)' value does not fit in \(Self.self)", column: column.name)
        }
        return value
    }
}

extension Int: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws -> Int {
        try decodeInteger(text, column: column)
    }
}

extension Int64: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws -> Int64 {
        try decodeInteger(text, column: column)
    }
}

extension Int32: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws -> Int32 {
        try decodeInteger(text, column: column)
    }
}

extension Int16: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws -> Int16 {
        try decodeInteger(text, column: column)
    }
}

extension Bool: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws -> Bool {
        guard column.type == .bool else { throw mismatch(column) }
        switch text {
        case "t": return true
        case "f": return false
        default: throw malformed(column)
        }
    }
}

extension Double: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws -> Double {
        guard column.type == .float8 || column.type == .float4 || column.type == .numeric || column.type.isInteger
        else { throw mismatch(column) }
        guard let value = Double(text) else { throw malformed(column) }
        return value
    }
}

extension Decimal: PostgresDecodable {
    /// numeric (and integers) only: money never passes through floating point.
    public static func decode(_ text: String, column: PostgresColumn) throws -> Decimal {
        guard column.type == .numeric || column.type.isInteger else { throw mismatch(column) }
        guard text != "NaN", let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
            throw malformed(column)
        }
        return value
    }
}

extension Date: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws -> Date {
        guard column.type == .timestamptz || column.type == .timestamp else { throw mismatch(column) }
        guard let date = PostgresTimestamp.parse(text) else { throw malformed(column) }
        return date
    }
}

extension UUID: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws -> UUID {
        guard column.type == .uuid else { throw mismatch(column) }
        guard let uuid = UUID(uuidString: text) else { throw malformed(column) }
        return uuid
    }
}

extension ByteA: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws -> ByteA {
        guard column.type == .bytea else { throw mismatch(column) }
        guard let bytes = PostgresByteaText.parse(text) else { throw malformed(column) }
        return ByteA(bytes)
    }
}

extension Data: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws -> Data {
        Data(try ByteA.decode(text, column: column).bytes)
    }
}

extension JSONDocument: PostgresDecodable {
    public static func decode(_ text: String, column: PostgresColumn) throws -> JSONDocument {
        guard column.type == .jsonb || column.type == .json else { throw mismatch(column) }
        return JSONDocument(rawJSON: text)
    }
}

extension Array: PostgresDecodable where Element == String {
    public static func decode(_ text: String, column: PostgresColumn) throws -> [String] {
        guard column.type == .textArray || column.type == .varcharArray || column.type == .nameArray else {
            throw mismatch(column)
        }
        guard let elements = PostgresArrayLiteral.parse(text) else { throw malformed(column) }
        return try elements.map { element in
            guard let element else {
                throw PostgresError(
                    .decoding, summary: "column '\(column.name)' contains a NULL element", column: column.name)
            }
            return element
        }
    }
}
