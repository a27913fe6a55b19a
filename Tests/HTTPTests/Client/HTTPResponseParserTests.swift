import Testing

@testable import HTTP

@Suite("HTTP response parser")
struct HTTPResponseParserTests {
    struct Parsed: Equatable, CustomStringConvertible {
        var status: Int
        var body: String
        var truncated: Bool = false
        var headers: [String] = []
        var trailers: [String] = []
        var description: String { "\(status) \(body.debugDescription) truncated=\(truncated) \(headers) \(trailers)" }
    }

    static let limits = HTTPResponseParser.Limits(
        maxHeaderBytes: 1024, maxHeaderCount: 10, maxBodyBytes: 16, truncatesBody: true)

    /// Parses `raw` delivered in pieces of `piece` bytes (0: all at once), then end of stream if needed.
    static func parse(
        _ raw: String, piece: Int = 0, head: Bool = false, limits: HTTPResponseParser.Limits = limits
    ) -> Result<Parsed, HTTPClientError> {
        var parser = HTTPResponseParser(limits: limits, isResponseToHead: head)
        let bytes = Array(raw.utf8)
        do throws(HTTPClientError) {
            var offset = 0
            while offset < bytes.count && !parser.isComplete {
                let end = piece == 0 ? bytes.count : min(bytes.count, offset + piece)
                try parser.receive(bytes[offset..<end])
                offset = end
            }
            if !parser.isComplete { try parser.receiveEnd() }
        } catch {
            return .failure(error)
        }
        return .success(
            Parsed(
                status: parser.status.code, body: String(decoding: parser.body, as: UTF8.self),
                truncated: parser.isBodyTruncated, headers: parser.headers.map { "\($0.name)=\($0.value)" },
                trailers: parser.trailers.map { "\($0.name)=\($0.value)" }))
    }

    /// The same answer whether the bytes arrive at once or one by one.
    static func check(_ raw: String, head: Bool = false, limits: HTTPResponseParser.Limits = limits)
        -> Result<Parsed, HTTPClientError>
    {
        let whole = parse(raw, head: head, limits: limits)
        for piece in [1, 2, 7] {
            let split = parse(raw, piece: piece, head: head, limits: limits)
            switch (whole, split) {
            case (.success(let a), .success(let b)): #expect(a == b, "piece \(piece)")
            case (.failure(let a), .failure(let b)): #expect(a.kind == b.kind, "piece \(piece): \(a) vs \(b)")
            default: Issue.record("piece \(piece): \(whole) vs \(split)")
            }
        }
        return whole
    }

