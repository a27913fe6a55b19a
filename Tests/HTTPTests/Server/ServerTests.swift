import Foundation
import HTTP
import Telemetry
import TestSupport
import Testing

@Suite("HTTP server over sockets")
struct ServerTests {
    struct Boom: Error, CustomStringConvertible {
        var description: String { "secret stack detail at Handler.swift:42" }
    }

    static let echo = ClosureResponder { request in
        switch request.path {
        case "/throw":
            throw Boom()
        case "/big":
            return HTTPResponse(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: Self.bigBody)
        case "/frame":
            // Framing from a handler is replaced by the server's own.
            return HTTPResponse(
                status: .ok,
                headers: [
                    "Content-Length": "999", "Transfer-Encoding": "chunked", "Connection": "keep-alive",
                    "X-Bad": "a\r\nInjected: yes", "Content-Type": "text/plain",
                ], body: Array("framed".utf8))
        case "/close":
            return HTTPResponse(status: .ok, headers: ["Connection": "close"], body: Array("bye".utf8))
        case "/nocontent":
            return HTTPResponse(status: .noContent, body: Array("ignored".utf8))
        default:
            var headers: HTTPHeaders = ["Content-Type": "text/plain", "X-Path": request.path]
            headers.add("X-Method", request.method.rawValue)
            headers.add("X-Remote", request.remoteAddress)
            if let trailer = request.trailers["x-checksum"] { headers.add("X-Trailer", trailer) }
            let body = request.method == .post || request.method == .put ? request.body : Array("hello".utf8)
            return HTTPResponse(status: .ok, headers: headers, body: body)
        }
    }

