import Foundation
import HTTP
import TestSupport
import Testing

/// The server against clients that people actually use.
@Suite("Real clients")
struct RealClientTests {
    struct ProcessResult: Sendable {
        var status: Int32
        var output: String
        var errorOutput: String
    }

    /// Runs a program to completion with `input` on its standard input.
    static func run(_ executable: String, _ arguments: [String], input: [UInt8] = []) async throws -> ProcessResult {
        try await onThread {
            let completed = try ChildProcess.run(executable: executable, arguments: arguments, input: input)
            return ProcessResult(
                status: completed.status, output: String(decoding: completed.output, as: UTF8.self),
                errorOutput: String(decoding: completed.errorOutput, as: UTF8.self))
        }
    }

    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin", "/bin"]
        for directory in directories {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static let echo = ClosureResponder { request in
        if request.method == .post || request.method == .put {
            var body = Array("\(request.method) \(request.path) \(request.body.count) ".utf8)
            body += request.body.prefix(64)
            return HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: body)
        }
        return HTTPResponse(status: .ok, contentType: "text/plain", body: "path=\(request.path)\n")
    }

    @Test("curl: two URLs share one kept-alive connection")
    func curlKeepAlive() async throws {
        let curl = try #require(Self.executable("curl"))
        try await withTestServer(responder: Self.echo) { port in
            let result = try await Self.run(
                curl,
                [
                    "-s", "--http1.1", "-w", "connects=%{num_connects}\n", "http://127.0.0.1:\(port)/one",
                    "http://127.0.0.1:\(port)/two",
                ])
            #expect(result.status == 0)
            #expect(result.output == "path=/one\nconnects=1\npath=/two\nconnects=0\n")
        }
    }

    @Test("curl: chunked upload from standard input")
    func curlChunkedUpload() async throws {
        let curl = try #require(Self.executable("curl"))
        let payload = Array(String(repeating: "0123456789abcdef", count: 20_000).utf8)
        try await withTestServer(responder: Self.echo) { port in
            let result = try await Self.run(
                curl,
                [
                    "-s", "-v", "--http1.1", "-H", "Transfer-Encoding: chunked", "--data-binary", "@-",
                    "http://127.0.0.1:\(port)/upload",
                ], input: payload)
            #expect(result.status == 0)
            #expect(result.errorOutput.lowercased().contains("transfer-encoding: chunked"))
            #expect(result.output.hasPrefix("POST /upload \(payload.count) 0123456789abcdef"))
        }
    }

    @Test("curl: Expect: 100-continue gets its interim response before the body")
    func curlExpectContinue() async throws {
        let curl = try #require(Self.executable("curl"))
        try await withTestServer(responder: Self.echo) { port in
            let result = try await Self.run(
                curl,
                [
                    "-s", "-v", "--http1.1", "-H", "Expect: 100-continue", "--data-binary", "@-",
                    "http://127.0.0.1:\(port)/expect",
                ], input: Array("hello continue".utf8))
            #expect(result.status == 0)
            #expect(result.errorOutput.contains("HTTP/1.1 100 Continue"))
            #expect(result.output == "POST /expect 14 hello continue")
        }
    }

    @Test("curl: HEAD, and a refused request line")
    func curlHeadAndRefusal() async throws {
        let curl = try #require(Self.executable("curl"))
        try await withTestServer(responder: Self.echo) { port in
            let head = try await Self.run(curl, ["-s", "-I", "http://127.0.0.1:\(port)/h"])
            #expect(head.output.contains("HTTP/1.1 200 OK"))
            #expect(head.output.lowercased().contains("content-length: 8"))
            let bad = try await Self.run(
                curl,
                [
                    "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Transfer-Encoding: gzip", "-d", "x",
                    "http://127.0.0.1:\(port)/",
                ])
            #expect(bad.output == "400")
        }
    }

    @Test("Python http.client: keep-alive, POST, chunked body, HTTP/1.0-style close")
    func pythonClient() async throws {
        let python = try #require(Self.executable("python3"))
        let script = """
            import http.client, sys
            port = int(sys.argv[1])
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("GET", "/first?x=1")
            r = c.getresponse(); a = r.read()
            sock = c.sock
            c.request("GET", "/second")
            r2 = c.getresponse(); b = r2.read()
            assert c.sock is sock, "connection was not reused"
            c.request("POST", "/post", body=b"abc", headers={"Content-Type": "text/plain"})
            p = c.getresponse().read()
            c.request("PUT", "/chunked", body=iter([b"ab", b"cd", b"ef"]), encode_chunked=True)
            ch = c.getresponse().read()
            c.request("GET", "/bye", headers={"Connection": "close"})
            r3 = c.getresponse(); last = r3.read()
            print(r.status, a.decode().strip(), b.decode().strip(), p.decode(), ch.decode(), r3.getheader("Connection"), last.decode().strip(), sep="|")
            """
        try await withTestServer(responder: Self.echo) { port in
            let result = try await Self.run(python, ["-c", script, String(port)])
            #expect(result.status == 0, "\(result.errorOutput)")
            #expect(
                result.output.trimmingCharacters(in: .whitespacesAndNewlines)
                    == "200|path=/first|path=/second|POST /post 3 abc|PUT /chunked 6 abcdef|close|path=/bye")
        }
    }
}
