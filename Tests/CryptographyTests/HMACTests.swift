import Cryptography
import Testing

@Suite("HMAC-SHA256")
struct HMACTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let number: Int
        let key: [UInt8]
        let data: [UInt8]
        /// Expected MAC; shorter than 32 bytes where the RFC truncates.
        let mac: String
        var testDescription: String { "RFC 4231 test case \(number)" }
    }

    /// RFC 4231 §4.2–4.8, HMAC-SHA-256 results.
    static let vectors: [Vector] = [
        Vector(
            number: 1, key: [UInt8](repeating: 0x0b, count: 20), data: utf8("Hi There"),
            mac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        Vector(
            number: 2, key: utf8("Jefe"), data: utf8("what do ya want for nothing?"),
            mac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        Vector(
            number: 3, key: [UInt8](repeating: 0xaa, count: 20), data: [UInt8](repeating: 0xdd, count: 50),
            mac: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        Vector(
            number: 4, key: Array(1...25), data: [UInt8](repeating: 0xcd, count: 50),
            mac: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        Vector(
            number: 5, key: [UInt8](repeating: 0x0c, count: 20), data: utf8("Test With Truncation"),
            mac: "a3b6167473100ee06e0c796c2955552b"),
        Vector(
            number: 6, key: [UInt8](repeating: 0xaa, count: 131),
            data: utf8("Test Using Larger Than Block-Size Key - Hash Key First"),
            mac: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        Vector(
            number: 7, key: [UInt8](repeating: 0xaa, count: 131),
            data: utf8(
                "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
            ),
            mac: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test("matches RFC 4231", arguments: vectors)
    func rfc4231(_ vector: Vector) throws {
        let key = SymmetricKey(data: vector.key)
        let mac = try HMAC<SHA256>.authenticationCode(for: vector.data, using: key)
        let expected = try hex(vector.mac)
        #expect(mac.byteCount == 32)
        // Case 5 specifies only the leftmost 128 bits.
        #expect(Array(mac.bytes.prefix(expected.count)) == expected)
        #expect(ConstantTime.equals(mac.prefix(expected.count), expected))
        if expected.count == 32 {
            #expect(mac.hexString == vector.mac)
            #expect(try HMAC<SHA256>.isValidAuthenticationCode(expected, authenticating: vector.data, using: key))
        }
    }

    @Test("incremental MAC matches one-shot; copies are independent", arguments: vectors)
    func incremental(_ vector: Vector) throws {
        let key = SymmetricKey(data: vector.key)
        var hmac = try HMAC<SHA256>(key: key)
        let half = vector.data.count / 2
        try hmac.update(data: vector.data[..<half])
        let snapshot = hmac
        try hmac.update(data: vector.data[half...])
        #expect(try hmac.finalize() == HMAC<SHA256>.authenticationCode(for: vector.data, using: key))
        #expect(try snapshot.finalize() == HMAC<SHA256>.authenticationCode(for: vector.data[..<half], using: key))
    }

    @Test("verification rejects altered MACs, truncated MACs, other data and other keys")
    func verification() throws {
        let key = SymmetricKey(data: utf8("webhook secret"))
        let data = utf8("msg_1.1700000000.{\"amount\":1}")
        let mac = try HMAC<SHA256>.authenticationCode(for: data, using: key)
        #expect(try HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: data, using: key))
        for index in mac.bytes.indices {
            var altered = mac.bytes
            altered[index] ^= 0x01
            #expect(try !HMAC<SHA256>.isValidAuthenticationCode(altered, authenticating: data, using: key))
        }
        #expect(try !HMAC<SHA256>.isValidAuthenticationCode(mac.prefix(16), authenticating: data, using: key))
        #expect(try !HMAC<SHA256>.isValidAuthenticationCode([UInt8](), authenticating: data, using: key))
        #expect(try !HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: data + [0], using: key))
        #expect(
            try !HMAC<SHA256>.isValidAuthenticationCode(
                mac, authenticating: data, using: SymmetricKey(data: utf8("webhook secreT"))))
    }

    @Test("an empty key is a valid HMAC key")
    func emptyKey() throws {
        // Python: hmac.new(b"", b"", hashlib.sha256).hexdigest()
        let mac = try HMAC<SHA256>.authenticationCode(for: [UInt8](), using: SymmetricKey(data: [UInt8]()))
        #expect(mac.hexString == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }
}
