import Cryptography
import Testing

@Suite("AES-256-GCM")
struct AESGCMTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let number: Int
        let key: String
        let nonce: String
        let plaintext: String
        let aad: String
        let ciphertext: String
        let tag: String
        var testDescription: String { "GCM spec test case \(number)" }
    }

    /// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", Appendix B,
    /// the 256-bit-key cases with 96-bit IVs.
    static let vectors: [Vector] = {
        let key = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
        let nonce = "cafebabefacedbaddecaf888"
        let plaintext =
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
            + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
        let ciphertext =
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
            + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"
        return [
            Vector(
                number: 13, key: String(repeating: "00", count: 32), nonce: String(repeating: "00", count: 12),
                plaintext: "", aad: "", ciphertext: "", tag: "530f8afbc74536b9a963b4f1c4cb738b"),
            Vector(
                number: 14, key: String(repeating: "00", count: 32), nonce: String(repeating: "00", count: 12),
                plaintext: String(repeating: "00", count: 16), aad: "",
                ciphertext: "cea7403d4d606b6e074ec5d3baf39d18", tag: "d0d1c8a799996bf0265b98b5d48ab919"),
            Vector(
                number: 15, key: key, nonce: nonce, plaintext: plaintext, aad: "",
                ciphertext: ciphertext, tag: "b094dac5d93471bdec1a502270e3cc6c"),
            Vector(
                number: 16, key: key, nonce: nonce, plaintext: String(plaintext.dropLast(8)),
                aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2", ciphertext: String(ciphertext.dropLast(8)),
                tag: "76fc6ece0f4e1768cddf8853bb2d551b"),
        ]
    }()

    @Test("explicit-nonce seal matches the GCM spec", arguments: vectors)
    func sealKnownAnswer(_ vector: Vector) throws {
        let box = try AES.GCM.seal(
            try hex(vector.plaintext), using: SymmetricKey(data: try hex(vector.key)),
            nonce: try AES.GCM.Nonce(data: try hex(vector.nonce)), aad: try hex(vector.aad))
        #expect(Hex.encode(box.ciphertext) == vector.ciphertext)
        #expect(Hex.encode(box.tag) == vector.tag)
    }

    @Test("explicit-nonce open recovers the plaintext and rejects a wrong tag or aad", arguments: vectors)
    func openKnownAnswer(_ vector: Vector) throws {
        let key = SymmetricKey(data: try hex(vector.key))
        let nonce = try AES.GCM.Nonce(data: try hex(vector.nonce))
        let box = try AES.GCM.RawSealedBox(
            nonce: nonce, ciphertext: try hex(vector.ciphertext), tag: try hex(vector.tag))
        #expect(try AES.GCM.open(box, using: key, aad: try hex(vector.aad)) == (try hex(vector.plaintext)))

        var badTag = try hex(vector.tag)
        badTag[15] ^= 0x80
        let forged = try AES.GCM.RawSealedBox(nonce: nonce, ciphertext: try hex(vector.ciphertext), tag: badTag)
        #expect(
            errorKind { _ = try AES.GCM.open(forged, using: key, aad: try hex(vector.aad)) } == .authenticationFailed)
        #expect(
            errorKind { _ = try AES.GCM.open(box, using: key, aad: try hex(vector.aad) + [0]) } == .authenticationFailed
        )
    }

    @Test("sealed box round trip records the key id and uses a fresh nonce each time")
    func roundTrip() throws {
        let key = try SymmetricKey(size: .bits256)
        let message = utf8("partner API secret")
        let aad = utf8("tenant:acme/column:api_secret")
        let first = try AES.GCM.seal(message, using: key, keyID: "2026-01", aad: aad)
        let second = try AES.GCM.seal(message, using: key, keyID: "2026-01", aad: aad)
        #expect(first.keyID == "2026-01")
        #expect(first.nonce != second.nonce)
        #expect(first.ciphertext != second.ciphertext)

        let parsed = try AES.GCM.SealedBox(combined: first.combined)
        #expect(parsed == first)
        #expect(try AES.GCM.open(parsed, using: key, aad: aad) == message)
        // Layout: version | keyIDLength | keyID | nonce | ciphertext | tag.
        let combined = first.combined
        #expect(combined.count == 1 + 1 + 7 + 12 + message.count + 16)
        #expect(combined[0] == AES.GCM.SealedBox.formatVersion)
        #expect(combined[1] == 7)
        #expect(Array(combined[2..<9]) == utf8("2026-01"))
        #expect(Array(combined[9..<21]) == first.nonce.bytes)
        #expect(Array(combined.suffix(16)) == first.tag)
    }

    @Test("empty messages and empty aad round trip")
    func emptyMessage() throws {
        let key = testKey(7)
        let box = try AES.GCM.seal([UInt8](), using: key, keyID: "k")
        #expect(box.ciphertext.isEmpty)
        #expect(try AES.GCM.open(AES.GCM.SealedBox(combined: box.combined), using: key).isEmpty)
    }

    @Test("flipping any bit of any byte of a sealed box makes it fail to open")
    func tampering() throws {
        let key = testKey(1)
        let aad = utf8("context")
        let combined = try AES.GCM.seal(utf8("attack at dawn"), using: key, keyID: "key-1", aad: aad).combined
        for index in combined.indices {
            for bit in [0, 7] {
                var tampered = combined
                tampered[index] ^= 1 << bit
                let kind = errorKind {
                    _ = try AES.GCM.open(AES.GCM.SealedBox(combined: tampered), using: key, aad: aad)
                }
                #expect(
                    [.authenticationFailed, .malformedSealedBox, .unsupportedVersion].contains(kind),
                    "byte \(index) bit \(bit) opened or failed untyped: \(String(describing: kind))")
            }
        }
    }

    @Test("relabelling a box with another key id fails even with the right key")
    func relabelledKeyID() throws {
        let key = testKey(1)
        let box = try AES.GCM.seal(utf8("secret"), using: key, keyID: "old")
        let relabelled = try AES.GCM.SealedBox(keyID: "new", nonce: box.nonce, ciphertext: box.ciphertext, tag: box.tag)
        #expect(errorKind { _ = try AES.GCM.open(relabelled, using: key) } == .authenticationFailed)
    }

    @Test("wrong key and wrong aad fail authentication")
    func wrongKeyOrAAD() throws {
        let box = try AES.GCM.seal(utf8("secret"), using: testKey(1), keyID: "k", aad: utf8("a"))
        #expect(errorKind { _ = try AES.GCM.open(box, using: testKey(2), aad: utf8("a")) } == .authenticationFailed)
        #expect(errorKind { _ = try AES.GCM.open(box, using: testKey(1), aad: utf8("b")) } == .authenticationFailed)
        #expect(errorKind { _ = try AES.GCM.open(box, using: testKey(1)) } == .authenticationFailed)
    }

    @Test("truncated or foreign bytes are rejected as malformed, not crashes")
    func malformed() throws {
        let combined = try AES.GCM.seal(utf8("x"), using: testKey(1), keyID: "k").combined
        for length in 0..<(1 + 1 + 1 + 12 + 16) {
            let kind = errorKind { _ = try AES.GCM.SealedBox(combined: combined.prefix(length)) }
            #expect(kind == .malformedSealedBox, "length \(length)")
        }
        #expect(errorKind { _ = try AES.GCM.SealedBox(combined: [2] + combined.dropFirst()) } == .unsupportedVersion)
        #expect(
            errorKind { _ = try AES.GCM.SealedBox(combined: [1, 0] + [UInt8](repeating: 0, count: 40)) }
                == .malformedSealedBox)
        #expect(
            errorKind {
                _ = try AES.GCM.SealedBox(combined: [1, 1, UInt8(ascii: " ")] + [UInt8](repeating: 0, count: 40))
            } == .malformedSealedBox)
    }

    @Test("key, nonce, tag and key id sizes are checked")
    func parameterChecks() throws {
        let nonce = try AES.GCM.Nonce()
        #expect(
            errorKind {
                _ = try AES.GCM.seal([1], using: SymmetricKey(data: [UInt8](repeating: 0, count: 16)), keyID: "k")
            } == .invalidKeySize)
        #expect(
            errorKind {
                _ = try AES.GCM.seal([1], using: SymmetricKey(data: [UInt8](repeating: 0, count: 16)), nonce: nonce)
            } == .invalidKeySize)
        #expect(errorKind { _ = try AES.GCM.Nonce(data: [UInt8](repeating: 0, count: 16)) } == .invalidNonceSize)
        #expect(
            errorKind { _ = try AES.GCM.RawSealedBox(nonce: nonce, ciphertext: [1], tag: [1, 2]) }
                == .malformedSealedBox)
        for badID in ["", "has space", "ключ", String(repeating: "k", count: 256)] {
            #expect(
                errorKind { _ = try AES.GCM.seal([1], using: testKey(1), keyID: badID) } == .invalidKeyID, "\(badID)")
        }
        #expect(throws: Never.self) {
            _ = try AES.GCM.seal([1], using: testKey(1), keyID: String(repeating: "k", count: 255))
        }
    }

    @Test("keys never print their bytes")
    func keyDescription() throws {
        let key = SymmetricKey(data: utf8("0123456789abcdef0123456789abcdef"))
        #expect(key.description == "SymmetricKey(256 bits)")
        #expect(!String(reflecting: key).contains("0123"))
        #expect(key == SymmetricKey(data: utf8("0123456789abcdef0123456789abcdef")))
        #expect(key != testKey(1))
        #expect(try SymmetricKey(size: .bits256) != SymmetricKey(size: .bits256))
        #expect(errorKind { _ = try SymmetricKey(size: SymmetricKeySize(bitCount: 12)) } == .invalidArgument)
    }
}
