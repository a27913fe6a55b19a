import HTTP
import Testing

@Suite("Request parser")
struct ParserTests {
    // MARK: Accepted requests

    @Test("simple GET parses with path, query, headers, keep-alive")
    func simpleGet() throws {
        for chunk in [nil, 1, 3, 7] as [Int?] {
            let outcome = parseRequests(
                "GET /a/b?x=1&y=two+words&z=%2F HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n", chunkSize: chunk)
            #expect(outcome.error == nil)
            let (request, keepAlive) = try #require(outcome.requests.first)
            #expect(request.method == .get)
            #expect(request.target == "/a/b?x=1&y=two+words&z=%2F")
            #expect(request.path == "/a/b")
            #expect(request.query.map(\.name) == ["x", "y", "z"])
            #expect(request.query.map(\.value) == ["1", "two words", "/"])
            #expect(request.version == .http1_1)
            #expect(request.headers["host"] == "example.com")
            #expect(request.headers["ACCEPT"] == "*/*")
            #expect(request.body.isEmpty)
            #expect(keepAlive)
            #expect(outcome.leftover == 0)
        }
    }

    @Test("repeated header fields are kept in order and names compare case-insensitively")
    func repeatedHeaders() throws {
        let outcome = parseRequests(
            "GET / HTTP/1.1\r\nHost: h\r\nX-Tag: one\r\nx-tag: two\r\nX-TAG:three\r\nEmpty:\r\n\r\n")
        let request = try #require(outcome.requests.first?.request)
        #expect(request.headers.values("X-Tag") == ["one", "two", "three"])
        #expect(request.headers["empty"] == "")
        #expect(request.headers.count == 5)
    }

    @Test("case-insensitive comparison folds ASCII letters only")
    func caseInsensitiveEquality() {
        #expect("Webhook-Signature".caseInsensitiveEquals("webhook-signature"))
        #expect("CONTENT-LENGTH".caseInsensitiveEquals("content-length"))
        #expect("".caseInsensitiveEquals(""))
        #expect(!"content-length".caseInsensitiveEquals("content-lengtH "))
        #expect(!"x-a".caseInsensitiveEquals("x-b"))
        // '@' (0x40) and '`' (0x60) differ by the case bit but are not letters; nor are '[' and '{'.
        #expect(!"@".caseInsensitiveEquals("`"))
        #expect(!"[".caseInsensitiveEquals("{"))
        // Non-ASCII compares byte for byte: no Unicode case folding.
        #expect("é".caseInsensitiveEquals("é"))
        #expect(!"é".caseInsensitiveEquals("É"))
    }

    @Test("field values are trimmed of optional whitespace, inner whitespace kept")
    func valueWhitespace() throws {
        let outcome = parseRequests("GET / HTTP/1.1\r\nHost: h\r\nX-A: \t a  b \t\r\n\r\n")
        #expect(try #require(outcome.requests.first).request.headers["x-a"] == "a  b")
    }

    @Test("obs-text in field values is accepted")
    func obsText() throws {
        let bytes = Array("GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf".utf8) + [0xC3, 0xA9] + Array("\r\n\r\n".utf8)
        let outcome = parseRequests(bytes)
        #expect(try #require(outcome.requests.first).request.headers["x-name"] == "café")
    }

    @Test("Content-Length body is read exactly, byte at a time too")
    func contentLengthBody() throws {
        for chunk in [nil, 1, 5] as [Int?] {
            let outcome = parseRequests(
                "POST /submit HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello worldGET", chunkSize: chunk)
            #expect(outcome.error == nil)
            #expect(outcome.heads == [false])
            let request = try #require(outcome.requests.first).request
            #expect(String(decoding: request.body, as: UTF8.self) == "hello world")
            #expect(outcome.leftover == 3)
        }
    }

    @Test("identical repeated Content-Length values are accepted")
    func repeatedIdenticalContentLength() throws {
        for header in [
            "Content-Length: 3\r\nContent-Length: 3\r\n", "Content-Length: 3, 3\r\n", "Content-Length: 003\r\n",
        ] {
            let outcome = parseRequests("POST / HTTP/1.1\r\nHost: h\r\n\(header)\r\nabc")
            #expect(outcome.error == nil, "\(header)")
            #expect(outcome.requests.first?.request.body == Array("abc".utf8))
        }
    }

    @Test("chunked body with extensions and trailers")
    func chunkedBody() throws {
        let text =
            "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n6 ; a=\"q\"\r\n world\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"
        for chunk in [nil, 1, 2, 9] as [Int?] {
            let outcome = parseRequests(text, chunkSize: chunk)
            #expect(outcome.error == nil)
            let request = try #require(outcome.requests.first).request
            #expect(String(decoding: request.body, as: UTF8.self) == "hello world")
            #expect(request.trailers["x-checksum"] == "abc")
            #expect(request.trailers.count == 2)
            #expect(request.headers["transfer-encoding"] == "chunked")
        }
    }

