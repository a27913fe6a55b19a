import Cryptography
import Testing

@Suite("SecureRandom")
struct SecureRandomTests {
    @Test("bytes have the requested length and differ between calls", arguments: [0, 1, 12, 32, 1000])
    func bytes(_ count: Int) throws {
        let first = try SecureRandom.bytes(count: count)
        let second = try SecureRandom.bytes(count: count)
        #expect(first.count == count)
        if count >= 12 { #expect(first != second) }
    }

    @Test(
        "URL-safe tokens: unpadded, URL-safe alphabet, right length, unique",
        arguments: [(16, 22), (32, 43), (48, 64)])
    func tokens(_ byteCount: Int, _ length: Int) throws {
        let tokens = try (0..<100).map { _ in try SecureRandom.token(bytes: byteCount) }
        #expect(Set(tokens).count == tokens.count)
        for token in tokens {
            #expect(token.count == length)
            #expect(
                token.utf8.allSatisfy { byte in
                    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                        || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                        || byte == UInt8(ascii: "_")
                })
            #expect(try Base64.decode(token, alphabet: .urlSafe).count == byteCount)
        }
    }

    @Test("hex tokens: lowercase hex, two characters per byte, unique")
    func hexTokens() throws {
        let first = try SecureRandom.hexToken()
        let second = try SecureRandom.hexToken(bytes: 16)
        #expect(first.count == 64)
        #expect(second.count == 32)
        #expect(first.utf8.allSatisfy { Array("0123456789abcdef".utf8).contains($0) })
        #expect(try SecureRandom.hexToken() != first)
    }

    @Test("too-short tokens and negative counts are refused")
    func limits() {
        #expect(errorKind { _ = try SecureRandom.token(bytes: 15) } == .invalidArgument)
        #expect(errorKind { _ = try SecureRandom.hexToken(bytes: 0) } == .invalidArgument)
        #expect(errorKind { _ = try SecureRandom.bytes(count: -1) } == .invalidArgument)
    }
}
