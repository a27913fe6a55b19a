@testable import ControlPlane
import Cryptography
import Foundation
import Testing

@Suite("Webhook secrets")
struct WebhookSecretTests {
    static let tenant = UUID(uuidString: "11111111-2222-3333-4444-555555555555") ?? UUID()
    static let otherTenant = UUID(uuidString: "11111111-2222-3333-4444-555555555556") ?? UUID()
    static let now = CredentialFixtures.now

    static func ring(_ seed: UInt8 = 1) throws -> KeyRing {
        let key = SymmetricKey(data: [UInt8](repeating: seed, count: 32))
        return try KeyRing(currentKey: key, id: try MasterKey.keyID(for: key))
    }

    static func secret(_ byte: UInt8, count: Int = 32) throws -> WebhookSecret {
        try WebhookSecret(bytes: [UInt8](repeating: byte, count: count))
    }

    @Test("generated secrets are whsec_ + padded standard Base64 of 32 random bytes")
    func generate() throws {
        var seen: Set<String> = []
        for _ in 0..<50 {
            let secret = try WebhookSecret.generate()
            let text = secret.reveal()
            #expect(text.hasPrefix("whsec_"))
            #expect(text.count == 6 + 44)
            #expect(try Base64.decode(text.dropFirst(6)).count == 32)
            #expect(secret.byteCount == 32)
            #expect(try WebhookSecret(parsing: text) == secret)
            seen.insert(text)
        }
        #expect(seen.count == 50)
    }

    @Test(
        "valid secrets parse, with or without padding, from 24 to 64 bytes",
        arguments: [24, 25, 26, 32, 48, 63, 64])
    func parses(count: Int) throws {
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
        for padded in [true, false] {
            let text = "whsec_" + Base64.encode(bytes, alphabet: .standard, padding: padded)
            let secret = try WebhookSecret(parsing: text)
            #expect(secret == (try WebhookSecret(bytes: bytes)))
            #expect(secret.byteCount == count)
        }
    }

    @Test("the Standard Webhooks example secret parses")
    func specExample() throws {
        #expect(try WebhookSecret(parsing: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").byteCount == 24)
    }

    @Test(
        "malformed secrets are refused with a reason and without echoing the secret",
        arguments: [
            ("", WebhookSecretError.Kind.missingPrefix),
            ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", .missingPrefix),
            ("WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", .missingPrefix),
            ("whsec-MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", .missingPrefix),
            ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La LaSw", .invalidEncoding),
            ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", .invalidEncoding),
            ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-w", .invalidEncoding),  // URL-safe alphabet
            ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", .invalidEncoding),  // impossible length
            ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw=", .invalidEncoding),  // needless padding
            ("whsec_", .invalidLength),
            ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLQ==", .invalidLength),  // 22 bytes
            ("whsec_" + Base64.encode([UInt8](repeating: 9, count: 23)), .invalidLength),
            ("whsec_" + Base64.encode([UInt8](repeating: 9, count: 65)), .invalidLength),
        ])
    func rejects(text: String, kind: WebhookSecretError.Kind) throws {
        let error = try #require(throws: WebhookSecretError.self) { try WebhookSecret(parsing: text) }
        #expect(error.kind == kind)
        #expect(error.code == "invalid_webhook_secret")
        #expect(error.httpStatus == 422)
        #expect(error.field == "secret")
        let body = String(text.dropFirst(6))
        if body.count > 4 {
            #expect(!error.message.contains(body))
            #expect(!String(reflecting: error).contains(body))
        }
    }

