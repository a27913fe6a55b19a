import Foundation
@testable import Postgres
import TestSupport
import Testing

@Suite("Decoding column values")
struct DecodingTests {
    @Test func decodesEverySupportedType() async throws {
        try await withTestPool { pool in
            let id = UUID()
            let when = Date(timeIntervalSince1970: 1_790_000_000.123456)
            let rows = try await pool.query(
                """
                SELECT 'hello'::text AS t, 42::int2 AS s, 42000::int4 AS i, 9000000000::int8 AS b,
                       true AS yes, false AS no, 1234.5678::numeric AS n, \(when) AS ts,
                       \(id) AS u, '{"a":[1,2]}'::jsonb AS j, '\\x00ff10'::bytea AS raw,
                       ARRAY['a','b c','d"e',NULL]::text[] AS arr, ARRAY[]::text[] AS empty,
                       NULL::text AS missing, 2.5::float8 AS f
                """)
            let row = try #require(rows.first)
            #expect(try row.decode("t", as: String.self) == "hello")
            #expect(try row.decode("s", as: Int16.self) == 42)
            #expect(try row.decode("i", as: Int32.self) == 42000)
            #expect(try row.decode("b", as: Int64.self) == 9_000_000_000)
            #expect(try row.decode("b", as: Int.self) == 9_000_000_000)
            #expect(try row.decode("yes", as: Bool.self) == true)
            #expect(try row.decode("no", as: Bool.self) == false)
            #expect(try row.decode("n", as: Decimal.self) == Decimal(string: "1234.5678"))
            let decodedDate = try row.decode("ts", as: Date.self)
            #expect(abs(decodedDate.timeIntervalSince(when)) < 0.000_001)
            #expect(try row.decode("u", as: UUID.self) == id)
            struct Doc: Decodable, Equatable { let a: [Int] }
            #expect(try row.decode("j", as: JSONDocument.self).decode(Doc.self) == Doc(a: [1, 2]))
            #expect(try row.decode("raw", as: ByteA.self).bytes == [0x00, 0xFF, 0x10])
            #expect(try row.decode("empty", as: [String].self) == [])
            #expect(try row.decode("missing", as: String?.self) == nil)
            #expect(try row.decode("f", as: Double.self) == 2.5)
            // A NULL element is an error, not a silent empty string.
            #expect(throws: PostgresError.self) { try row.decode("arr", as: [String].self) }
        }
    }

    @Test func roundTripsBoundParameters() async throws {
        try await withTestPool { pool in
            try await pool.query(
                """
                CREATE TABLE samples (
                    t text, i bigint, flag boolean, amount numeric(18,4), at timestamptz, id uuid,
                    doc jsonb, raw bytea, tags text[]
                )
                """)
            let at = Date(timeIntervalSince1970: 1_800_000_000.5)
            let id = UUID()
            let tags = ["plain", "with space", "quote\"s", "back\\slash", "comma,here", "{brace}", "NULL", ""]
            let raw = ByteA((0...255).map { UInt8($0) })
            let doc = try JSONDocument(encoding: ["currency": "USD", "amount": "9.00"])
            let text = "O'Reilly; DROP TABLE samples; --\u{00e9}"
            try await pool.query(
                """
                INSERT INTO samples VALUES (\(text), \(Int.min), \(true), \(Decimal(string: "-12345.6789")!),
                                            \(at), \(id), \(doc), \(raw), \(tags))
                """)
            let row = try #require(try await pool.query("SELECT * FROM samples").first)
            #expect(try row.decode("t", as: String.self) == text)
            #expect(try row.decode("i", as: Int.self) == Int.min)
            #expect(try row.decode("flag", as: Bool.self))
            #expect(try row.decode("amount", as: Decimal.self) == Decimal(string: "-12345.6789"))
            #expect(try row.decode("at", as: Date.self) == at)
            #expect(try row.decode("id", as: UUID.self) == id)
            #expect(try row.decode("doc", as: JSONDocument.self).decode([String: String].self)["amount"] == "9.00")
            #expect(try row.decode("raw", as: ByteA.self) == raw)
            #expect(try row.decode("tags", as: [String].self) == tags)
            let optional: String? = nil
            try await pool.query("INSERT INTO samples (t) VALUES (\(optional))")
            let nulls = try await pool.query("SELECT count(*) AS c FROM samples WHERE t IS NULL")
            #expect(try nulls[0].decode("c", as: Int.self) == 1)
        }
    }