    static let bigBody: [UInt8] = (0..<(6 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }

    @Test("keep-alive: several requests on one connection, with Date and Content-Length")
    func keepAlive() async throws {
        try await withTestServer(responder: Self.echo) { port in
            let responses = try await onThread { () -> [TestResponse] in
                let socket = try TestSocket(port: port)
                return try (0..<5).map { index in
                    try socket.send("GET /k/\(index) HTTP/1.1\r\nHost: t\r\n\r\n")
                    return try #require(try socket.readResponse())
                }
            }
            for (index, response) in responses.enumerated() {
                #expect(response.status == 200)
                #expect(response.header("X-Path") == "/k/\(index)")
                #expect(response.header("X-Remote") == "127.0.0.1")
                #expect(response.bodyText == "hello")
                #expect(response.header("Content-Length") == "5")
                #expect(response.header("Date")?.hasSuffix(" GMT") == true)
                #expect(response.header("Connection") == nil)
            }
        }
    }

    @Test("pipelined requests are answered in order, sent in one write or byte by byte")
    func pipelining() async throws {
        try await withTestServer(responder: Self.echo) { port in
            let requests =
                (0..<20).map { "GET /p/\($0) HTTP/1.1\r\nHost: t\r\n\r\n" }.joined()
                + "POST /p/post HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nbody"
                + "GET /p/last HTTP/1.1\r\nHost: t\r\n\r\n"
            let (all, trickled) = try await onThread { () -> ([String?], [String?]) in
                let socket = try TestSocket(port: port)
                try socket.send(requests)
                let all = try (0..<22).map { _ in try socket.readResponse()?.header("X-Path") }
                let slow = try TestSocket(port: port)
                for byte in Array(requests.utf8) { try slow.send([byte]) }
                let trickled = try (0..<22).map { _ in try slow.readResponse()?.header("X-Path") }
                return (all, trickled)
            }
            let expected: [String?] = (0..<20).map { "/p/\($0)" } + ["/p/post", "/p/last"]
            #expect(all == expected)
            #expect(trickled == expected)
        }
    }

    @Test("Expect: 100-continue gets 100 before the body, and the final answer after it")
    func expectContinue() async throws {
        try await withTestServer(responder: Self.echo) { port in
            let (interim, final) = try await onThread { () -> (TestResponse?, TestResponse?) in
                let socket = try TestSocket(port: port)
                try socket.send("POST /c HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
                let interim = try socket.readResponse()
                try socket.send("hello")
                return (interim, try socket.readResponse())
            }
            #expect(interim?.status == 100)
            #expect(final?.status == 200)
            #expect(final?.bodyText == "hello")
        }
    }

    @Test("no 100 Continue when the body is refused (413) or already sent; 417 for other expectations")
    func expectRefusals() async throws {
        let configuration = HTTPServer.Configuration.testing { $0.limits.maxBodyBytes = 10 }
        try await withTestServer(configuration: configuration, responder: Self.echo) { port in
            let statuses = try await onThread { () -> [Int?] in
                let tooBig = try TestSocket(port: port)
                try tooBig.send("POST / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 50\r\n\r\n")
                let first = try tooBig.readResponse()?.status
                let eager = try TestSocket(port: port)
                try eager.send("POST / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi")
                let second = try eager.readResponse()?.status
                let odd = try TestSocket(port: port)
                try odd.send("POST / HTTP/1.1\r\nHost: t\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\nhi")
                let third = try odd.readResponse()?.status
                return [first, second, third, odd.waitForClose() ? 0 : 1]
            }
            #expect(statuses == [413, 200, 417, 0])
        }
    }

    @Test("HEAD: same Content-Length as GET, no body, connection stays usable")
    func head() async throws {
        try await withTestServer(responder: Self.echo) { port in
            let (head, next) = try await onThread { () -> (TestResponse?, TestResponse?) in
                let socket = try TestSocket(port: port)
                try socket.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\nGET /after HTTP/1.1\r\nHost: t\r\n\r\n")
                let head = try socket.readResponse(isHead: true)
                return (head, try socket.readResponse())
            }
            #expect(head?.status == 200)
            #expect(head?.header("Content-Length") == "5")
            #expect(head?.body.isEmpty == true)
            // Had a body followed the HEAD response, this would have read "hello" as a status line.
            #expect(next?.header("X-Path") == "/after")
        }
    }

    @Test("Connection: close from the client or the handler closes after the response")
    func connectionClose() async throws {
        try await withTestServer(responder: Self.echo) { port in
            let results = try await onThread { () -> [(String?, Bool)] in
                let client = try TestSocket(port: port)
                try client.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                let first = try client.readResponse()?.header("Connection")
                let handler = try TestSocket(port: port)
                try handler.send("GET /close HTTP/1.1\r\nHost: t\r\n\r\n")
                let second = try handler.readResponse()?.header("Connection")
                return [(first, client.waitForClose()), (second, handler.waitForClose())]
            }
            #expect(results.map(\.0) == ["close", "close"])
            #expect(results.map(\.1) == [true, true])
        }
    }

    @Test("HTTP/1.0: closes by default, keeps alive when asked")
    func http10() async throws {
        try await withTestServer(responder: Self.echo) { port in
            let results = try await onThread { () -> [String?] in
                let plain = try TestSocket(port: port)
                try plain.send("GET /old HTTP/1.0\r\n\r\n")
                let first = try plain.readResponse()
                let closed = plain.waitForClose()
                let kept = try TestSocket(port: port)
                try kept.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let second = try kept.readResponse()
                try kept.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let third = try kept.readResponse()
                return [
                    first?.header("Connection"), closed ? "closed" : "open", second?.header("Connection"),
                    third?.header("X-Path"),
                ]
            }
            #expect(results == ["close", "closed", "keep-alive", "/b"])
        }
    }

    @Test("framing headers from handlers are replaced, invalid fields dropped, 204 has no body")
    func framingIsTheServers() async throws {
        try await withTestServer(responder: Self.echo) { port in
            let (framed, noContent, after) = try await onThread { () -> (TestResponse?, TestResponse?, TestResponse?) in
                let socket = try TestSocket(port: port)
                try socket.send("GET /frame HTTP/1.1\r\nHost: t\r\n\r\n")
                let framed = try socket.readResponse()
                try socket.send("GET /nocontent HTTP/1.1\r\nHost: t\r\n\r\nGET /x HTTP/1.1\r\nHost: t\r\n\r\n")
                return (framed, try socket.readResponse(), try socket.readResponse())
            }
            #expect(framed?.header("Content-Length") == "6")
            #expect(framed?.header("Transfer-Encoding") == nil)
            #expect(framed?.header("X-Bad") == nil)
            #expect(framed?.header("Injected") == nil)
            #expect(framed?.bodyText == "framed")
            #expect(noContent?.status == 204)
            #expect(noContent?.header("Content-Length") == nil)
            #expect(after?.header("X-Path") == "/x")
        }
    }

    @Test("a throwing handler gets a JSON 500 with a request id, logged, without details")
    func handlerThrows() async throws {
        let logs = InMemoryLogHandler()
        let logger = Logger(label: "test", handler: logs)
        try await withTestServer(responder: Self.echo, logger: logger) { port in
            let (response, next) = try await onThread { () -> (TestResponse?, TestResponse?) in
                let socket = try TestSocket(port: port)
                try socket.send("GET /throw HTTP/1.1\r\nHost: t\r\n\r\n")
                let response = try socket.readResponse()
                try socket.send("GET /fine HTTP/1.1\r\nHost: t\r\n\r\n")
                return (response, try socket.readResponse())
            }
            let unwrapped = try #require(response)
            #expect(unwrapped.status == 500)
            #expect(unwrapped.header("Content-Type") == "application/json")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(unwrapped.body)) as? [String: Any])
            let error = try #require(json["error"] as? [String: Any])
            #expect(error["code"] as? String == "internal_error")
            let requestID = try #require(error["request_id"] as? String)
            #expect(requestID.count == 32)
            #expect(unwrapped.header("X-Request-Id") == requestID)
            #expect(!unwrapped.bodyText.contains("secret"))
            #expect(next?.status == 200)
            let record = try #require(logs.records.first { $0.level == .error })
            #expect(record.metadata["request_id"] == requestID)
            #expect(record.metadata["error"]?.contains("secret stack detail") == true)
        }
    }

    @Test("large responses and uploads cross full socket buffers intact")
    func largeBodies() async throws {
        let configuration = HTTPServer.Configuration.testing { $0.limits.maxBodyBytes = 8 * 1024 * 1024 }
        try await withTestServer(configuration: configuration, responder: Self.echo) { port in
            let upload = Array(Self.bigBody.prefix(3 * 1024 * 1024))
            let (big, echoed, chunkedEcho) = try await onThread { () -> ([UInt8]?, [UInt8]?, TestResponse?) in
                let socket = try TestSocket(port: port)
                try socket.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n")
                let big = try socket.readResponse()?.body
                try socket.send(
                    Array("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: \(upload.count)\r\n\r\n".utf8) + upload)
                let echoed = try socket.readResponse()?.body
                var chunked = Array("POST /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
                var offset = 0
                while offset < upload.count {
                    let size = min(70_000, upload.count - offset)
                    chunked +=
                        Array("\(String(size, radix: 16));ext=1\r\n".utf8) + upload[offset..<(offset + size)] + [
                            13, 10,
                        ]
                    offset += size
                }
                chunked += Array("0\r\nX-Checksum: done\r\n\r\n".utf8)
                try socket.send(chunked)
                return (big, echoed, try socket.readResponse())
            }
            #expect(big == Self.bigBody)
            #expect(echoed == upload)
            #expect(chunkedEcho?.body == upload)
            #expect(chunkedEcho?.header("X-Trailer") == "done")
        }
    }

    @Test("a client that half-closes after its request still gets the response")
    func halfClose() async throws {
        try await withTestServer(responder: Self.echo) { port in
            let status = try await onThread { () -> Int? in
                let socket = try TestSocket(port: port)
                try socket.send("GET /half HTTP/1.1\r\nHost: t\r\n\r\n")
                socket.shutdownWrite()
                return try socket.readResponse()?.status
            }
            #expect(status == 200)
        }
    }
}
