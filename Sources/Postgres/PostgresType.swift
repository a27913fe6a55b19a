/// A PostgreSQL data type, by OID, with a name for error messages.
public struct PostgresType: Hashable, Sendable, CustomStringConvertible {
    public let oid: UInt32
    public init(oid: UInt32) { self.oid = oid }

    public static let unspecified = PostgresType(oid: 0)
    public static let bool = PostgresType(oid: 16)
    public static let bytea = PostgresType(oid: 17)
    public static let name = PostgresType(oid: 19)
    public static let int8 = PostgresType(oid: 20)
    public static let int2 = PostgresType(oid: 21)
    public static let int4 = PostgresType(oid: 23)
    public static let text = PostgresType(oid: 25)
    public static let oidType = PostgresType(oid: 26)
    public static let json = PostgresType(oid: 114)
    public static let xml = PostgresType(oid: 142)
    public static let float4 = PostgresType(oid: 700)
    public static let float8 = PostgresType(oid: 701)
    public static let unknown = PostgresType(oid: 705)
    public static let bpchar = PostgresType(oid: 1042)
    public static let varchar = PostgresType(oid: 1043)
    public static let date = PostgresType(oid: 1082)
    public static let timestamp = PostgresType(oid: 1114)
    public static let timestamptz = PostgresType(oid: 1184)
    public static let interval = PostgresType(oid: 1186)
    public static let numeric = PostgresType(oid: 1700)
    public static let uuid = PostgresType(oid: 2950)
    public static let jsonb = PostgresType(oid: 3802)
    public static let nameArray = PostgresType(oid: 1003)
    public static let textArray = PostgresType(oid: 1009)
    public static let varcharArray = PostgresType(oid: 1015)
    public static let int8Array = PostgresType(oid: 1016)

    /// Types whose text form is the value itself, so `String` may read them.
    /// User-defined types (enums, OIDs from 16384) read as text too.
    public var isTextual: Bool {
        switch self {
        case .text, .varchar, .bpchar, .name, .unknown, .json, .jsonb, .xml, .uuid: return true
        default: return oid >= 16384
        }
    }

    public var isInteger: Bool { self == .int2 || self == .int4 || self == .int8 || self == .oidType }

    public var description: String {
        switch self {
        case .bool: return "boolean"
        case .bytea: return "bytea"
        case .name: return "name"
        case .int8: return "bigint"
        case .int2: return "smallint"
        case .int4: return "integer"
        case .text: return "text"
        case .oidType: return "oid"
        case .json: return "json"
        case .xml: return "xml"
        case .float4: return "real"
        case .float8: return "double precision"
        case .unknown: return "unknown"
        case .bpchar: return "character"
        case .varchar: return "character varying"
        case .date: return "date"
        case .timestamp: return "timestamp"
        case .timestamptz: return "timestamp with time zone"
        case .interval: return "interval"
        case .numeric: return "numeric"
        case .uuid: return "uuid"
        case .jsonb: return "jsonb"
        case .nameArray: return "name[]"
        case .textArray: return "text[]"
        case .varcharArray: return "character varying[]"
        case .int8Array: return "bigint[]"
        default: return "type oid \(oid)"
        }
    }
}
