import Testing

@testable import HTTP

@Suite("Response serializer")
struct SerializerTests {
    static func head(
        _ response: HTTPResponse, isHead: Bool = false, keepAlive: Bool = true, version: HTTPVersion = .http1_1
    ) -> String {
        var bytes: [UInt8] = []
        HTTPResponseSerializer.appendHead(
            response, isHead: isHead, keepAlive: keepAlive, requestVersion: version, to: &bytes)
        // The Date value changes every second; blank it for comparison.
        return String(decoding: bytes, as: UTF8.self).replacing(/Date: [^\r]*/, with: "Date: *")
    }

    @Test(
        "IMF-fixdate formatting without calendars",
        arguments: [
            (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
            (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
            (4_102_444_799, "Thu, 31 Dec 2099 23:59:59 GMT"),
            (1_798_761_600, "Fri, 01 Jan 2027 00:00:00 GMT"),
        ] as [(Int64, String)])
    func dates(seconds: Int64, expected: String) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { DateCache.format(seconds: seconds, into: $0) }
        let text = withUnsafeBytes(of: words) { String(decoding: $0.prefix(DateCache.length), as: UTF8.self) }
        #expect(text == expected)
    }

    @Test("the cached Date value is well-formed and stable across calls")
    func cachedDate() {
        var first: [UInt8] = []
        var second: [UInt8] = []
        DateCache.shared.append(to: &first)
        DateCache.shared.append(to: &second)
        #expect(first.count == DateCache.length)
        #expect(String(decoding: first, as: UTF8.self).hasSuffix(" GMT"))
        #expect(second.count == DateCache.length)
    }

    @Test("status line, handler fields, then the server's framing")
    func basicHead() {
        let response = HTTPResponse(
            status: .created, headers: ["Content-Type": "application/json"], body: Array("{}".utf8))
        #expect(
            Self.head(response)
                == "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\nDate: *\r\n\r\n")
        #expect(Self.head(response, keepAlive: false).hasSuffix("Date: *\r\nConnection: close\r\n\r\n"))
        #expect(Self.head(response, version: .http1_0).hasSuffix("Date: *\r\nConnection: keep-alive\r\n\r\n"))
    }

    @Test("framing fields from handlers are dropped, and so are fields that could split the response")
    func framingAndInjection() {
        let response = HTTPResponse(
            status: .ok,
            headers: [
                "content-length": "1", "Transfer-Encoding": "chunked", "Connection": "upgrade", "Date": "yesterday",
                "Keep-Alive": "timeout=5", "X-Ok": "fine", "X-Split": "a\r\nSet-Cookie: evil", "Bad Name": "x",
                "": "empty",
            ], body: [])
        #expect(Self.head(response) == "HTTP/1.1 200 OK\r\nX-Ok: fine\r\nContent-Length: 0\r\nDate: *\r\n\r\n")
    }

    @Test("HEAD keeps a declared length when the handler sent no body; 204 and 304 have none")
    func bodilessResponses() {
        let declared = HTTPResponse(status: .ok, headers: ["Content-Length": "1234"], body: [])
        #expect(Self.head(declared, isHead: true).contains("Content-Length: 1234\r\n"))
        #expect(Self.head(declared, isHead: false).contains("Content-Length: 0\r\n"))
        let withBody = HTTPResponse(status: .ok, body: Array("hello".utf8))
        #expect(Self.head(withBody, isHead: true).contains("Content-Length: 5\r\n"))
        #expect(!Self.head(HTTPResponse(status: .noContent)).contains("Content-Length"))
        #expect(!Self.head(HTTPResponse(status: .notModified)).contains("Content-Length"))
        #expect(!HTTPResponseSerializer.hasBody(status: 304, isHead: false))
        #expect(!HTTPResponseSerializer.hasBody(status: 200, isHead: true))
        #expect(HTTPResponseSerializer.hasBody(status: 200, isHead: false))
    }

    @Test("a reason phrase cannot carry a line break")
    func reasonPhrase() {
        let response = HTTPResponse(status: HTTPStatus(code: 299, reason: "Fine\r\nX-Evil: 1"))
        #expect(Self.head(response).hasPrefix("HTTP/1.1 299 FineX-Evil: 1\r\nContent-Length: 0\r\n"))
    }
}
