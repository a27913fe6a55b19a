import Cryptography
import Testing

@Suite("ConstantTime")
struct ConstantTimeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let left: [UInt8]
        let right: [UInt8]
        let equal: Bool
        var testDescription: String { "\(Hex.encode(left)) vs \(Hex.encode(right))" }
    }

    static let cases: [Case] = [
        Case(left: [], right: [], equal: true),
        Case(left: [1], right: [1], equal: true),
        Case(left: [1, 2, 3], right: [1, 2, 3], equal: true),
        Case(left: [1, 2, 3], right: [1, 2, 4], equal: false),
        Case(left: [0, 2, 3], right: [1, 2, 3], equal: false),
        Case(left: [1, 2, 3], right: [1, 2], equal: false),
        Case(left: [], right: [0], equal: false),
        Case(left: [UInt8](repeating: 0xff, count: 64), right: [UInt8](repeating: 0xff, count: 64), equal: true),
    ]

    @Test("equals compares content and length", arguments: cases)
    func equals(_ example: Case) {
        #expect(ConstantTime.equals(example.left, example.right) == example.equal)
        #expect(ConstantTime.equals(example.right, example.left) == example.equal)
    }

    @Test("works across sequence types")
    func mixedSequences() throws {
        let digest = try SHA256.hash(data: utf8("abc"))
        #expect(ConstantTime.equals(digest, digest.bytes))
        #expect(ConstantTime.equals("token".utf8, utf8("token")))
        #expect(ConstantTime.equals(utf8("xtokenx").dropFirst().dropLast(), utf8("token")))
        #expect(!ConstantTime.equals("token".utf8.lazy.map { $0 }, utf8("tokeN")))
    }
}
