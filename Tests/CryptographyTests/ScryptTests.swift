import Cryptography
import Testing

@Suite("scrypt")
struct ScryptTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let password: String
        let salt: String
        let rounds: Int
        let blockSize: Int
        let parallelism: Int
        let derived: String
        var testDescription: String {
            "RFC 7914 (\"\(password)\", \"\(salt)\", N=\(rounds), r=\(blockSize), p=\(parallelism))"
        }
    }

    /// RFC 7914 §12, dkLen = 64. The fourth vector (N = 2²⁰, 1 GiB) is left out
    /// for time and memory.
    static let vectors: [Vector] = [
        Vector(
            password: "", salt: "", rounds: 16, blockSize: 1, parallelism: 1,
            derived: "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
                + "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"),
        Vector(
            password: "password", salt: "NaCl", rounds: 1024, blockSize: 8, parallelism: 16,
            derived: "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
                + "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"),
        Vector(
            password: "pleaseletmein", salt: "SodiumChloride", rounds: 16384, blockSize: 8, parallelism: 1,
            derived: "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
                + "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"),
    ]

    @Test("matches RFC 7914", arguments: vectors)
    func rfc7914(_ vector: Vector) throws {
        let key = try KDF.Scrypt.deriveKey(
            from: utf8(vector.password), salt: utf8(vector.salt), outputByteCount: 64, rounds: vector.rounds,
            blockSize: vector.blockSize, parallelism: vector.parallelism)
        #expect(key.withUnsafeBytes { Hex.encode($0) } == vector.derived)
    }

    @Test("OWASP parameters need more than OpenSSL's 32 MiB default and still work")
    func owaspParameters() throws {
        let required = try #require(KDF.Scrypt.requiredMemory(rounds: 1 << 17, blockSize: 8, parallelism: 1))
        #expect(required > 32 << 20)
        #expect(required == 128 * 8 * ((1 << 17) + 2 + 1))
        let key = try KDF.Scrypt.deriveKey(
            from: utf8("correct horse"), salt: utf8("battery staple"), outputByteCount: 32, rounds: 1 << 17,
            blockSize: 8, parallelism: 1)
        #expect(key.bitCount == 256)
    }

    @Test("invalid parameters are refused before OpenSSL is called")
    func invalidParameters() {
        func derive(rounds: Int = 16, blockSize: Int = 1, parallelism: Int = 1, output: Int = 16, maxMemory: Int? = nil)
            -> CryptographyError.Kind?
        {
            errorKind {
                _ = try KDF.Scrypt.deriveKey(
                    from: utf8("p"), salt: utf8("s"), outputByteCount: output, rounds: rounds, blockSize: blockSize,
                    parallelism: parallelism, maxMemory: maxMemory)
            }
        }
        #expect(derive(rounds: 0) == .invalidArgument)
        #expect(derive(rounds: 1) == .invalidArgument)
        #expect(derive(rounds: 1000) == .invalidArgument)
        #expect(derive(blockSize: 0) == .invalidArgument)
        #expect(derive(parallelism: 0) == .invalidArgument)
        #expect(derive(blockSize: 1 << 15, parallelism: 1 << 15) == .invalidArgument)
        #expect(derive(rounds: 1 << 16, blockSize: 1) == .invalidArgument)
        #expect(derive(output: 0) == .invalidArgument)
        #expect(derive(output: Int.max) == .invalidArgument)
        #expect(derive(rounds: 1 << 10, blockSize: 8, maxMemory: 1 << 20) == .invalidArgument)
        #expect(derive(rounds: 1 << 62, blockSize: 1 << 10) == .invalidArgument)
    }
}
