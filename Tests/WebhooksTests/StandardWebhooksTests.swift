import Cryptography
import Foundation
import Testing
import Webhooks

@Suite("Standard Webhooks signing and verification")
struct StandardWebhooksTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)
    static let id = "msg_2b9kQnX7"
    static let body = Array(#"{"type":"invoice.paid","amount":"12.50"}"#.utf8)
    static let currentKey = SymmetricKey(data: [UInt8](repeating: 0x11, count: 32))
    static let previousKey = SymmetricKey(data: [UInt8](repeating: 0x22, count: 32))

    /// Headers for `body` signed with `keys` at `now`, as a dictionary.
    static func headers(
        id: String = id, at date: Date = now, body: [UInt8] = body, key: SymmetricKey = currentKey,
        additionalKeys: [SymmetricKey] = []
    ) throws -> [String: String] {
        try StandardWebhooks.headers(id: id, timestamp: date, body: body, key: key, additionalKeys: additionalKeys)
            .dictionary
    }

    /// Verifies, returning the error kind, or nil on success.
    static func rejection(
        _ headers: [String: String], body: [UInt8] = body, keys: [SymmetricKey] = [currentKey], now: Date = now
    ) -> WebhookVerificationError.Kind? {
        do {
            _ = try StandardWebhooks.verify(headers: headers, body: body, keys: keys, now: now)
            return nil
        } catch {
            return error.kind
        }
    }

    static func verificationError(_ headers: [String: String], keys: [SymmetricKey] = [currentKey])
        -> WebhookVerificationError?
    {
        do {
            _ = try StandardWebhooks.verify(headers: headers, body: body, keys: keys, now: now)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Known answer

    @Test("the specification's example signs to its published signature")
    func knownAnswer() throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let key = SymmetricKey(data: try Base64.decode(secret.dropFirst("whsec_".count)))
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let signature = try StandardWebhooks.sign(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body, key: key)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")

        let verified = try StandardWebhooks.verify(
            headers: [
                "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
                "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            ], body: body, keys: [key], now: Date(timeIntervalSince1970: 1_614_265_330))
        #expect(
            verified
                == VerifiedWebhook(
                    id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: Date(timeIntervalSince1970: 1_614_265_330)))
    }

    // MARK: - Accept / reject matrix

    @Test("a correctly signed message verifies, through a dictionary or a lookup closure")
    func valid() throws {
        let headers = try Self.headers()
        #expect(Self.rejection(headers) == nil)
        let verified = try StandardWebhooks.verify(
            headers: { headers[$0] }, body: Self.body, keys: [Self.currentKey], now: Self.now)
        #expect(verified.id == Self.id)
        #expect(verified.timestamp == Self.now)
    }

    @Test("outbound headers carry the id, whole Unix seconds and a v1 signature")
    func outboundHeaders() throws {
        let signed = try StandardWebhooks.headers(
            id: Self.id, timestamp: Self.now.addingTimeInterval(0.75), body: Self.body, key: Self.currentKey)
        #expect(signed.id == Self.id)
        #expect(signed.timestamp == "1700000000")
        #expect(
            signed.signature
                == (try StandardWebhooks.sign(
                    id: Self.id, timestamp: 1_700_000_000, body: Self.body, key: Self.currentKey)))
        #expect(signed.fields.map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
    }

    @Test("a tampered body is rejected")
    func tamperedBody() throws {
        var body = Self.body
        body[body.count - 3] ^= 0x01
        #expect(Self.rejection(try Self.headers(), body: body) == .invalidSignature)
        #expect(Self.rejection(try Self.headers(), body: Self.body + [0x20]) == .invalidSignature)
    }

    @Test("a tampered id or timestamp is rejected")
    func tamperedID() throws {
        var headers = try Self.headers()
        headers["webhook-id"] = "msg_2b9kQnX8"
        #expect(Self.rejection(headers) == .invalidSignature)

        headers = try Self.headers()
        headers["webhook-timestamp"] = "1700000001"
        #expect(Self.rejection(headers) == .invalidSignature)
    }

    @Test("a signature under another secret is rejected")
    func wrongSecret() throws {
        let other = SymmetricKey(data: [UInt8](repeating: 0x33, count: 32))
        #expect(Self.rejection(try Self.headers(key: other)) == .invalidSignature)
    }

    @Test(
        "timestamps more than 5 minutes away either way are rejected, at the limit accepted",
        arguments: [
            (-360.0, WebhookVerificationError.Kind?.some(.timestampOutOfTolerance)),
            (360.0, .some(.timestampOutOfTolerance)),
            (-301.0, .some(.timestampOutOfTolerance)),
            (301.0, .some(.timestampOutOfTolerance)),
            (-300.0, nil), (300.0, nil), (-299.0, nil), (299.0, nil), (0.0, nil),
        ])
    func tolerance(offset: TimeInterval, expected: WebhookVerificationError.Kind?) throws {
        let headers = try Self.headers(at: Self.now.addingTimeInterval(offset))
        #expect(Self.rejection(headers) == expected)
    }

    @Test("a fractional clock does not push a timestamp at the limit out of tolerance")
    func fractionalNow() throws {
        let headers = try Self.headers(at: Self.now.addingTimeInterval(-300))
        #expect(Self.rejection(headers, now: Self.now.addingTimeInterval(0.9)) == nil)
    }

    @Test("the tolerance is configurable")
    func customTolerance() throws {
        let headers = try Self.headers(at: Self.now.addingTimeInterval(-90))
        #expect(throws: WebhookVerificationError.self) {
            try StandardWebhooks.verify(
                headers: headers, body: Self.body, keys: [Self.currentKey], now: Self.now, tolerance: .seconds(60))
        }
        #expect(
            (try? StandardWebhooks.verify(
                headers: headers, body: Self.body, keys: [Self.currentKey], now: Self.now, tolerance: .seconds(120)))
                != nil)
    }

    @Test("any one of several signatures may match")
    func severalSignatures() throws {
        let wrong = try StandardWebhooks.sign(
            id: Self.id, timestamp: 1_700_000_000, body: Self.body, key: Self.previousKey)
        var headers = try Self.headers()
        let right = try #require(headers["webhook-signature"])
        headers["webhook-signature"] = "\(wrong) \(right)"
        #expect(Self.rejection(headers) == nil)
        headers["webhook-signature"] = "\(wrong)  \(right) "
        #expect(Self.rejection(headers) == nil, "extra spaces are tolerated")
    }

    @Test("entries of another version are ignored even when they carry the right MAC")
    func otherVersionsIgnored() throws {
        var headers = try Self.headers()
        let right = try #require(headers["webhook-signature"])
        let mac = right.dropFirst("v1,".count)
        headers["webhook-signature"] = "v2,\(mac)"
        #expect(Self.rejection(headers) == .invalidSignature)
        headers["webhook-signature"] = "v1a,\(mac) \(mac) ,\(mac)"
        #expect(Self.rejection(headers) == .invalidSignature)
        headers["webhook-signature"] = "v2,\(mac) \(right)"
        #expect(Self.rejection(headers) == nil)
    }

    @Test("an entry whose Base64 is malformed or truncated is skipped, not fatal")
    func malformedEntrySkipped() throws {
        var headers = try Self.headers()
        let right = try #require(headers["webhook-signature"])
        let truncated = String(right.dropLast(8))
        headers["webhook-signature"] = "v1,!!notbase64 \(truncated) v1, v1"
        #expect(Self.rejection(headers) == .invalidSignature)
        headers["webhook-signature"] = "v1,!!notbase64 \(truncated) \(right)"
        #expect(Self.rejection(headers) == nil)
    }

    @Test("during rotation the previous secret is accepted only while it is still offered")
    func rotation() throws {
        let signedWithOld = try Self.headers(key: Self.previousKey)
        #expect(Self.rejection(signedWithOld, keys: [Self.currentKey, Self.previousKey]) == nil)
        #expect(Self.rejection(signedWithOld, keys: [Self.previousKey, Self.currentKey]) == nil)
        #expect(Self.rejection(signedWithOld, keys: [Self.currentKey]) == .invalidSignature)

        // A sender signing with both keys is accepted by receivers holding either.
        let signedWithBoth = try Self.headers(key: Self.currentKey, additionalKeys: [Self.previousKey])
        #expect(signedWithBoth["webhook-signature"]?.split(separator: " ").count == 2)
        #expect(Self.rejection(signedWithBoth, keys: [Self.previousKey]) == nil)
        #expect(Self.rejection(signedWithBoth, keys: [Self.currentKey]) == nil)
    }

    @Test(
        "each missing or empty header is reported by name",
        arguments: ["webhook-id", "webhook-timestamp", "webhook-signature"])
    func missingHeader(name: String) throws {
        var headers = try Self.headers()
        headers[name] = nil
        var error = try #require(Self.verificationError(headers))
        #expect(error.code == "missing_webhook_headers")
        #expect(error.httpStatus == 400)
        #expect(error.field == name)

        headers[name] = ""
        error = try #require(Self.verificationError(headers))
        #expect(error.code == "missing_webhook_headers")
        #expect(error.field == name)
    }

    @Test(
        "a webhook-id that is too long, has spaces or is not ASCII is refused",
        arguments: [String(repeating: "a", count: 257), "msg 1", "msg_\u{7}", "msg_é", "msg\t1"])
    func invalidID(id: String) throws {
        var headers = try Self.headers()
        headers["webhook-id"] = id
        let error = try #require(Self.verificationError(headers))
        #expect(error.kind == .invalidID)
        #expect(error.code == "missing_webhook_headers")
        #expect(error.field == "webhook-id")
    }

    @Test("a 256-byte printable webhook-id is accepted")
    func longestID() throws {
        let id = String(repeating: "~", count: 256)
        #expect(Self.rejection(try Self.headers(id: id)) == nil)
    }

    @Test(
        "a timestamp that is not plain digits is refused before any MAC",
        arguments: [
            "abc", "-1700000000", "+1700000000", "1700000000.5", " 1700000000", "1700000000 ", "1.7e9", "0x6553F100",
            "１７００００００００", String(repeating: "1", count: 19),
        ])
    func invalidTimestamp(text: String) throws {
        var headers = try Self.headers()
        headers["webhook-timestamp"] = text
        let error = try #require(Self.verificationError(headers))
        #expect(error.code == "invalid_webhook_timestamp")
        #expect(error.httpStatus == 400)
        #expect(error.field == "webhook-timestamp")
    }

    @Test("a huge all-digit timestamp is out of tolerance, not a crash")
    func hugeTimestamp() throws {
        var headers = try Self.headers()
        headers["webhook-timestamp"] = String(repeating: "9", count: 18)
        #expect(Self.rejection(headers) == .timestampOutOfTolerance)
    }

    @Test("only the first 10 signature entries are examined")
    func signatureCountBounded() throws {
        var headers = try Self.headers()
        let right = try #require(headers["webhook-signature"])
        let bogus = "v1," + Base64.encode([UInt8](repeating: 0, count: 32))
        headers["webhook-signature"] = (Array(repeating: bogus, count: 9) + [right]).joined(separator: " ")
        #expect(Self.rejection(headers) == nil, "the 10th entry is still examined")
        headers["webhook-signature"] = (Array(repeating: bogus, count: 10) + [right]).joined(separator: " ")
        #expect(Self.rejection(headers) == .invalidSignature, "the 11th entry is not")
        headers["webhook-signature"] = (Array(repeating: "v2,x", count: 10) + [right]).joined(separator: " ")
        #expect(Self.rejection(headers) == .invalidSignature, "entries of other versions count towards the bound")
        headers["webhook-signature"] = (Array(repeating: bogus, count: 100_000) + [right]).joined(separator: " ")
        #expect(Self.rejection(headers) == .invalidSignature)
    }

    @Test("no keys means no secret is configured")
    func noSecret() throws {
        let error = try #require(Self.verificationError(try Self.headers(), keys: []))
        #expect(error.code == "no_webhook_secret")
        #expect(error.httpStatus == 401)
    }

    @Test("signature errors are 401 and reveal neither the expected signature nor the secret")
    func errorMessagesAreSafe() throws {
        var headers = try Self.headers()
        let expected = try #require(headers["webhook-signature"])
        headers["webhook-signature"] = "v1," + Base64.encode([UInt8](repeating: 7, count: 32))
        let error = try #require(Self.verificationError(headers))
        #expect(error.code == "invalid_webhook_signature")
        #expect(error.httpStatus == 401)
        #expect(error.field == "webhook-signature")
        let secretText = Base64.encode([UInt8](repeating: 0x11, count: 32))
        for text in [error.message, error.description, error.debugDescription] {
            #expect(!text.contains(expected.dropFirst(3)))
            #expect(!text.contains(secretText))
        }
    }

    @Test("stable codes and statuses", arguments: WebhookVerificationError.Kind.allCases)
    func codes(kind: WebhookVerificationError.Kind) {
        let expected: [WebhookVerificationError.Kind: (String, Int)] = [
            .missingHeader: ("missing_webhook_headers", 400),
            .invalidID: ("missing_webhook_headers", 400),
            .invalidTimestamp: ("invalid_webhook_timestamp", 400),
            .timestampOutOfTolerance: ("webhook_timestamp_out_of_tolerance", 401),
            .invalidSignature: ("invalid_webhook_signature", 401),
            .noSecret: ("no_webhook_secret", 401),
            .cryptographyFailure: ("webhook_verification_failed", 500),
        ]
        let error = WebhookVerificationError(kind, "test")
        #expect(error.code == expected[kind]?.0)
        #expect(error.httpStatus == expected[kind]?.1)
    }
}

@Suite("Webhook message ids")
struct WebhookMessageIDTests {
    @Test("ids are msg_ plus 22 URL-safe characters, distinct, and pass verification")
    func generate() throws {
        var seen: Set<String> = []
        for _ in 0..<200 {
            let id = try WebhookMessageID.generate()
            #expect(id.hasPrefix("msg_"))
            #expect(id.count == 26)
            #expect(id.dropFirst(4).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            seen.insert(id)
        }
        #expect(seen.count == 200)

        let id = try WebhookMessageID.generate()
        let key = SymmetricKey(data: [UInt8](repeating: 9, count: 32))
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let headers = try StandardWebhooks.headers(id: id, timestamp: now, body: [], key: key)
        let verified = try StandardWebhooks.verify(headers: headers.dictionary, body: [], keys: [key], now: now)
        #expect(verified.id == id)
    }
}
