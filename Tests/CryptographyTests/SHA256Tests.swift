import Cryptography
import Testing

@Suite("SHA-256")
struct SHA256Tests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let message: [UInt8]
        let digest: String
        var testDescription: String { name }
    }

    /// FIPS 180-2, Appendix B, plus the empty message.
    static let vectors: [Vector] = [
        Vector(
            name: "abc", message: utf8("abc"),
            digest: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        Vector(
            name: "empty", message: [],
            digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        Vector(
            name: "448-bit message",
            message: utf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            digest: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        Vector(
            name: "896-bit message",
            message: utf8(
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
            ),
            digest: "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        Vector(
            name: "one million 'a'", message: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000),
            digest: "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ]

    @Test("one-shot hash matches FIPS 180-2", arguments: vectors)
    func oneShot(_ vector: Vector) throws {
        let digest = try SHA256.hash(data: vector.message)
        #expect(digest.hexString == vector.digest)
        #expect(digest.bytes == (try hex(vector.digest)))
        #expect(Array(digest) == digest.bytes)
    }

    @Test("incremental hash in uneven pieces matches one-shot", arguments: vectors)
    func incremental(_ vector: Vector) throws {
        var hasher = try SHA256()
        var rest = vector.message[...]
        var pieceLength = 1
        while !rest.isEmpty {
            try hasher.update(data: rest.prefix(pieceLength))
            rest = rest.dropFirst(pieceLength)
            pieceLength = pieceLength * 3 + 1
        }
        #expect(try hasher.finalize().hexString == vector.digest)
    }

    @Test("finalize leaves the hasher usable, and copies are independent")
    func valueSemantics() throws {
        var hasher = try SHA256()
        try hasher.update(data: utf8("a"))
        let copy = hasher
        #expect(try hasher.finalize() == hasher.finalize())
        try hasher.update(data: utf8("bc"))
        #expect(try hasher.finalize().hexString == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try copy.finalize() == SHA256.hash(data: utf8("a")))
    }

    @Test("non-contiguous sequences and strings hash like arrays")
    func otherSequences() throws {
        let expected = try SHA256.hash(data: utf8("abc"))
        #expect(try SHA256.hash(data: "abc".utf8) == expected)
        #expect(
            try SHA256.hash(data: [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "c")].lazy.map { $0 }) == expected
        )
    }

    @Test("digest description and equality")
    func digestValue() throws {
        let digest = try SHA256.hash(data: utf8("abc"))
        #expect(digest.description == "SHA256 digest: \(digest.hexString)")
        #expect(digest != (try SHA256.hash(data: utf8("abd"))))
        #expect(SHA256.byteCount == 32 && SHA256Digest.byteCount == 32)
        #expect(Set([digest, digest]).count == 1)
    }
}