    @Test("chunked coding names compare case-insensitively; hex sizes in either case")
    func chunkedCase() throws {
        let outcome = parseRequests(
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: CHUNKED\r\n\r\na\r\n0123456789\r\nA\r\n0123456789\r\n0\r\n\r\n"
        )
        #expect(outcome.error == nil)
        #expect(outcome.requests.first?.request.body.count == 20)
    }

    @Test("pipelined requests come out in order")
    func pipelined() throws {
        let text =
            "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nokGET /3 HTTP/1.1\r\nHost: h\r\n\r\n"
        for chunk in [nil, 1, 4] as [Int?] {
            let outcome = parseRequests(text, chunkSize: chunk)
            #expect(outcome.requests.map(\.request.path) == ["/1", "/2", "/3"])
        }
    }

    @Test("keep-alive rules: HTTP/1.1 default on, HTTP/1.0 default off")
    func keepAliveRules() throws {
        let cases: [(String, Bool)] = [
            ("GET / HTTP/1.1\r\nHost: h\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Close\r\n\r\n", false),
            ("GET / HTTP/1.0\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
            ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
            ("GET / HTTP/1.0\r\nConnection: close\r\n\r\n", false),
        ]
        for (text, expected) in cases {
            let outcome = parseRequests(text)
            #expect(outcome.error == nil, "\(text)")
            #expect(outcome.requests.first?.keepAlive == expected, "\(text)")
        }
    }

    @Test("HTTP/1.0 needs no Host; higher 1.x minors read as 1.1")
    func versions() throws {
        #expect(parseRequests("GET / HTTP/1.0\r\n\r\n").requests.first?.request.version == .http1_0)
        #expect(parseRequests("GET / HTTP/1.2\r\nHost: h\r\n\r\n").requests.first?.request.version == .http1_1)
    }

    @Test("Expect: 100-continue is reported with the head, only when a body follows")
    func expectContinue() throws {
        let withBody = parseRequests(
            "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\nhi")
        #expect(withBody.heads == [true])
        #expect(withBody.requests.count == 1)
        let withoutBody = parseRequests("GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n")
        #expect(withoutBody.heads.isEmpty)
        #expect(withoutBody.requests.count == 1)
        // HTTP/1.0 clients cannot expect anything; the field is ignored (RFC 9110 §10.1.1).
        let old = parseRequests("POST / HTTP/1.0\r\nExpect: something\r\nContent-Length: 1\r\n\r\nx")
        #expect(old.error == nil)
        #expect(old.heads == [false])
    }

    @Test("absolute-form targets: path from the target, Host from its authority")
    func absoluteForm() throws {
        let outcome = parseRequests("GET http://api.example.com:8080/v1/x?q=1 HTTP/1.1\r\nHost: other\r\n\r\n")
        let request = try #require(outcome.requests.first).request
        #expect(request.path == "/v1/x")
        #expect(request.queryValue("q") == "1")
        #expect(request.headers.values("host") == ["api.example.com:8080"])
        let bare = parseRequests("GET HTTPS://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n")
        #expect(bare.requests.first?.request.path == "/")
    }

    @Test("asterisk-form only for OPTIONS")
    func asteriskForm() throws {
        #expect(parseRequests("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").requests.first?.request.path == "*")
        #expect(parseRequests("GET * HTTP/1.1\r\nHost: h\r\n\r\n").error?.kind == .invalidTarget)
    }

    @Test("unknown but valid method tokens are kept for the router")
    func customMethod() throws {
        #expect(
            parseRequests("PROPFIND / HTTP/1.1\r\nHost: h\r\n\r\n").requests.first?.request.method.rawValue
                == "PROPFIND")
    }

    @Test("one leading empty line before the request line is ignored")
    func leadingEmptyLine() throws {
        #expect(parseRequests("\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n").requests.count == 1)
    }

