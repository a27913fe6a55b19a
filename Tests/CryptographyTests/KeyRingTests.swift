import Cryptography
import Testing

@Suite("KeyRing")
struct KeyRingTests {
    @Test("a box sealed with the old key opens after rotation; new boxes use the new key")
    func rotation() throws {
        var ring = try KeyRing(currentKey: testKey(1), id: "2025-12")
        let old = try ring.seal(utf8("old secret"), aad: utf8("row-1"))
        #expect(old.keyID == "2025-12")
        #expect(!ring.needsResealing(old))

        try ring.rotate(to: testKey(2), id: "2026-01")
        #expect(ring.currentKeyID == "2026-01")
        #expect(ring.keyIDs == ["2025-12", "2026-01"])
        #expect(try ring.open(old, aad: utf8("row-1")) == utf8("old secret"))
        #expect(ring.needsResealing(old))

        let new = try ring.seal(utf8("new secret"))
        #expect(new.keyID == "2026-01")
        #expect(try ring.open(combined: new.combined) == utf8("new secret"))

        // Re-seal, then retire the old key.
        let resealed = try ring.seal(try ring.open(old, aad: utf8("row-1")), aad: utf8("row-1"))
        try ring.remove(id: "2025-12")
        #expect(try ring.open(resealed, aad: utf8("row-1")) == utf8("old secret"))
        #expect(errorKind { _ = try ring.open(old, aad: utf8("row-1")) } == .unknownKeyID)
    }

    @Test("a box naming a key the ring does not hold fails with unknown_key_id")
    func unknownKey() throws {
        let box = try AES.GCM.seal(utf8("x"), using: testKey(9), keyID: "elsewhere")
        let ring = try KeyRing(currentKey: testKey(1), id: "here")
        #expect(errorKind { _ = try ring.open(box) } == .unknownKeyID)
        #expect(errorKind { _ = try ring.open(combined: box.combined) } == .unknownKeyID)
    }

    @Test("a box relabelled to another key in the ring fails authentication")
    func relabelled() throws {
        let ring = try KeyRing(keys: ["a": testKey(1), "b": testKey(2)], currentKeyID: "a")
        let box = try ring.seal(utf8("x"))
        let relabelled = try AES.GCM.SealedBox(keyID: "b", nonce: box.nonce, ciphertext: box.ciphertext, tag: box.tag)
        #expect(errorKind { _ = try ring.open(relabelled) } == .authenticationFailed)
    }

    @Test("invalid rings and edits are refused")
    func validation() throws {
        #expect(errorKind { _ = try KeyRing(keys: ["a": testKey(1)], currentKeyID: "b") } == .unknownKeyID)
        #expect(errorKind { _ = try KeyRing(keys: ["a b": testKey(1)], currentKeyID: "a b") } == .invalidKeyID)
        #expect(errorKind { _ = try KeyRing(currentKey: SymmetricKey(data: [1, 2, 3]), id: "a") } == .invalidKeySize)
        var ring = try KeyRing(currentKey: testKey(1), id: "a")
        #expect(errorKind { try ring.remove(id: "a") } == .invalidArgument)
        #expect(errorKind { try ring.insert(testKey(2), id: "a") } == .invalidArgument)
        try ring.insert(testKey(1), id: "a")
        try ring.insert(testKey(3), id: "c")
        #expect(ring.currentKeyID == "a")
        #expect(ring.key(withID: "c") == testKey(3))
    }

    @Test("a key ring can be shared across tasks")
    func concurrentUse() async throws {
        let ring = try KeyRing(currentKey: testKey(4), id: "shared")
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<32 {
                group.addTask {
                    let message = utf8("message \(index)")
                    return try ring.open(ring.seal(message)) == message
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}
