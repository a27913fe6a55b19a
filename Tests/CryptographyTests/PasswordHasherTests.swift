import Cryptography
import Testing

@Suite("PasswordHasher")
struct PasswordHasherTests {
    /// Cheap parameters so the suite stays fast; production uses the defaults.
    static let cheap = PasswordHasher(configuration: .init(logN: 10, blockSize: 8, parallelism: 1))

    @Test("the default configuration is OWASP's scrypt recommendation")
    func defaults() {
        let configuration = PasswordHasher.Configuration()
        #expect(configuration.logN == 17)
        #expect(configuration.blockSize == 8)
        #expect(configuration.parallelism == 1)
    }

    @Test("hash then verify; the string records its parameters and salts differ")
    func roundTrip() throws {
        let hasher = Self.cheap
        let encoded = try hasher.hash("correct horse battery staple")
        #expect(encoded.hasPrefix("$scrypt$ln=10,r=8,p=1$"))
        let fields = encoded.split(separator: "$")
        #expect(fields.count == 4)
        #expect(try Base64.decode(fields[2]).count == 16)
        #expect(try Base64.decode(fields[3]).count == 32)
        #expect(!fields[2].contains("=") && !fields[3].contains("="))
        #expect(try hasher.verify("correct horse battery staple", against: encoded))
        #expect(try hasher.hash("correct horse battery staple") != encoded)
    }

    @Test(
        "a wrong password does not verify",
        arguments: ["", "correct horse battery stapl", "Correct horse battery staple", "correct horse battery staple "])
    func wrongPassword(_ password: String) throws {
        let encoded = try Self.cheap.hash("correct horse battery staple")
        #expect(try !Self.cheap.verify(password, against: encoded))
    }

    @Test("the default (OWASP) parameters round trip")
    func defaultParameters() throws {
        let hasher = PasswordHasher()
        let encoded = try hasher.hash("pässwörd 🔑")
        #expect(encoded.hasPrefix("$scrypt$ln=17,r=8,p=1$"))
        #expect(try hasher.verify("pässwörd 🔑", against: encoded))
        #expect(!hasher.needsRehash(encoded))
    }

    @Test("verification uses the parameters in the string, not the configuration")
    func parametersFromString() throws {
        let weak = try PasswordHasher(configuration: .init(logN: 4, blockSize: 1)).hash("pw")
        #expect(try Self.cheap.verify("pw", against: weak))
        #expect(Self.cheap.needsRehash(weak))
    }

    @Test("needsRehash is true exactly when parameters or lengths differ")
    func needsRehash() throws {
        let encoded = try Self.cheap.hash("pw")
        #expect(!Self.cheap.needsRehash(encoded))
        let variants: [PasswordHasher.Configuration] = [
            .init(logN: 11, blockSize: 8), .init(logN: 10, blockSize: 4), .init(logN: 10, blockSize: 8, parallelism: 2),
            .init(logN: 10, blockSize: 8, saltByteCount: 32), .init(logN: 10, blockSize: 8, hashByteCount: 64),
        ]
        for configuration in variants {
            #expect(PasswordHasher(configuration: configuration).needsRehash(encoded))
        }
        #expect(Self.cheap.needsRehash("not a hash"))
    }

    /// A known-answer check of the format against an independent implementation:
    /// Python's `hashlib.scrypt(b"password", salt=b"salt", n=16, r=8, p=1, dklen=32)`,
    /// Base64 without padding. The hash contains `+` and `/`, so this also pins
    /// the standard alphabet.
    @Test("verifies a hash string produced elsewhere")
    func knownEncoding() throws {
        let encoded = "$scrypt$ln=4,r=8,p=1$c2FsdA$+HYXj5SDfYch7J15Sl5iMoPpJ0qEbcC/2kIzoB17pos"
        #expect(try Self.cheap.verify("password", against: encoded))
        #expect(try !Self.cheap.verify("passwore", against: encoded))
    }

    struct Malformed: Sendable, CustomTestStringConvertible {
        let encoded: String
        let kind: CryptographyError.Kind
        var testDescription: String { encoded.isEmpty ? "(empty)" : encoded }
    }

    static let salt = "c2FsdHNhbHRzYWx0c2FsdA"  // 16 bytes
    static let hash = "ZGVyaXZlZGRlcml2ZWRkZXJpdmVkZGVyaXZlZA"  // 28 bytes

