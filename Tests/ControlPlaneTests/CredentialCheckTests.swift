@testable import ControlPlane
import Foundation
import Testing

@Suite("Credential check and rotation")
struct CredentialCheckTests {
    static let now = CredentialFixtures.now
    static let id = UUID(uuidString: "00000000-0000-0000-0000-00000000000a") ?? UUID()
    static let newID = UUID(uuidString: "00000000-0000-0000-0000-00000000000b") ?? UUID()

    static func stored(
        scopes: ScopeSet = [.eventsWrite, .runsRead], allow: [String] = [], expiresAt: Date? = nil,
        revokedAt: Date? = nil, replacedBy: UUID? = nil, validUntil: Date? = nil
    ) throws -> StoredCredential {
        let key = CredentialFixtures.sampleKey
        return StoredCredential(
            id: id, prefix: key.prefix, keyHash: try key.hash(), scopes: scopes,
            ipAllowList: try IPAllowList(parsing: allow), expiresAt: expiresAt, revokedAt: revokedAt,
            replacedBy: replacedBy, validUntil: validUntil)
    }

    /// One row per branch: how the stored row differs, the request, and the
    /// expected outcome (nil = accepted).
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let stored: @Sendable () throws -> StoredCredential?
        var key: String = CredentialFixtures.sampleText
        var address = "203.0.113.9"
        var scope: Scope? = .eventsWrite
        let expected: CredentialError.Kind?
        var field: String? = nil
        var testDescription: String { name }
    }

    static let hour: TimeInterval = 3600

    static let cases: [Case] = [
        Case(name: "valid key, scope granted", stored: { try stored() }, expected: nil),
        Case(name: "valid key, no scope required", stored: { try stored() }, scope: nil, expected: nil),
        Case(
            name: "admin implies the scope", stored: { try stored(scopes: [.admin]) }, scope: .auditRead, expected: nil),
        Case(name: "unknown prefix (no row)", stored: { nil }, expected: .invalidAPIKey, field: "Authorization"),
        Case(
            name: "malformed key", stored: { try stored() }, key: "cs_live_nope", expected: .invalidAPIKey,
            field: "Authorization"),
        Case(
            name: "hash mismatch (another key with a valid checksum)", stored: { try stored() },
            key: APIKey(environment: .live, identifier: "4fJ0aQz9KxVb", secret: String(repeating: "A", count: 32))
                .reveal(), expected: .invalidAPIKey),
        Case(
            name: "row found under another prefix",
            stored: {
                var row = try stored(); row.prefix = "cs_live_000000000000"; return row
            },
            expected: .invalidAPIKey),
        Case(
            name: "revoked just now", stored: { try stored(revokedAt: now) }, expected: .revoked,
            field: "Authorization"),
        Case(
            name: "revoked with a timestamp ahead of our clock", stored: { try stored(revokedAt: now + hour) },
            expected: .revoked),
        Case(
            name: "revoked beats expired and rotated",
            stored: {
                try stored(expiresAt: now - hour, revokedAt: now - hour, replacedBy: newID, validUntil: now - hour)
            },
            expected: .revoked),
        Case(name: "expired exactly now", stored: { try stored(expiresAt: now) }, expected: .expired),
        Case(name: "expired an hour ago", stored: { try stored(expiresAt: now - hour) }, expected: .expired),
        Case(name: "expires in a second", stored: { try stored(expiresAt: now + 1) }, expected: nil),
        Case(
            name: "expired beats rotated",
            stored: { try stored(expiresAt: now - 1, replacedBy: newID, validUntil: now - 1) },
            expected: .expired),
        Case(
            name: "replaced, inside the overlap", stored: { try stored(replacedBy: newID, validUntil: now + 1) },
            expected: nil),
        Case(
            name: "replaced, overlap ends now", stored: { try stored(replacedBy: newID, validUntil: now) },
            expected: .rotated, field: "Authorization"),
        Case(name: "replaced with no overlap", stored: { try stored(replacedBy: newID) }, expected: .rotated),
        Case(
            name: "valid_until passed without replacement", stored: { try stored(validUntil: now - 1) },
            expected: .rotated),
        Case(name: "address inside the allow-list", stored: { try stored(allow: ["203.0.113.0/24"]) }, expected: nil),
        Case(
            name: "IPv4-mapped address inside the allow-list", stored: { try stored(allow: ["203.0.113.0/24"]) },
            address: "::ffff:203.0.113.9", expected: nil),
        Case(
            name: "address outside the allow-list", stored: { try stored(allow: ["10.0.0.0/8", "2001:db8::/32"]) },
            expected: .ipNotAllowed),
        Case(
            name: "unparseable address with an allow-list", stored: { try stored(allow: ["10.0.0.0/8"]) },
            address: "unknown", expected: .ipNotAllowed),
        Case(
            name: "IP check before scope check", stored: { try stored(scopes: [.runsRead], allow: ["10.0.0.0/8"]) },
            expected: .ipNotAllowed),
        Case(
            name: "scope missing", stored: { try stored(scopes: [.runsRead]) }, expected: .insufficientScope,
            field: "events:write"),
        Case(
            name: "read scope does not imply write", stored: { try stored(scopes: [.tasksRead]) }, scope: .tasksWrite,
            expected: .insufficientScope, field: "tasks:write"),
    ]

    @Test("every branch of the decision", arguments: cases)
    func evaluate(_ row: Case) throws {
        let stored = try row.stored()
        if let expected = row.expected {
            let error = try #require(throws: CredentialError.self) {
                try CredentialCheck.evaluate(
                    stored: stored, presentedKey: row.key, remoteAddress: row.address, requiredScope: row.scope,
                    now: Self.now)
            }
            #expect(error.kind == expected)
            #expect(error.httpStatus == expected.httpStatus)
            if let field = row.field { #expect(error.field == field) }
            #expect(!error.message.contains(String(CredentialFixtures.sampleText.dropFirst(21))))
            #expect(!String(reflecting: error).contains(String(CredentialFixtures.sampleText.dropFirst(21))))
        } else {
            let result = try CredentialCheck.evaluate(
                stored: stored, presentedKey: row.key, remoteAddress: row.address, requiredScope: row.scope,
                now: Self.now)
            #expect(result.credentialID == Self.id)
            #expect(result.prefix == CredentialFixtures.sampleKey.prefix)
            #expect(result.environment == .live)
        }
    }

    @Test("statuses: 401 for the key itself, 403 for what it may do")
    func statuses() {
        let expected: [CredentialError.Kind: (String, Int)] = [
            .invalidAPIKey: ("invalid_api_key", 401), .revoked: ("api_key_revoked", 401),
            .expired: ("api_key_expired", 401), .rotated: ("api_key_rotated", 401),
            .ipNotAllowed: ("ip_not_allowed", 403), .insufficientScope: ("insufficient_scope", 403),
        ]
        for kind in CredentialError.Kind.allCases {
            #expect(kind.rawValue == expected[kind]?.0)
            #expect(kind.httpStatus == expected[kind]?.1)
        }
    }

    @Test("a key inside its overlap reports when the overlap ends")
    func overlapReported() throws {
        let result = try CredentialCheck.evaluate(
            stored: try Self.stored(replacedBy: Self.newID, validUntil: Self.now + 60),
            presentedKey: CredentialFixtures.sampleKey, remoteAddress: "1.2.3.4", requiredScope: nil, now: Self.now)
        #expect(result.rotationOverlapEndsAt == Self.now + 60)
        let current = try CredentialCheck.evaluate(
            stored: try Self.stored(), presentedKey: CredentialFixtures.sampleKey, remoteAddress: "1.2.3.4",
            requiredScope: nil, now: Self.now)
        #expect(current.rotationOverlapEndsAt == nil)
    }

    @Test("rotation: both keys work during the overlap, only the new one after it")
    func rotation() throws {
        let old = try Self.stored(scopes: [.runsRead], allow: ["10.0.0.0/8"], expiresAt: Self.now + 86_400 * 90)
        let rotation = try CredentialRotation.rotate(old, overlap: .seconds(3600), now: Self.now, newID: Self.newID)
        #expect(rotation.oldValidUntil == Self.now + 3600)
        #expect(rotation.retired.replacedBy == Self.newID)
        #expect(rotation.replacement.id == Self.newID)
        #expect(rotation.replacement.prefix == rotation.newKey.prefix)
        #expect(rotation.replacement.keyHash == rotation.newKey.hash)
        #expect(rotation.replacement.scopes == old.scopes)
        #expect(rotation.replacement.ipAllowList == old.ipAllowList)
        #expect(rotation.replacement.expiresAt == old.expiresAt)
        #expect(rotation.newKey.environment == .live)
        #expect(rotation.newKey.prefix != old.prefix)

        func check(_ stored: StoredCredential, _ key: APIKey, at time: Date) throws -> AuthenticatedCredential {
            try CredentialCheck.evaluate(
                stored: stored, presentedKey: key, remoteAddress: "10.1.1.1", requiredScope: .runsRead, now: time)
        }
        for time in [Self.now, Self.now + 3599] {
            _ = try check(rotation.retired, CredentialFixtures.sampleKey, at: time)
            _ = try check(rotation.replacement, rotation.newKey.key, at: time)
        }
        let error = try #require(throws: CredentialError.self) {
            try check(rotation.retired, CredentialFixtures.sampleKey, at: Self.now + 3600)
        }
        #expect(error.kind == .rotated)
        _ = try check(rotation.replacement, rotation.newKey.key, at: Self.now + 3600)
        // The old key never opens the new row, nor the reverse.
        #expect(throws: CredentialError.self) {
            try check(rotation.replacement, CredentialFixtures.sampleKey, at: Self.now)
        }
    }

    @Test(
        "last_used_at is written at most once per granularity",
        arguments: [(nil, true), (-3600, true), (-60, true), (-59.9, false), (0, false), (60, false)]
            as [(TimeInterval?, Bool)])
    func lastUsed(offset: TimeInterval?, expected: Bool) throws {
        var row = try Self.stored()
        row.lastUsedAt = offset.map { Self.now + $0 }
        #expect(row.needsLastUsedUpdate(at: Self.now) == expected)
        // A time ahead of our clock (skew) is never moved backwards.
        #expect(row.needsLastUsedUpdate(at: Self.now, granularity: .zero) == ((offset ?? 0) <= 0))
    }

    @Test("a zero overlap ends the old key at once")
    func zeroOverlap() throws {
        let rotation = try CredentialRotation.rotate(try Self.stored(), overlap: .zero, now: Self.now)
        #expect(rotation.oldValidUntil == Self.now)
        #expect(rotation.retired.isRotatedAway(at: Self.now))
    }

    @Test(
        "rotation refuses bad overlaps and keys that are not live and current",
        arguments: [
            ("negative overlap", Duration.seconds(-1), "", "invalid_rotation_overlap"),
            ("overlap beyond the maximum", Duration.seconds(31 * 86_400), "", "invalid_rotation_overlap"),
            ("revoked", Duration.seconds(60), "revoked", "credential_revoked"),
            ("expired", Duration.seconds(60), "expired", "credential_expired"),
            ("already rotated", Duration.seconds(60), "rotated", "credential_already_rotated"),
            ("bad stored prefix", Duration.seconds(60), "prefix", "invalid_api_key"),
        ])
    func rotationRefusals(name: String, overlap: Duration, state: String, code: String) throws {
        var old = try Self.stored()
        switch state {
        case "revoked": old.revokedAt = Self.now
        case "expired": old.expiresAt = Self.now
        case "rotated": old.replacedBy = Self.newID; old.validUntil = Self.now + 60
        case "prefix": old.prefix = "sk_live_abc"
        default: break
        }
        #expect {
            try CredentialRotation.rotate(old, overlap: overlap, now: Self.now)
        } throws: { error in
            (error as? ControlPlaneError)?.code == code
        }
    }

    @Test("the maximum overlap is configuration")
    func overlapConfiguration() throws {
        let configuration = CredentialRotation.Configuration(maximumOverlap: .seconds(60))
        _ = try CredentialRotation.rotate(
            try Self.stored(), overlap: .seconds(60), now: Self.now, configuration: configuration)
        #expect(throws: ControlPlaneError.self) {
            try CredentialRotation.rotate(
                try Self.stored(), overlap: .milliseconds(60_001), now: Self.now, configuration: configuration)
        }
    }

    @Test("a rotation's description does not contain the new key")
    func rotationRedaction() throws {
        let rotation = try CredentialRotation.rotate(try Self.stored(), overlap: .seconds(1), now: Self.now)
        let secretPart = String(rotation.newKey.reveal().dropFirst(rotation.newKey.prefix.count + 1))
        for output in CredentialFixtures.output(of: rotation) {
            #expect(!output.contains(secretPart))
        }
    }
}
