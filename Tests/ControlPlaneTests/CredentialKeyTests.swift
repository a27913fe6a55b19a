@testable import ControlPlane
import Foundation
import Testing

/// Fixed inputs shared by the credential, rate-limit and webhook-secret tests.
enum CredentialFixtures {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let sampleKey = APIKey(
        environment: .live, identifier: "4fJ0aQz9KxVb", secret: "Xq3mT8pLw2Rz7NcYbV5hK1dGfJ6sA9eU")
    static let sampleText = sampleKey.reveal()

    static func output(of value: some Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return ["\(value)", String(describing: value), String(reflecting: value), dumped]
    }
}

@Suite("Credential: CRC-32 and API key format")
struct CredentialKeyTests {
    @Test(
        "CRC-32 matches the standard check value and known vectors",
        arguments: [
            ("123456789", UInt32(0xCBF4_3926)),
            ("", 0),
            ("a", 0xE8B7_BE43),
            ("The quick brown fox jumps over the lazy dog", 0x414F_A339),
        ])
    func crc32(input: String, expected: UInt32) {
        #expect(CRC32.checksum(input.utf8) == expected)
    }

    @Test("Base62 round-trips checksum values at fixed width, and refuses values above UInt32")
    func base62() {
        for value in [UInt32(0), 1, 61, 62, 0xCBF4_3926, UInt32.max] {
            let text = Base62.encode(value, width: 6)
            #expect(text.count == 6)
            #expect(Base62.decode(Array(text.utf8)) == value)
        }
        #expect(Base62.encode(0, width: 6) == "000000")
        #expect(Base62.decode(Array("zzzzzz".utf8)) == nil)  // 62^6 - 1 > UInt32.max
        #expect(Base62.decode(Array("00000-".utf8)) == nil)
    }

    @Test("generated keys have the documented shape, the environment, and at least 160 bits of secret")
    func generatedShape() throws {
        for environment in APIKey.Environment.allCases {
            let issued = try IssuedAPIKey.generate(environment: environment)
            let text = issued.reveal()
            #expect(text.count == APIKey.length)
            #expect(text.hasPrefix("cs_\(environment.rawValue)_"))
            #expect(issued.prefix == String(text.prefix(8 + APIKey.identifierLength)))
            #expect(issued.environment == environment)
            #expect(issued.hash.count == 32)
            #expect(try APIKey(parsing: text) == issued.key)
            #expect(APIKey.environment(ofPrefix: issued.prefix) == environment)
        }
        #expect(Double(APIKey.secretLength) * log2(62) >= 160)
    }

    @Test("keys are unique and their characters spread over the whole alphabet")
    func randomness() throws {
        var seen: Set<String> = []
        var characters: Set<Character> = []
        for _ in 0..<200 {
            let text = try IssuedAPIKey.generate(environment: .test).reveal()
            seen.insert(text)
            characters.formUnion(text.dropFirst(8))
        }
        #expect(seen.count == 200)
        #expect(characters.count == 63)  // 62 digits and the separator
    }

    @Test("the sample key parses into its parts")
    func parsesSample() throws {
        let key = try APIKey(parsing: CredentialFixtures.sampleText)
        #expect(key.environment == .live)
        #expect(key.identifier == "4fJ0aQz9KxVb")
        #expect(key.prefix == "cs_live_4fJ0aQz9KxVb")
        #expect(CredentialFixtures.sampleText.hasPrefix("cs_live_4fJ0aQz9KxVb_Xq3mT8pLw2Rz7NcYbV5hK1dGfJ6sA9eU"))
    }