    /// Every decoder refuses a column of the wrong type, naming the column.
    @Test(arguments: [
        ("SELECT 1::int4 AS c", "String"),
        ("SELECT 'x'::text AS c", "Int"),
        ("SELECT 'x'::text AS c", "Bool"),
        ("SELECT 1.5::float8 AS c", "Decimal"),
        ("SELECT now()::date AS c", "Date"),
        ("SELECT 'x'::text AS c", "UUID"),
        ("SELECT 'x'::text AS c", "JSONDocument"),
        ("SELECT 'x'::text AS c", "ByteA"),
        ("SELECT 'x'::text AS c", "[String]"),
        ("SELECT 'x'::text AS c", "Double"),
        ("SELECT 70000::int4 AS c", "Int16"),
        ("SELECT NULL::int4 AS c", "Int"),
    ])
    func refusesMismatchedTypes(sql: String, swiftType: String) async throws {
        try await withTestPool { pool in
            let row = try #require(try await pool.query(PostgresQuery(unsafeSQL: sql)).first)
            let error = #expect(throws: PostgresError.self) {
                switch swiftType {
                case "String": _ = try row.decode("c", as: String.self)
                case "Int": _ = try row.decode("c", as: Int.self)
                case "Int16": _ = try row.decode("c", as: Int16.self)
                case "Bool": _ = try row.decode("c", as: Bool.self)
                case "Decimal": _ = try row.decode("c", as: Decimal.self)
                case "Date": _ = try row.decode("c", as: Date.self)
                case "UUID": _ = try row.decode("c", as: UUID.self)
                case "JSONDocument": _ = try row.decode("c", as: JSONDocument.self)
                case "ByteA": _ = try row.decode("c", as: ByteA.self)
                case "[String]": _ = try row.decode("c", as: [String].self)
                case "Double": _ = try row.decode("c", as: Double.self)
                default: Issue.record("unknown type \(swiftType)")
                }
            }
            #expect(error?.kind == .decoding)
            #expect(error?.column == "c")
            #expect(error?.message.contains("'c'") == true)
        }
    }

    @Test func unknownColumnIsAnError() async throws {
        try await withTestPool { pool in
            let row = try #require(try await pool.query("SELECT 1 AS one").first)
            let error = #expect(throws: PostgresError.self) { try row.decode("two", as: Int.self) }
            #expect(error?.message.contains("two") == true)
        }
    }
}

@Suite("Text formats")
struct TextFormatTests {
    @Test(arguments: [
        ("{}", [String?]()),
        ("{a,b}", ["a", "b"]),
        ("{\"a b\",NULL,\"NULL\"}", ["a b", nil, "NULL"]),
        ("{\"q\\\"x\",\"s\\\\y\"}", ["q\"x", "s\\y"]),
    ])
    func parsesArrayLiterals(text: String, expected: [String?]) {
        #expect(PostgresArrayLiteral.parse(text) == expected)
    }

    @Test(arguments: ["", "{", "a,b", "{a,}", "{\"open}"])
    func rejectsMalformedArrayLiterals(text: String) {
        #expect(PostgresArrayLiteral.parse(text) == nil)
    }

    /// The binary `text[]` a bind sends: dimensions, no-NULL flag, element type 25, then per element its
    /// length and bytes, all integers big-endian; an empty array has no dimensions.
    @Test func encodesTextArraysInBinary() {
        #expect(PostgresBinaryArray.text([]) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25])
        #expect(
            PostgresBinaryArray.text(["", "é\\\""])
                == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 25, 0, 0, 0, 2, 0, 0, 0, 1]
                + [0, 0, 0, 0] + [0, 0, 0, 4, 0xC3, 0xA9, 92, 34])
    }

    /// What the server makes of binary binds: every element exactly, the empty array empty.
    @Test func textArrayBindsArriveExactly() async throws {
        try await withTestPool { pool in
            let elements = ["", "NULL", "{\"é\":[1,2]}", "日本", String(repeating: "\\\"x", count: 500)]
            let row = try #require(
                try await pool.query(
                    """
                    SELECT \(elements)::text[] AS echoed, cardinality(\(elements)::text[]) AS n,
                           cardinality(\([String]())::text[]) AS none, (\(elements)::text[])[2] IS NULL AS second_null
                    """
                ).first)
            #expect(try row.decode("echoed", as: [String].self) == elements)
            #expect(try row.decode("n", as: Int.self) == elements.count)
            #expect(try row.decode("none", as: Int.self) == 0)
            #expect(try row.decode("second_null", as: Bool.self) == false)
        }
    }
}
