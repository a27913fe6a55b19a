import Foundation
import Testing

@testable import Events

/// `serialized()` writes bytes, not characters; these tests hold it to the
/// output of the character-by-character writer it replaced, byte for byte,
/// because stored events are hashed in that form.
@Suite("JSON serialization")
struct SerializationTests {
    /// The previous writer, kept here as the reference: it appended one Unicode scalar at a time to a String.
    static func reference(_ value: JSONValue) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    private static func write(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .number(let text): out += text
        case .string(let text): writeString(text, to: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                write(item, to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                writeString(key, to: &out)
                out += ":"
                if let member = members[key] { write(member, to: &out) }
            }
            out += "}"
        }
    }

    private static func writeString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    @Test func catalogSchemasAndExampleEventsSerializeAsBefore() throws {
        var documents: [JSONValue] = []
        for type in CatalogFixtures.eventTypes {
            documents.append(try CatalogFixtures.schemaDocument(type))
            documents.append(try CatalogFixtures.validExample(type))
        }
        for type in CatalogFixtures.sharedExamples {
            documents.append(try JSONParser().parse(CatalogFixtures.sharedExample(type)))
        }
        for document in documents {
            #expect(Array(document.serialized().utf8) == Array(Self.reference(document).utf8))
        }
    }

    @Test func everyASCIICharacterAndAMixOfScalarsSerializeAsBefore() {
        var texts = (0..<0x80).map { String(UnicodeScalar(UInt8($0))) }
        texts.append(String(String.UnicodeScalarView((0..<0x80).map { UnicodeScalar(UInt8($0)) })))
        // A deterministic mix of ASCII, controls, two-, three- and four-byte scalars, and combining marks.
        let pool: [Unicode.Scalar] = ["a", "\"", "\\", "\n", "\u{1}", "\u{1F}", "\u{7F}", "\u{80}", "é", "\u{301}",
            "\u{2028}", "€", "\u{FEFF}", "\u{FFFD}", "😀", "\u{10FFFF}", " ", "/"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for length in 0..<200 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<length {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                scalars.append(pool[Int(state >> 33) % pool.count])
            }
            texts.append(String(scalars))
        }
        for text in texts {
            let value = JSONValue.object([text: .array([.string(text), .number("1.50")])])
            #expect(Array(value.serialized().utf8) == Array(Self.reference(value).utf8), "\(text.debugDescription)")
        }
    }

    /// The word-at-a-time scan finds exactly the first byte a naive loop would, whatever
    /// surrounds it (borrows between neighbouring bytes are where such tricks go wrong).
    @Test func theWordScanStopsWhereAByteLoopWould() {
        let neighbours: [UInt8] = [0x00, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x61, 0x7F, 0x80, 0xA2, 0xDC, 0xFF]
        var state: UInt64 = 7
        for value in 0...255 {
            for position in 0..<20 {
                var bytes = [UInt8](repeating: 0, count: 20)
                for index in bytes.indices {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    let candidate = neighbours[Int(state >> 33) % neighbours.count]
                    // Before `position`, only bytes that need no escaping.
                    bytes[index] = index < position && (candidate < 0x20 || candidate == 0x22 || candidate == 0x5C)
                        ? 0x61 : candidate
                }
                bytes[position] = UInt8(value)
                let naive = bytes.firstIndex { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C } ?? bytes.count
                for start in [0, 1, 3] where start <= naive {
                    var bits: UInt64 = 0
                    let found = bytes.withUnsafeBufferPointer {
                        JSONStringScan.plainRunEnd(in: $0, from: start, bitsSeen: &bits)
                    }
                    #expect(found == naive, "\(bytes) from \(start)")
                    let high = bytes[start..<naive].contains { $0 >= 0x80 }
                    #expect((bits & JSONStringScan.highBits != 0) == high)
                }
            }
        }
    }
}