    @Test("a sealed secret opens for the same tenant and source, under any current key id")
    func roundTrip() throws {
        let ring = try Self.ring()
        let secret = try WebhookSecret.generate()
        let sealed = try secret.seal(with: ring, tenantID: Self.tenant, source: "erp-sap")
        #expect(
            try WebhookSecret.open(sealed: sealed, keyRing: ring, tenantID: Self.tenant, source: "erp-sap") == secret)
        // Fresh nonce each time: sealing twice never gives the same bytes.
        #expect(try secret.seal(with: ring, tenantID: Self.tenant, source: "erp-sap") != sealed)
        // The plaintext is not in the sealed bytes.
        let plain = try Base64.decode(secret.reveal().dropFirst(6))
        #expect(!sealed.indices.dropLast(plain.count - 1).contains { Array(sealed[$0..<($0 + plain.count)]) == plain })
    }

    @Test(
        "a sealed secret copied to another row, or opened with another key, fails",
        arguments: [
            (
                "other tenant", otherTenant, "erp-sap", UInt8(1), WebhookSecretError.Kind.unreadable,
                "authentication_failed"
            ),
            ("other source", tenant, "erp_sap", 1, .unreadable, "authentication_failed"),
            ("source prefix", tenant, "erp", 1, .unreadable, "authentication_failed"),
            ("other master key", tenant, "erp-sap", 2, .unreadable, "unknown_key_id"),
            ("malformed source", tenant, "ERP", 1, .invalidSource, nil),
        ] as [(String, UUID, String, UInt8, WebhookSecretError.Kind, String?)])
    func wrongRow(
        name: String, tenantID: UUID, source: String, ringSeed: UInt8, kind: WebhookSecretError.Kind,
        underlying: String?
    ) throws {
        let sealed = try Self.secret(7).seal(with: Self.ring(), tenantID: Self.tenant, source: "erp-sap")
        let error = try #require(throws: WebhookSecretError.self) {
            try WebhookSecret.open(sealed: sealed, keyRing: Self.ring(ringSeed), tenantID: tenantID, source: source)
        }
        #expect(error.kind == kind)
        #expect(error.underlyingCode == underlying)
    }

    @Test("the same key under another id cannot open a box (the id is authenticated)")
    func keyIDIsBound() throws {
        let key = SymmetricKey(data: [UInt8](repeating: 1, count: 32))
        let sealed = try Self.secret(7).seal(with: Self.ring(), tenantID: Self.tenant, source: "a")
        var box = try AES.GCM.SealedBox(combined: sealed)
        #expect(box.keyID == (try MasterKey.keyID(for: key)))
        let other = try KeyRing(currentKey: key, id: "renamed")
        box = try AES.GCM.SealedBox(combined: sealed)
        #expect(throws: WebhookSecretError.self) {
            try WebhookSecret.open(
                sealed: sealed.replacingKeyID(box.keyID, with: "renamed"), keyRing: other, tenantID: Self.tenant,
                source: "a")
        }
    }

    @Test("flipping any bit of a sealed secret makes it unreadable")
    func tampering() throws {
        let ring = try Self.ring()
        let sealed = try Self.secret(7).seal(with: ring, tenantID: Self.tenant, source: "bank")
        for index in sealed.indices {
            for bit in [0, 7] as [UInt8] {
                var tampered = sealed
                tampered[index] ^= 1 << bit
                let error = try #require(throws: WebhookSecretError.self, "byte \(index) bit \(bit)") {
                    try WebhookSecret.open(sealed: tampered, keyRing: ring, tenantID: Self.tenant, source: "bank")
                }
                #expect(error.kind == .unreadable)
                #expect(error.httpStatus == 500)
            }
        }
        for truncated in [[], Array(sealed.prefix(10)), Array(sealed.dropLast())] as [[UInt8]] {
            #expect(throws: WebhookSecretError.self) {
                try WebhookSecret.open(sealed: truncated, keyRing: ring, tenantID: Self.tenant, source: "bank")
            }
        }
    }

    @Test("after a master-key rotation, old boxes still open and new ones use the new key")
    func masterKeyRotation() throws {
        var ring = try Self.ring(1)
        let old = try Self.secret(5).seal(with: ring, tenantID: Self.tenant, source: "s")
        let newKey = SymmetricKey(data: [UInt8](repeating: 2, count: 32))
        try ring.rotate(to: newKey, id: try MasterKey.keyID(for: newKey))
        #expect(
            try WebhookSecret.open(sealed: old, keyRing: ring, tenantID: Self.tenant, source: "s") == Self.secret(5))
        let new = try Self.secret(5).seal(with: ring, tenantID: Self.tenant, source: "s")
        #expect(try AES.GCM.SealedBox(combined: new).keyID == (try MasterKey.keyID(for: newKey)))
    }

    @Test(
        "sources follow the column's check constraint",
        arguments: [
            ("a", true), ("erp-sap", true), ("bank_1", true), (String(repeating: "a", count: 63), true),
            ("", false), ("1bank", false), ("-a", false), ("Bank", false), ("a b", false), ("a.b", false),
            (String(repeating: "a", count: 64), false), ("ä", false),
        ])
    func sources(source: String, valid: Bool) {
        #expect(WebhookSecret.isValidSource(source) == valid)
    }

    // MARK: Rotation overlap

    @Test("the overlap rule: current and unexpired previous secrets verify; revoked and lapsed ones do not")
    func acceptable() throws {
        let ids = (0..<6).map { _ in UUID() }
        let versions = [
            WebhookSecretVersion(id: ids[0], secret: try Self.secret(0)),  // current
            WebhookSecretVersion(id: ids[1], secret: try Self.secret(1), validUntil: Self.now + 60),
            WebhookSecretVersion(id: ids[2], secret: try Self.secret(2), validUntil: Self.now + 3600),
            WebhookSecretVersion(id: ids[3], secret: try Self.secret(3), validUntil: Self.now),  // lapsed exactly now
            WebhookSecretVersion(
                id: ids[4], secret: try Self.secret(4), validUntil: Self.now + 60, revokedAt: Self.now + 30),
            WebhookSecretVersion(id: ids[5], secret: try Self.secret(5), revokedAt: Self.now - 1),
        ]
        #expect(
            try WebhookSecretRotation.acceptableSecrets(versions, now: Self.now)
                == [Self.secret(0), Self.secret(2), Self.secret(1)])
        #expect(
            try WebhookSecretRotation.acceptableSecrets(versions, now: Self.now + 60)
                == [Self.secret(0), Self.secret(2)])
        #expect(try WebhookSecretRotation.acceptableSecrets(versions, now: Self.now + 3600) == [Self.secret(0)])
        #expect(try WebhookSecretRotation.signingSecret(versions) == Self.secret(0))
        #expect(WebhookSecretRotation.signingSecret(Array(versions.dropFirst())) == nil)
        #expect(WebhookSecretRotation.acceptableSecrets([], now: Self.now).isEmpty)
    }

    @Test("rotating gives every still-valid version the overlap end, never extending one")
    func retirement() throws {
        let current = WebhookSecretVersion(id: UUID(), secret: try Self.secret(1))
        let ending = WebhookSecretVersion(id: UUID(), secret: try Self.secret(2), validUntil: Self.now + 10)
        let later = WebhookSecretVersion(id: UUID(), secret: try Self.secret(3), validUntil: Self.now + 7200)
        let revoked = WebhookSecretVersion(id: UUID(), secret: try Self.secret(4), revokedAt: Self.now)
        let lapsed = WebhookSecretVersion(id: UUID(), secret: try Self.secret(5), validUntil: Self.now - 10)
        let deadlines = try WebhookSecretRotation.retirementDeadlines(
            for: [current, ending, later, revoked, lapsed], overlap: .seconds(3600), now: Self.now)
        #expect(deadlines == [current.id: Self.now + 3600, later.id: Self.now + 3600])
        #expect(
            try WebhookSecretRotation.retirementDeadlines(for: [current], overlap: .zero, now: Self.now)
                == [current.id: Self.now])
        #expect(throws: ControlPlaneError.self) {
            try WebhookSecretRotation.retirementDeadlines(for: [current], overlap: .seconds(-1), now: Self.now)
        }
    }

    // MARK: Master key

    static let keyA = Base64.encode([UInt8](repeating: 0xA1, count: 32))
    static let keyB = Base64.encode([UInt8](repeating: 0xB2, count: 32))

    @Test("the master key file yields a ring whose current key is the first line")
    func masterKeyFile() throws {
        let files = [
            "/keys/master": Array("# rotated 2026-01\n\(Self.keyB)\r\n\n  \(Self.keyA)  \n\(Self.keyB)\n".utf8)
        ]
        let ring = try MasterKey.loadKeyRing(environment: [MasterKey.fileVariable: "/keys/master"]) { path in
            guard let contents = files[path] else { throw CocoaError(.fileNoSuchFile) }
            return contents
        }
        let idA = try MasterKey.keyID(for: SymmetricKey(data: [UInt8](repeating: 0xA1, count: 32)))
        let idB = try MasterKey.keyID(for: SymmetricKey(data: [UInt8](repeating: 0xB2, count: 32)))
        #expect(ring.currentKeyID == idB)
        #expect(ring.keyIDs == [idA, idB].sorted())
        #expect(idA.count == 8 && idA.allSatisfy(\.isHexDigit))
        #expect(
            idA == (try SHA256.hash(data: [UInt8](repeating: 0xA1, count: 32)).hexString.prefix(8)).description)
    }

    @Test("the key can come from the environment itself, and a real file can be read")
    func masterKeySources() throws {
        let ring = try MasterKey.loadKeyRing(environment: [MasterKey.valueVariable: Self.keyA])
        #expect(ring.keyIDs.count == 1)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cs-master-\(UUID().uuidString)").path
        try Data((Self.keyA + "\n").utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fromFile = try MasterKey.loadKeyRing(environment: [MasterKey.fileVariable: path])
        #expect(fromFile.currentKeyID == ring.currentKeyID)
    }

    @Test(
        "master key errors name the problem and never the key",
        arguments: [
            ([:], "", MasterKeyError.Kind.missing),
            ([MasterKey.fileVariable: ""], "", .missing),
            ([MasterKey.fileVariable: "/k", MasterKey.valueVariable: "x"], "", .ambiguous),
            ([MasterKey.fileVariable: "/missing"], "", .unreadable),
            ([MasterKey.fileVariable: "/k"], "", .invalid),
            ([MasterKey.fileVariable: "/k"], "# only a comment\n", .invalid),
            ([MasterKey.fileVariable: "/k"], "c2VjcmV0LXRvby1zaG9ydA==", .invalid),  // 16 bytes
            ([MasterKey.fileVariable: "/k"], "not base64 at all: s3cr3t!", .invalid),
            ([MasterKey.fileVariable: "/k"], keyA + "\n" + "c2VjcmV0LXRvby1zaG9ydA==", .invalid),
            ([MasterKey.valueVariable: Base64.encode([UInt8](repeating: 3, count: 31))], "", .invalid),
        ] as [([String: String], String, MasterKeyError.Kind)])
    func masterKeyErrors(environment: [String: String], contents: String, kind: MasterKeyError.Kind) throws {
        let error = try #require(throws: MasterKeyError.self) {
            try MasterKey.loadKeyRing(environment: environment) { path in
                guard path == "/k" else { throw CocoaError(.fileNoSuchFile) }
                return Array(contents.utf8)
            }
        }
        #expect(error.kind == kind)
        #expect(error.httpStatus == 500)
        for material in ["c2VjcmV0", "s3cr3t", String(Self.keyA.prefix(12)), "x"] where material.count > 1 {
            #expect(!error.message.contains(material))
            #expect(!"\(error)".contains(material))
        }
    }

    @Test("a secret never shows in interpolation, description, debug description or dump")
    func redaction() throws {
        let secret = try WebhookSecret.generate()
        let text = secret.reveal()
        let body = String(text.dropFirst(6).prefix(40))
        let version = WebhookSecretVersion(id: UUID(), secret: secret, validUntil: Self.now)
        for output in CredentialFixtures.output(of: secret) + CredentialFixtures.output(of: version)
            + CredentialFixtures.output(of: [secret])
        {
            #expect(!output.contains(body))
            #expect(!output.contains("whsec_"))
        }
        #expect("\(secret)" == "WebhookSecret([redacted], 32 bytes)")
    }
}

extension [UInt8] {
    /// The sealed-box bytes with the header's key id replaced (same layout:
    /// version, id length, id, then the rest).
    fileprivate func replacingKeyID(_ old: String, with new: String) -> [UInt8] {
        let rest = self.dropFirst(2 + old.utf8.count)
        return [self[0], UInt8(new.utf8.count)] + Array(new.utf8) + rest
    }
}
