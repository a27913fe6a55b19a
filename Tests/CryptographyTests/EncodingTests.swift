import Cryptography
import Testing

@Suite("Base64 and hex")
struct EncodingTests {
    /// RFC 4648 §10.
    static let rfc4648Vectors: [(String, String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ]

    @Test("RFC 4648 test vectors, padded and unpadded", arguments: rfc4648Vectors)
    func rfc4648(_ plain: String, _ encoded: String) throws {
        #expect(Base64.encode(utf8(plain)) == encoded)
        let unpadded = String(encoded.prefix { $0 != "=" })
        #expect(Base64.encode(utf8(plain), padding: false) == unpadded)
        #expect(try Base64.decode(encoded) == utf8(plain))
        #expect(try Base64.decode(unpadded) == utf8(plain))
    }

    @Test("the URL-safe alphabet uses - and _")
    func urlSafe() throws {
        let bytes: [UInt8] = [0xfb, 0xff, 0xbf]
        #expect(Base64.encode(bytes) == "+/+/")
        #expect(Base64.encode(bytes, alphabet: .urlSafe) == "-_-_")
        #expect(try Base64.decode("-_-_", alphabet: .urlSafe) == bytes)
        #expect(errorKind { _ = try Base64.decode("-_-_") } == .invalidEncoding)
        #expect(errorKind { _ = try Base64.decode("+/+/", alphabet: .urlSafe) } == .invalidEncoding)
    }

    @Test("every byte value round trips in both alphabets")
    func allBytes() throws {
        let bytes = (0...255).map { UInt8($0) }
        for alphabet in [Base64.Alphabet.standard, .urlSafe] {
            for padding in [true, false] {
                for length in [253, 254, 255, 256] {
                    let sample = Array(bytes.prefix(length))
                    #expect(
                        try Base64.decode(
                            Base64.encode(sample, alphabet: alphabet, padding: padding), alphabet: alphabet) == sample)
                }
            }
        }
    }

    @Test(
        "strict decoding rejects non-canonical or foreign text",
        arguments: [
            "Zg", "Z", "Zg=", "Zg===", "Zh==", "Zm9=", "Zm 9v", "Zm9v\n", "=Zm9v", "Zm=9v", "Zm9v====", "Zm9vé", "====",
        ])
    func strict(_ text: String) {
        // "Zg" alone is valid unpadded Base64 for "f".
        if text == "Zg" {
            #expect(errorKind { _ = try Base64.decode(text) } == nil)
        } else {
            #expect(errorKind { _ = try Base64.decode(text) } == .invalidEncoding, "\(text)")
        }
    }

    @Test("a webhook secret in whsec_<base64> form decodes")
    func webhookSecret() throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let key = try Base64.decode(secret.dropFirst("whsec_".count))
        #expect(key.count == 24)
        #expect(Base64.encode(key) == "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    }

    @Test("hex round trip, either case in, lowercase out")
    func hexRoundTrip() throws {
        #expect(Hex.encode([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        #expect(try Hex.decode("000FA5ff") == [0x00, 0x0f, 0xa5, 0xff])
        #expect(try Hex.decode("").isEmpty)
        #expect(errorKind { _ = try Hex.decode("abc") } == .invalidEncoding)
        #expect(errorKind { _ = try Hex.decode("zz") } == .invalidEncoding)
        #expect(errorKind { _ = try Hex.decode("0x00") } == .invalidEncoding)
    }
}
