#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import HTTP
import TestSupport
import Testing

@Suite("HTTP client")
struct HTTPClientTests {
    /// Echoes what it received, so tests can see what the client sent.
    static let echo = ClosureResponder { request in
        var headers: HTTPHeaders = ["Content-Type": "text/plain"]
        headers.add("X-Method", request.method.rawValue)
        headers.add("X-Target", request.target)
        headers.add("X-Host", request.headers["Host"] ?? "")
        headers.add("X-Signature", request.headers["Webhook-Signature"] ?? "")
        headers.add("X-User-Agent", request.headers["User-Agent"] ?? "")
        headers.add("X-Content-Length", request.headers["Content-Length"] ?? "none")
        switch request.path {
        case "/large":
            return HTTPResponse(status: .ok, headers: headers, body: [UInt8](repeating: 0x78, count: 100_000))
        case "/empty": return HTTPResponse(status: .noContent)
        case "/created": return HTTPResponse(status: .created, headers: headers, body: request.body)
        default: return HTTPResponse(status: .ok, headers: headers, body: request.body)
        }
    }

    // MARK: Round trips against the project's own server

    @Test("GET round trip: status, headers, body, elapsed time and peer address")
    func getRoundTrip() async throws {
        try await withTestServer(responder: Self.echo) { port in
            let client = localClient()
            var headers = HTTPHeaders()
            headers.add("Webhook-Signature", "v1,c2lnbmF0dXJl")
            let response = try await client.send(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/hooks/a?x=1&y=%20#fragment", headers: headers))
            #expect(response.status.code == 200)
            #expect(response.status.reason == "OK")
            #expect(response.version == .http1_1)
            #expect(response.headers["X-Method"] == "GET")
            #expect(response.headers["X-Target"] == "/hooks/a?x=1&y=%20")
            #expect(response.headers["X-Host"] == "127.0.0.1:\(port)")
            #expect(response.headers["X-Signature"] == "v1,c2lnbmF0dXJl")
            #expect(response.headers["X-User-Agent"] == "Countersign")
            #expect(response.headers["X-Content-Length"] == "none")
            #expect(response.body.isEmpty)
            #expect(!response.isBodyTruncated)
            #expect(response.elapsed > .zero)
            #expect(response.remoteAddress == "127.0.0.1:\(port)")
        }
    }

    @Test("POST round trip, including a body larger than one socket write")
    func postRoundTrip() async throws {
        try await withTestServer(responder: Self.echo) { port in
            let client = localClient { $0.limits.maxBodyBytes = 2 * 1024 * 1024 }
            let payload = Array(#"{"type":"invoice.paid","id":"evt_1"}"#.utf8)
            let small = try await client.send(
                HTTPClientRequest(method: .post, url: "http://127.0.0.1:\(port)/created", body: payload))
            #expect(small.status == .created)
            #expect(small.body == payload)
            #expect(small.headers["X-Content-Length"] == String(payload.count))

            let big = (0..<(1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let large = try await client.send(
                HTTPClientRequest(method: .put, url: "http://127.0.0.1:\(port)/", body: big))
            #expect(large.body == big)

            let empty = try await client.send(HTTPClientRequest(method: .post, url: "http://127.0.0.1:\(port)/"))
            #expect(empty.headers["X-Content-Length"] == "0")
        }
    }

    @Test("a response sent before the upload was read is still returned")
    func earlyResponse() async throws {
        let configuration = HTTPServer.Configuration.testing { $0.limits.maxBodyBytes = 1024 }
        try await withTestServer(configuration: configuration, responder: Self.echo) { port in
            let upload = [UInt8](repeating: 0x41, count: 4 * 1024 * 1024)
            let response = try await localClient().send(
                HTTPClientRequest(method: .post, url: "http://127.0.0.1:\(port)/", body: upload))
            #expect(response.status.code == 413)
        }
    }

    @Test("HEAD and 204 responses have no body, whatever their headers say")
    func bodylessResponses() async throws {
        try await withTestServer(responder: Self.echo) { port in
            let client = localClient()
            let head = try await client.send(HTTPClientRequest(method: .head, url: "http://127.0.0.1:\(port)/large"))
            #expect(head.status.code == 200)
            #expect(head.headers["Content-Length"] == "100000")
            #expect(head.body.isEmpty)
            let noContent = try await client.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/empty"))
            #expect(noContent.status == .noContent)
            #expect(noContent.body.isEmpty)
        }
    }

    @Test("a body past the limit is truncated by default, or refused when configured")
    func bodyLimit() async throws {
        try await withTestServer(responder: Self.echo) { port in
            let truncated = try await localClient().send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/large"))
            #expect(truncated.status.code == 200)
            #expect(truncated.body.count == 64 * 1024)
            #expect(truncated.isBodyTruncated)
            #expect(truncated.body.allSatisfy { $0 == 0x78 })

            let strict = localClient { $0.limits.oversizedBody = .fail }
            let error = await expectFailure(strict, HTTPClientRequest(url: "http://127.0.0.1:\(port)/large"))
            #expect(error?.kind == .responseTooLarge)

            let exact = localClient { $0.limits.maxBodyBytes = 100_000 }
            let whole = try await exact.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/large"))
            #expect(whole.body.count == 100_000)
            #expect(!whole.isBodyTruncated)
        }
    }

    // MARK: Framing from scripted servers

    @Test("chunked response with extensions and trailers")
    func chunkedResponse() async throws {
        let script: @Sendable (ScriptedConnection) -> Void = { connection in
            connection.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            connection.send("5;name=value\r\nhello\r\n")
            connection.send("1\r\n \r\n6\r\nworld!\r\n0\r\nChecksum: abc\r\n\r\n")
            connection.waitForClientClose()
        }
        try await withScriptedServer(script) { port, log in
            let response = try await localClient().send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/"))
            #expect(String(decoding: response.body, as: UTF8.self) == "hello world!")
            #expect(response.trailers["Checksum"] == "abc")
            #expect(!response.isBodyTruncated)
        }
    }

    @Test("a close-delimited body ends when the server closes")
    func closeDelimitedResponse() async throws {
        let script: @Sendable (ScriptedConnection) -> Void = { connection in
            connection.send("HTTP/1.0 202 Accepted\r\nContent-Type: text/plain\r\n\r\nqueued")
            connection.send(" for delivery")
        }
        try await withScriptedServer(script) { port, _ in
            let response = try await localClient().send(
                HTTPClientRequest(method: .post, url: "http://127.0.0.1:\(port)/", body: [1]))
            #expect(response.status.code == 202)
            #expect(response.version == .http1_0)
            #expect(String(decoding: response.body, as: UTF8.self) == "queued for delivery")
        }
    }

    @Test("1xx responses are skipped")
    func informationalSkipped() async throws {
        let script: @Sendable (ScriptedConnection) -> Void = { connection in
            connection.send("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n")
            connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            connection.waitForClientClose()
        }
        try await withScriptedServer(script) { port, _ in
            let response = try await localClient().send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/"))
            #expect(response.status.code == 200)
            #expect(response.headers["Link"] == nil)
            #expect(response.body == Array("ok".utf8))
        }
    }

    @Test("the request on the wire: origin-form target, Host, framing, Connection: close")
    func requestOnTheWire() async throws {
        let script: @Sendable (ScriptedConnection) -> Void = { connection in
            connection.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        }
        try await withScriptedServer(script) { port, log in
            var headers = HTTPHeaders()
            headers.add("Webhook-Id", "msg_1")
            headers.add("User-Agent", "Tenant-Test/1")
            _ = try await localClient().send(
                HTTPClientRequest(
                    method: .post, url: "http://127.0.0.1:\(port)/in?a=b", headers: headers, body: Array("{}".utf8)))
            #expect(
                log.request
                    == "POST /in?a=b HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nWebhook-Id: msg_1\r\nUser-Agent: Tenant-Test/1\r\n"
                    + "Content-Length: 2\r\nConnection: close\r\n\r\n{}")
        }
    }

    @Test("an IPv6 literal host connects over IPv6")
    func ipv6Literal() async throws {
        let script: @Sendable (ScriptedConnection) -> Void = { connection in
            connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nv6")
        }
        try await withScriptedServer(host: "::1", script) { port, log in
            let response = try await localClient().send(HTTPClientRequest(url: "http://[::1]:\(port)/"))
            #expect(response.body == Array("v6".utf8))
            #expect(response.remoteAddress == "[::1]:\(port)")
            #expect(log.request.contains("Host: [::1]:\(port)\r\n"))
        }
    }

    @Test("a host name resolves with getaddrinfo")
    func resolvesName() async throws {
        try await withTestServer(responder: Self.echo) { port in
            let response = try await localClient().send(HTTPClientRequest(url: "http://localhost:\(port)/"))
            #expect(response.status.code == 200)
            #expect(response.headers["X-Host"] == "localhost:\(port)")
        }
    }

    struct MalformedCase: Sendable, CustomTestStringConvertible {
        var name: String
        var raw: String
        var kind: HTTPClientError.Kind
        var testDescription: String { name }
    }

    @Test(
        "malformed responses are refused with a typed error",
        arguments: [
            MalformedCase(name: "bare LF", raw: "HTTP/1.1 200 OK\nContent-Length: 0\n\n", kind: .malformedResponse),
            MalformedCase(name: "HTTP/2 status line", raw: "HTTP/2 200 OK\r\n\r\n", kind: .malformedResponse),
            MalformedCase(name: "not HTTP", raw: "SSH-2.0-OpenSSH_9.6\r\n", kind: .malformedResponse),
            MalformedCase(
                name: "conflicting Content-Length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nabc",
                kind: .malformedResponse),
            MalformedCase(
                name: "space in a name", raw: "HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n", kind: .malformedResponse),
            MalformedCase(
                name: "bad chunk size", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                kind: .malformedResponse),
            MalformedCase(
                name: "unrequested 101", raw: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
                kind: .malformedResponse),
            MalformedCase(
                name: "short body", raw: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", kind: .connectionClosed),
            MalformedCase(name: "cut head", raw: "HTTP/1.1 200 OK\r\nContent-Le", kind: .connectionClosed),
            MalformedCase(name: "no response", raw: "", kind: .connectionClosed),
            MalformedCase(
                name: "40 KB header", raw: "HTTP/1.1 200 OK\r\nX: \(String(repeating: "a", count: 40_000))\r\n\r\n",
                kind: .responseTooLarge),
        ])
    func malformed(_ test: MalformedCase) async throws {
        let raw = test.raw
        let script: @Sendable (ScriptedConnection) -> Void = { connection in connection.send(raw) }
        try await withScriptedServer(script) { port, _ in
            let error = await expectFailure(localClient(), HTTPClientRequest(url: "http://127.0.0.1:\(port)/"))
            #expect(error?.kind == test.kind, "\(String(describing: error))")
        }
    }

    // MARK: Time limits and cancellation

    @Test("a server that never answers: read timeout")
    func readTimeout() async throws {
        let script: @Sendable (ScriptedConnection) -> Void = { $0.waitForClientClose() }
        try await withScriptedServer(script) { port, _ in
            let client = localClient {
                $0.timeouts = .init(connect: .seconds(5), read: .milliseconds(200), total: .seconds(30))
            }
            let error = await expectFailure(client, HTTPClientRequest(url: "http://127.0.0.1:\(port)/"))
            #expect(error?.kind == .timeout)
            #expect(error?.message.contains("no progress") == true, "\(String(describing: error))")
        }
    }

    @Test("a server that stalls inside the body: overall deadline")
    func totalDeadline() async throws {
        let script: @Sendable (ScriptedConnection) -> Void = { connection in
            connection.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
            connection.waitForClientClose()
        }
        try await withScriptedServer(script) { port, _ in
            let client = localClient {
                $0.timeouts = .init(connect: .seconds(5), read: .seconds(30), total: .milliseconds(300))
            }
            let error = await expectFailure(client, HTTPClientRequest(url: "http://127.0.0.1:\(port)/"))
            #expect(error?.kind == .timeout)
            #expect(error?.message.contains("deadline") == true, "\(String(describing: error))")
        }
    }

    @Test("cancelling the task closes the connection and throws cancelled")
    func cancellation() async throws {
        let (arrivals, arrived) = AsyncStream<Void>.makeStream()
        let script: @Sendable (ScriptedConnection) -> Void = { connection in
            arrived.yield()
            connection.waitForClientClose()
        }
        try await withScriptedServer(script) { port, _ in
            let client = localClient {
                $0.timeouts = .init(connect: .seconds(30), read: .seconds(30), total: .seconds(30))
            }
            let task = Task { await expectFailure(client, HTTPClientRequest(url: "http://127.0.0.1:\(port)/")) }
            for await _ in arrivals { break }
            task.cancel()
            let error = await task.value
            #expect(error?.kind == .cancelled)
        }
    }

    // MARK: Connection failures and refusals

    @Test("connection refused")
    func connectionRefused() async throws {
        // A bound socket that is not listening: its port refuses connections and no one else can take it.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try #require(
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
                }
            })
        let port = Int(UInt16(bigEndian: address.sin_port))
        var headers = HTTPHeaders()
        headers.add("Webhook-Signature", "v1,TOP-SECRET-SIGNATURE")
        let error = await expectFailure(
            localClient(),
            HTTPClientRequest(url: "http://127.0.0.1:\(port)/hook?token=TOP-SECRET-TOKEN", headers: headers))
        #expect(error?.kind == .connectFailed)
        #expect(error?.code == "connect_failed")
        #expect(error?.systemError == ECONNREFUSED)
        #expect(error?.message.contains("connection refused") == true)
        // Neither header values nor the URL's path and query appear in what may be shown or logged.
        #expect(error.map { !"\($0) \($0.message)".contains("TOP-SECRET") } == true)
    }

    @Test("a name that does not resolve")
    func resolutionFailure() async throws {
        let error = await expectFailure(localClient(), HTTPClientRequest(url: "http://nonexistent.invalid/"))
        // `.invalid` never resolves (RFC 6761); a host without a reachable resolver may only time out.
        #expect(error?.kind == .resolutionFailed || error?.kind == .timeout, "\(String(describing: error))")
    }

    @Test(
        "private, loopback, link-local and mapped addresses are refused before connecting",
        arguments: [
            "http://127.0.0.1:PORT/", "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/",
            "http://[::1]:PORT/", "http://[::ffff:127.0.0.1]:PORT/", "http://localhost:PORT/", "http://192.168.0.1/",
            "http://172.16.5.4/", "http://100.64.0.1/", "http://0.0.0.0:PORT/", "http://[fd00::1]/",
            "http://[fe80::1]/",
            "https://224.0.0.1/",
        ])
    func ssrfRefused(_ template: String) async throws {
        let script: @Sendable (ScriptedConnection) -> Void = { $0.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") }
        try await withScriptedServer(script) { port, log in
            let client = HTTPClient()  // allowPrivateNetworks is false by default
            let url = template.replacingOccurrences(of: "PORT", with: String(port))
            let error = await expectFailure(client, HTTPClientRequest(url: url))
            #expect(error?.kind == .blockedAddress, "\(url): \(String(describing: error))")
            #expect(error?.httpStatus == 422)
            #expect(log.acceptedConnections == 0)
        }
    }

    @Test("invalid requests are refused without echoing header values")
    func invalidRequests() async throws {
        let client = localClient()
        for (name, value) in [
            ("Content-Length", "5"), ("Transfer-Encoding", "chunked"), ("Host", "evil.example"),
            ("Connection", "keep-alive"),
            ("X-Bad", "a\r\nInjected: SECRET-VALUE"), ("Bad Name", "x"), ("X-Nul", "a\u{0}b"),
        ] {
            var headers = HTTPHeaders()
            headers.add(name, value)
            let error = await expectFailure(client, HTTPClientRequest(url: "http://127.0.0.1:1/", headers: headers))
            #expect(error?.kind == .invalidRequest, "\(name)")
            #expect(error.map { !$0.message.contains("SECRET") } == true)
        }
        let connect = await expectFailure(
            client, HTTPClientRequest(method: HTTPMethod("CONNECT"), url: "http://127.0.0.1:1/"))
        #expect(connect?.kind == .invalidRequest)
        let url = await expectFailure(client, HTTPClientRequest(url: "ftp://example.com/"))
        #expect(url?.kind == .invalidURL)
    }
}