    static let malformed: [Malformed] = [
        Malformed(encoded: "", kind: .malformedPasswordHash),
        Malformed(encoded: "plaintext-password", kind: .malformedPasswordHash),
        Malformed(encoded: "$2b$12$abcdefghijklmnopqrstuu", kind: .malformedPasswordHash),
        Malformed(encoded: "$scrypt$ln=10,r=8,p=1$\(salt)", kind: .malformedPasswordHash),
        Malformed(encoded: "$scrypt$ln=10,r=8,p=1$\(salt)$\(hash)$extra", kind: .malformedPasswordHash),
        Malformed(encoded: "scrypt$ln=10,r=8,p=1$\(salt)$\(hash)", kind: .malformedPasswordHash),
        Malformed(encoded: "$scrypt$r=8,ln=10,p=1$\(salt)$\(hash)", kind: .malformedPasswordHash),
        Malformed(encoded: "$scrypt$ln=10,r=8$\(salt)$\(hash)", kind: .malformedPasswordHash),
        Malformed(encoded: "$scrypt$ln=010,r=8,p=1$\(salt)$\(hash)", kind: .malformedPasswordHash),
        Malformed(encoded: "$scrypt$ln=-1,r=8,p=1$\(salt)$\(hash)", kind: .malformedPasswordHash),
        Malformed(encoded: "$scrypt$ln=99999999999999999999,r=8,p=1$\(salt)$\(hash)", kind: .malformedPasswordHash),
        Malformed(encoded: "$scrypt$ln=0,r=8,p=1$\(salt)$\(hash)", kind: .malformedPasswordHash),
        Malformed(encoded: "$scrypt$ln=1 0,r=8,p=1$\(salt)$\(hash)", kind: .malformedPasswordHash),
        Malformed(encoded: "$scrypt$ln=10,r=8,p=1$not base64!$\(hash)", kind: .malformedPasswordHash),
        Malformed(encoded: "$scrypt$ln=10,r=8,p=1$\(salt)$\(hash)*", kind: .malformedPasswordHash),
        Malformed(
            encoded: "$scrypt$ln=10,r=8,p=1$\(salt)$" + String(repeating: "A", count: 600), kind: .malformedPasswordHash
        ),
        // Well-formed but asking for absurd resources: refused before any work.
        Malformed(encoded: "$scrypt$ln=63,r=8,p=1$\(salt)$\(hash)", kind: .passwordHashParametersOutOfRange),
        Malformed(encoded: "$scrypt$ln=30,r=8,p=1$\(salt)$\(hash)", kind: .passwordHashParametersOutOfRange),
        Malformed(encoded: "$scrypt$ln=17,r=8,p=999$\(salt)$\(hash)", kind: .passwordHashParametersOutOfRange),
        Malformed(encoded: "$scrypt$ln=10,r=999999999,p=1$\(salt)$\(hash)", kind: .passwordHashParametersOutOfRange),
        Malformed(encoded: "$scrypt$ln=20,r=1,p=1$\(salt)$\(hash)", kind: .passwordHashParametersOutOfRange),
        Malformed(encoded: "$scrypt$ln=10,r=8,p=1$$\(hash)", kind: .passwordHashParametersOutOfRange),
        Malformed(encoded: "$scrypt$ln=10,r=8,p=1$\(salt)$AAAA", kind: .passwordHashParametersOutOfRange),
    ]

    @Test("malformed or hostile stored strings throw typed errors", arguments: malformed)
    func malformedStrings(_ example: Malformed) {
        #expect(errorKind { _ = try Self.cheap.verify("pw", against: example.encoded) } == example.kind)
        #expect(Self.cheap.needsRehash(example.encoded))
    }

    @Test("a configuration outside its own limits is refused when hashing")
    func configurationOutsideLimits() {
        let greedy = PasswordHasher(configuration: .init(logN: 20, blockSize: 8))
        #expect(errorKind { _ = try greedy.hash("pw") } == .passwordHashParametersOutOfRange)
        let tinyHash = PasswordHasher(configuration: .init(logN: 10, hashByteCount: 8))
        #expect(errorKind { _ = try tinyHash.hash("pw") } == .passwordHashParametersOutOfRange)
    }
}