    static func expectParsed(
        _ raw: String, _ expected: Parsed, head: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        switch check(raw, head: head) {
        case .success(let parsed): #expect(parsed == expected, sourceLocation: sourceLocation)
        case .failure(let error): Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }

    static func expectError(
        _ raw: String, _ kind: HTTPClientError.Kind, limits: HTTPResponseParser.Limits = limits,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        switch check(raw, limits: limits) {
        case .success(let parsed): Issue.record("expected \(kind), parsed \(parsed)", sourceLocation: sourceLocation)
        case .failure(let error): #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("Content-Length, chunked, close-delimited")
    func framing() {
        Self.expectParsed(
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloIGNORED",
            Parsed(status: 200, body: "hello", headers: ["Content-Length=5"]))
        Self.expectParsed(
            "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc",
            Parsed(status: 200, body: "abc", headers: ["Content-Length=3, 3", "Content-Length=3"]))
        Self.expectParsed(
            "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4;a=b\r\nwiki\r\n5 \r\npedia\r\n0\r\nX-Sum: 9\r\n\r\n",
            Parsed(status: 201, body: "wikipedia", headers: ["Transfer-Encoding=chunked"], trailers: ["X-Sum=9"]))
        Self.expectParsed(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n2\r\nok\r\n0\r\n\r\n",
            Parsed(status: 200, body: "ok", headers: ["Transfer-Encoding=chunked", "Content-Length=99"]))
        Self.expectParsed(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw bytes",
            Parsed(status: 200, body: "raw bytes", headers: ["Transfer-Encoding=gzip"]))
        Self.expectParsed("HTTP/1.0 200 OK\r\n\r\nuntil close", Parsed(status: 200, body: "until close"))
        Self.expectParsed(
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", Parsed(status: 200, body: "", headers: ["Content-Length=0"])
        )
    }

    @Test("responses without a body: HEAD, 204, 304; 1xx skipped")
    func bodyless() {
        Self.expectParsed(
            "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n",
            Parsed(status: 200, body: "", headers: ["Content-Length=50"]),
            head: true)
        Self.expectParsed(
            "HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\njunk",
            Parsed(status: 204, body: "", headers: ["Content-Length=4"]))
        Self.expectParsed("HTTP/1.1 304 Not Modified\r\n\r\n", Parsed(status: 304, body: ""))
        Self.expectParsed(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nA: b\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
            Parsed(status: 200, body: "x", headers: ["Content-Length=1"]))
    }

    @Test("lenient where RFC 9112 asks: no reason phrase, obs-fold, odd reason text")
    func lenient() {
        Self.expectParsed(
            "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", Parsed(status: 200, body: "", headers: ["Content-Length=0"]))
        Self.expectParsed(
            "HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n", Parsed(status: 404, body: "", headers: ["Content-Length=0"]))
        Self.expectParsed(
            "HTTP/1.1 200 Okay, fine\r\nX-Long: a\r\n \t b\r\nContent-Length: 0\r\n\r\n",
            Parsed(status: 200, body: "", headers: ["X-Long=a b", "Content-Length=0"]))
        Self.expectParsed(
            "HTTP/1.1 599 Custom\r\nContent-Length: 0\r\n\r\n",
            Parsed(status: 599, body: "", headers: ["Content-Length=0"]))
    }

    @Test("body limit: truncate or refuse")
    func bodyLimit() {
        let big = String(repeating: "b", count: 40)
        Self.expectParsed(
            "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n\(big)",
            Parsed(status: 200, body: String(big.prefix(16)), truncated: true, headers: ["Content-Length=40"]))
        Self.expectParsed(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n28\r\n\(big)\r\n0\r\n\r\n",
            Parsed(status: 200, body: String(big.prefix(16)), truncated: true, headers: ["Transfer-Encoding=chunked"]))
        Self.expectParsed(
            "HTTP/1.1 200 OK\r\n\r\n\(big)", Parsed(status: 200, body: String(big.prefix(16)), truncated: true))
        Self.expectParsed(
            "HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n\(big.prefix(16))",
            Parsed(status: 200, body: String(big.prefix(16)), headers: ["Content-Length=16"]))
        var refusing = Self.limits
        refusing.truncatesBody = false
        Self.expectError("HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n", .responseTooLarge, limits: refusing)
        Self.expectError(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n28\r\n\(big)\r\n0\r\n\r\n", .responseTooLarge,
            limits: refusing)
        Self.expectError("HTTP/1.1 200 OK\r\n\r\n\(big)", .responseTooLarge, limits: refusing)
    }

    @Test(
        "malformed responses",
        arguments: [
            "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 0\n\n",
            "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", "HTTP/2.0 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n",
            "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 099 Low\r\n\r\n", "HTTP/1.1 600 High\r\n\r\n",
            "HTTP/1.1 200OK\r\n\r\n", "http/1.1 200 OK\r\n\r\n", " HTTP/1.1 200 OK\r\n\r\n",
            "\r\nHTTP/1.1 200 OK\r\n\r\n",
            "HTTP/1.1 200 OK\u{1}\r\n\r\n", "HTTP/1.1 200 OK\r\n Folded: first\r\n\r\n",
            "HTTP/1.1 200 OK\r\nName : value\r\n\r\n", "HTTP/1.1 200 OK\r\n: value\r\n\r\n",
            "HTTP/1.1 200 OK\r\nNa(me: value\r\n\r\n", "HTTP/1.1 200 OK\r\nA: b\u{0}c\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nab", "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\na",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 1,\r\n\r\na",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: ,\r\n\r\n",
            "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nx\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1 x\r\na\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naX\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\rX0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n",
            "HTTP/1.1 101 Switching Protocols\r\n\r\n",
        ])
    func malformed(_ raw: String) {
        Self.expectError(raw, .malformedResponse)
    }

    @Test("more than eight 1xx responses")
    func endlessInformational() {
        Self.expectError(
            String(repeating: "HTTP/1.1 100 Continue\r\n\r\n", count: 9) + "HTTP/1.1 200 OK\r\n\r\n", .malformedResponse
        )
    }

    @Test("head limits")
    func headLimits() {
        let manyFields = (0..<11).map { "F\($0): v\r\n" }.joined()
        Self.expectError("HTTP/1.1 200 OK\r\n\(manyFields)\r\n", .responseTooLarge)
        Self.expectError("HTTP/1.1 200 OK\r\nX: \(String(repeating: "v", count: 1100))\r\n\r\n", .responseTooLarge)
        // An incomplete line is refused as soon as it cannot fit, before the server finishes it.
        Self.expectError("HTTP/1.1 200 OK\r\nX: \(String(repeating: "v", count: 1100))", .responseTooLarge)
        let manyTrailers = (0..<11).map { "T\($0): v\r\n" }.joined()
        Self.expectError(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\(manyTrailers)\r\n", .responseTooLarge)
        Self.expectError(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\(String(repeating: "0", count: 5000))1\r\n",
            .malformedResponse)
    }

    @Test("end of stream before the response is complete")
    func prematureEnd() {
        for raw in [
            "", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n",
            "HTTP/1.1 100 Continue\r\n\r\n",
        ] {
            Self.expectError(raw, .connectionClosed)
        }
    }
}
