import Foundation

/// One bound parameter as sent to the server: its type, format and bytes.
/// Text format except for `bytea`, which is sent as binary so that no
/// escaping is ever needed.
public struct PostgresBind: Sendable {
    public var type: PostgresType
    /// `nil` is SQL NULL.
    public var bytes: [UInt8]?
    public var isBinary: Bool

    public init(type: PostgresType, bytes: [UInt8]?, isBinary: Bool = false) {
        self.type = type
        self.bytes = bytes
        self.isBinary = isBinary
    }

    public init(type: PostgresType, text: String) {
        self.init(type: type, bytes: Array(text.utf8))
    }

    public static let null = PostgresBind(type: .unspecified, bytes: nil)
}

/// A Swift value that can be bound as a query parameter.
public protocol PostgresEncodable: Sendable {
    var postgresBind: PostgresBind { get }
}

extension String: PostgresEncodable {
    /// Sent with an unspecified type so that the server infers it from context
    /// (text, varchar, an enum, a domain): the literal-like behaviour people expect.
    public var postgresBind: PostgresBind { PostgresBind(type: .unspecified, text: self) }
}

extension Substring: PostgresEncodable {
    public var postgresBind: PostgresBind { String(self).postgresBind }
}

extension Int: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(type: .int8, text: String(self)) }
}

extension Int64: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(type: .int8, text: String(self)) }
}

extension Int32: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(type: .int4, text: String(self)) }
}

extension Int16: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(type: .int2, text: String(self)) }
}

extension Bool: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(type: .bool, text: self ? "t" : "f") }
}

extension Double: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(type: .float8, text: "\(self)") }
}

extension Decimal: PostgresEncodable {
    /// `Decimal.description` always uses `.` as the separator, as PostgreSQL expects.
    public var postgresBind: PostgresBind { PostgresBind(type: .numeric, text: description) }
}

extension UUID: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(type: .uuid, text: uuidString.lowercased()) }
}

extension Date: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(type: .timestamptz, text: PostgresTimestamp.format(self)) }
}

extension Data: PostgresEncodable {
    public var postgresBind: PostgresBind { PostgresBind(type: .bytea, bytes: Array(self), isBinary: true) }
}

/// Binary data for a `bytea` column. A bare `[UInt8]` is deliberately not
/// encodable, so that an array of small integers is never mistaken for bytes.
public struct ByteA: Sendable, Hashable, PostgresEncodable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var postgresBind: PostgresBind { PostgresBind(type: .bytea, bytes: bytes, isBinary: true) }
}

extension Array: PostgresEncodable where Element == String {
    public var postgresBind: PostgresBind {
        PostgresBind(type: .textArray, bytes: PostgresBinaryArray.text(self), isBinary: true)
    }
}

/// A `jsonb` value: raw JSON text, produced by encoding a value or taken as is.
public struct JSONDocument: Sendable, Hashable, PostgresEncodable {
    public var text: String

    public init(rawJSON text: String) { self.text = text }

    public init<Value: Encodable>(encoding value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        self.text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(text.utf8))
    }

    public var postgresBind: PostgresBind { PostgresBind(type: .jsonb, text: text) }
}

/// A `text[]` in PostgreSQL's binary format, as `array_recv` reads it: each
/// element is its length and its bytes. The text format made the server
/// parse every element for quotes and backslashes, and an ingest batch binds
/// a kilobyte of JSON per event this way.
enum PostgresBinaryArray {
    static func text(_ elements: [String]) -> [UInt8] {
        var capacity = 20
        for element in elements { capacity += 4 + element.utf8.count }
        var out: [UInt8] = []
        out.reserveCapacity(capacity)
        func append(_ value: Int32) {
            let bits = UInt32(bitPattern: value)
            out.append(UInt8(truncatingIfNeeded: bits >> 24))
            out.append(UInt8(truncatingIfNeeded: bits >> 16))
            out.append(UInt8(truncatingIfNeeded: bits >> 8))
            out.append(UInt8(truncatingIfNeeded: bits))
        }
        // Dimensions (an empty array has none), no NULLs, the element type.
        append(elements.isEmpty ? 0 : 1)
        append(0)
        append(Int32(bitPattern: PostgresType.text.oid))
        if !elements.isEmpty {
            append(Int32(elements.count))
            append(1)  // lower bound
        }
        for element in elements {
            var element = element
            element.withUTF8 { bytes in
                append(Int32(bytes.count))
                out.append(contentsOf: bytes)
            }
        }
        return out
    }
}