    @Test("every single-character substitution anywhere in the key is rejected")
    func everySubstitutionIsDetected() {
        let original = Array(CredentialFixtures.sampleText.utf8)
        let replacements = Base62.digits + Array("_-.+/ ".utf8) + [0x00, 0xC3]
        var attempts = 0
        for position in original.indices {
            for replacement in replacements where replacement != original[position] {
                var mutated = original
                mutated[position] = replacement
                let text = String(decoding: mutated, as: UTF8.self)
                attempts += 1
                #expect(throws: CredentialError.self, "position \(position) ← \(replacement)") {
                    try APIKey(parsing: text)
                }
            }
        }
        #expect(attempts > 59 * 62)
    }

    @Test("every transposition of adjacent differing characters is rejected")
    func everyTranspositionIsDetected() {
        let original = Array(CredentialFixtures.sampleText.utf8)
        for position in original.indices.dropLast() where original[position] != original[position + 1] {
            var mutated = original
            mutated.swapAt(position, position + 1)
            #expect(throws: CredentialError.self) { try APIKey(parsing: String(decoding: mutated, as: UTF8.self)) }
        }
    }

    @Test(
        "malformed keys are invalid_api_key with a reason that never repeats the key",
        arguments: [
            ("", "starts with"),
            ("Bearer x", "starts with"),
            ("cs_", "characters long"),
            ("cs_prod_4fJ0aQz9KxVb_Xq3mT8pLw2Rz7NcYbV5hK1dGfJ6sA9eU000000", "starts with"),
            ("cs_live-4fJ0aQz9KxVb_Xq3mT8pLw2Rz7NcYbV5hK1dGfJ6sA9eU000000", "starts with"),
            ("cs_live_4fJ0aQz9KxVb-Xq3mT8pLw2Rz7NcYbV5hK1dGfJ6sA9eU000000", "letters and digits"),
            ("cs_live_4fJ0aQz9KxVb_Xq3mT8pLw2Rz7NcYbV5hK1dGfJ6sA9eU00000", "characters long"),
            ("cs_live_4fJ0aQz9KxVb_Xq3mT8pLw2Rz7NcYbV5hK1dGfJ6sA9eU0000000", "characters long"),
            ("cs_live_4fJ0aQz9KxVb_Xq3mT8pLw2Rz7NcYbV5hK1dGfJ6sA9eU000000", "checksum"),
            ("cs_live_4fJ0aQz9KxVb_Xq3mT8pLw2Rz7NcYbV5hK1dGfJ6sA9eUzzzzzz", "checksum"),
        ])
    func malformed(text: String, reason: String) throws {
        let error = try #require(throws: CredentialError.self) { try APIKey(parsing: text) }
        #expect(error.code == "invalid_api_key")
        #expect(error.httpStatus == 401)
        #expect(error.message.contains(reason))
        #expect(error.site.file.hasSuffix("APIKey.swift"))
        #expect(!error.message.contains("4fJ0"))
        #expect(!error.message.contains("Xq3m"))
    }

    @Test("a key with surrounding whitespace or in another case is rejected, not repaired")
    func noNormalisation() {
        let text = CredentialFixtures.sampleText
        for variant in [" " + text, text + "\n", text.uppercased(), text.lowercased()] {
            #expect(throws: CredentialError.self) { try APIKey(parsing: variant) }
        }
    }

    @Test("the hash is SHA-256 of the whole key and matching is exact")
    func hashing() throws {
        let key = CredentialFixtures.sampleKey
        let hash = try key.hash()
        #expect(hash.count == 32)
        #expect(try key.matches(storedHash: hash))
        var other = hash
        other[31] ^= 1
        #expect(try !key.matches(storedHash: other))
        #expect(try !key.matches(storedHash: []))
        #expect(try !key.matches(storedHash: Array(hash.dropLast())))
        let second = try IssuedAPIKey.generate(environment: .live)
        #expect(second.hash != hash)
    }

    @Test("scanning text finds leaked keys by format and checksum, and skips look-alikes")
    func scanning() throws {
        let leaked = try IssuedAPIKey.generate(environment: .test)
        var typo = Array(CredentialFixtures.sampleText)
        typo[30] = typo[30] == "a" ? "b" : "a"
        let text = """
            config: token=\(CredentialFixtures.sampleText) and
            "\(leaked.reveal())", typo \(String(typo)), truncated \(CredentialFixtures.sampleText.dropLast())
            """
        let found = APIKey.scan(text)
        #expect(found.map(\.prefix) == [CredentialFixtures.sampleKey.prefix, leaked.prefix])
        #expect(APIKey.scan("nothing here cs_live_").isEmpty)
    }

    @Test("neither a presented nor an issued key shows its secret in interpolation, description or dump")
    func redaction() throws {
        let issued = try IssuedAPIKey.generate(environment: .live)
        let secret = String(issued.reveal().dropFirst(issued.prefix.count + 1))
        for output in CredentialFixtures.output(of: issued) + CredentialFixtures.output(of: issued.key) {
            #expect(!output.contains(secret))
            #expect(!output.contains(issued.reveal()))
            #expect(output.contains(issued.prefix))
        }
        let stored = StoredCredential(id: UUID(), issued: issued, scopes: [.runsRead])
        for output in CredentialFixtures.output(of: stored) {
            #expect(!output.contains(secret))
        }
        let hashInDump = issued.hash.prefix(4).map { "- \($0)\n" }.joined()
        for output in CredentialFixtures.output(of: stored) {
            #expect(!output.replacingOccurrences(of: " ", with: "").contains(hashInDump))
        }
    }
}