    @Test(
        "percent-decoding and dot-segment removal of paths",
        arguments: [
            ("/a%20b", "/a b"),
            ("/caf%C3%A9", "/café"),
            ("/a/./b", "/a/b"),
            ("/a/../b", "/b"),
            ("/a/%2e%2E/b", "/b"),
            ("/../../etc/passwd", "/etc/passwd"),
            ("/a/b/..", "/a/"),
            ("/a/.", "/a/"),
            ("/a//b", "/a//b"),
            ("/", "/"),
            ("/a+b", "/a+b"),
            ("/.hidden", "/.hidden"),
        ])
    func pathDecoding(target: String, expected: String) throws {
        let outcome = parseRequests("GET \(target) HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(outcome.requests.first?.request.path == expected)
    }

    @Test("query parsing: empty pairs skipped, bare names, repeated names, + as space")
    func queryParsing() throws {
        let target = try RequestTarget.parse("/p?a=1&&b&c=&a=2&d=x%3Dy%26z&e=%E2%82%AC+1")
        #expect(target.query.map(\.name) == ["a", "b", "c", "a", "d", "e"])
        #expect(target.query.map(\.value) == ["1", "", "", "2", "x=y&z", "€ 1"])
    }

    // MARK: Refused requests

    /// Every form of request smuggling or desynchronisation the parser must refuse, and why.
    static let refused: [(String, String, HTTPParserError.Kind)] = [
        (
            "CL and TE",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            .contentLengthWithTransferEncoding
        ),
        (
            "TE and CL",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
            .contentLengthWithTransferEncoding
        ),
        (
            "differing repeated CL",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
            .conflictingContentLength
        ),
        (
            "differing CL list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4, 5\r\n\r\nabcde",
            .conflictingContentLength
        ),
        (
            "CL list with empty element", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4,\r\n\r\nabcd",
            .invalidContentLength
        ),
        ("non-numeric CL", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n", .invalidContentLength),
        ("negative CL", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", .invalidContentLength),
        ("plus-signed CL", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +4\r\n\r\nabcd", .invalidContentLength),
        ("hex CL", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x4\r\n\r\nabcd", .invalidContentLength),
        ("empty CL", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n", .invalidContentLength),
        (
            "overflowing CL", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            .invalidContentLength
        ),
        ("CL with inner space", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n", .invalidContentLength),
        ("unknown coding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", .unsupportedTransferCoding),
        (
            "unknown coding before chunked",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            .unsupportedTransferCoding
        ),
        (
            "chunked not last", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
            .chunkedNotFinal
        ),
        (
            "chunked twice", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
            .chunkedNotFinal
        ),
        (
            "chunked in two fields",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            .chunkedNotFinal
        ),
        (
            "identity coding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n",
            .unsupportedTransferCoding
        ),
        (
            "chunked with parameter", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked;q=1\r\n\r\n",
            .unsupportedTransferCoding
        ),
        (
            "misspelt chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunk\r\n\r\n",
            .unsupportedTransferCoding
        ),
        (
            "chunked with vertical tab", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \u{0B}chunked\r\n\r\n",
            .invalidHeaderValue
        ),
        ("empty TE", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \r\n\r\n", .unsupportedTransferCoding),
        ("TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .transferEncodingInHTTP10),
        ("obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n", .obsoleteLineFolding),
        ("obs-fold with tab", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\tb\r\n\r\n", .obsoleteLineFolding),
        ("whitespace first header line", "GET / HTTP/1.1\r\n Host: h\r\n\r\n", .obsoleteLineFolding),
        ("space before colon", "GET / HTTP/1.1\r\nHost: h\r\nContent-Length : 5\r\n\r\n", .whitespaceBeforeColon),
        ("tab before colon", "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", .whitespaceBeforeColon),
        ("bare CR in value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n", .bareCarriageReturn),
        ("bare CR ending a line", "GET / HTTP/1.1\r\nHost: h\rX-A: b\r\n\r\n", .bareCarriageReturn),
        ("bare CR in request line", "GET /\r HTTP/1.1\r\nHost: h\r\n\r\n", .bareCarriageReturn),
        ("bare LF ending request line", "GET / HTTP/1.1\nHost: h\r\n\r\n", .bareLineFeed),
        ("bare LF ending header", "GET / HTTP/1.1\r\nHost: h\n\r\n", .bareLineFeed),
        ("bare LF ending head", "GET / HTTP/1.1\r\nHost: h\r\n\n", .bareLineFeed),
        (
            "bare LF after chunk size",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n",
            .bareLineFeed
        ),
        ("NUL in value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{0}b\r\n\r\n", .invalidHeaderValue),
        ("DEL in value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{7F}b\r\n\r\n", .invalidHeaderValue),
        ("escape in value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: \u{1B}[31m\r\n\r\n", .invalidHeaderValue),
        ("bracket in name", "GET / HTTP/1.1\r\nHost: h\r\nX[A]: a\r\n\r\n", .invalidHeaderName),
        ("empty name", "GET / HTTP/1.1\r\nHost: h\r\n: a\r\n\r\n", .invalidHeaderName),
        ("no colon", "GET / HTTP/1.1\r\nHost: h\r\nJunk\r\n\r\n", .invalidHeaderName),
        ("non-ASCII name", "GET / HTTP/1.1\r\nHost: h\r\nX-\u{E9}: a\r\n\r\n", .invalidHeaderName),
        ("missing Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", .missingHost),
        ("two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .multipleHost),
        ("Host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", .invalidHost),
        ("Host list", "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", .invalidHost),
        ("Host with path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", .invalidHost),
        ("Host with userinfo", "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", .invalidHost),
        (
            "chunk size not hex", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n",
            .invalidChunkSize
        ),
        ("empty chunk size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", .invalidChunkSize),
        (
            "negative chunk size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n",
            .invalidChunkSize
        ),
        (
            "0x chunk size",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n",
            .invalidChunkSize
        ),
        (
            "overflowing chunk size",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\n",
            .invalidChunkSize
        ),
        (
            "chunk size with trailing space only",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n",
            .invalidChunkExtension
        ),
        (
            "chunk extension with control",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\u{1}\r\nhello\r\n",
            .invalidChunkExtension
        ),
        (
            "chunk data too long",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
            .invalidChunkTerminator
        ),
        (
            "chunk data without CRLF",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n",
            .invalidChunkTerminator
        ),
        (
            "obs-fold in trailer",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-A: 1\r\n 2\r\n\r\n",
            .obsoleteLineFolding
        ),
        ("HTTP/2 request line", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", .unsupportedVersion),
        ("HTTP/0.9 version", "GET / HTTP/0.9\r\n\r\n", .unsupportedVersion),
        ("HTTP/3", "GET / HTTP/3.0\r\nHost: h\r\n\r\n", .unsupportedVersion),
        ("lowercase version", "GET / http/1.1\r\nHost: h\r\n\r\n", .invalidVersion),
        ("version with extra digits", "GET / HTTP/1.10\r\nHost: h\r\n\r\n", .invalidVersion),
        ("no version", "GET /\r\n\r\n", .invalidRequestLine),
        ("double space", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestLine),
        ("trailing space", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", .invalidVersion),
        ("tab separator", "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", .invalidMethod),
        ("method with slash", "GE/T / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidMethod),
        ("empty method", " / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidMethod),
        ("control in target", "GET /a\u{1}b HTTP/1.1\r\nHost: h\r\n\r\n", .invalidTarget),
        ("non-ASCII target", "GET /caf\u{E9} HTTP/1.1\r\nHost: h\r\n\r\n", .invalidTarget),
        ("relative target", "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", .invalidTarget),
        ("authority-form", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n", .invalidTarget),
        ("unknown scheme", "GET ftp://example.com/ HTTP/1.1\r\nHost: h\r\n\r\n", .invalidTarget),
        ("userinfo in target", "GET http://user@example.com/ HTTP/1.1\r\nHost: h\r\n\r\n", .invalidTarget),
        ("fragment in target", "GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", .invalidTarget),
        ("bad percent escape", "GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n", .invalidPercentEncoding),
        ("truncated percent escape", "GET /a%2 HTTP/1.1\r\nHost: h\r\n\r\n", .invalidPercentEncoding),
        ("encoded NUL", "GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n", .invalidPercentEncoding),
        ("invalid UTF-8 in path", "GET /a%C3%28 HTTP/1.1\r\nHost: h\r\n\r\n", .invalidPercentEncoding),
        ("bad escape in query", "GET /a?x=%G1 HTTP/1.1\r\nHost: h\r\n\r\n", .invalidPercentEncoding),
        (
            "unknown expectation", "POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx",
            .expectationFailed
        ),
        (
            "too many leading empty lines", String(repeating: "\r\n", count: 9) + "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
            .invalidRequestLine
        ),
    ]

    @Test("every smuggling and malformed form is refused, whole or byte by byte")
    func refusedForms() throws {
        for (name, text, kind) in Self.refused {
            for chunk in [nil, 1] as [Int?] {
                let outcome = parseRequests(text, chunkSize: chunk)
                #expect(outcome.error?.kind == kind, "\(name) (chunk \(String(describing: chunk)))")
                #expect(outcome.requests.isEmpty, "\(name)")
            }
        }
    }

    @Test("refusals map to the right status")
    func statuses() {
        #expect(HTTPParserError(.contentLengthWithTransferEncoding).status.code == 400)
        #expect(HTTPParserError(.unsupportedVersion).status.code == 505)
        #expect(HTTPParserError(.requestLineTooLong).status.code == 414)
        #expect(HTTPParserError(.headerSectionTooLarge).status.code == 431)
        #expect(HTTPParserError(.tooManyHeaderFields).status.code == 431)
        #expect(HTTPParserError(.contentTooLarge).status.code == 413)
        #expect(HTTPParserError(.expectationFailed).status.code == 417)
        for kind in HTTPParserError.Kind.allCases {
            let error = HTTPParserError(kind)
            #expect(!error.message.isEmpty)
            #expect([400, 413, 414, 417, 431, 505].contains(error.httpStatus))
        }
    }
}
