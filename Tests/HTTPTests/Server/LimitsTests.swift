import HTTP
import TestSupport
import Testing

@Suite("Limits")
struct LimitsTests {
    static let small = HTTPRequestParser.Limits(
        maxRequestLineLength: 100, maxHeaderBytes: 300, maxHeaderCount: 5, maxBodyBytes: 1000)

    // MARK: Parser

    @Test("request line: 414 when complete and when still incomplete")
    func requestLineLimit() {
        let long = "GET /" + String(repeating: "a", count: 200) + " HTTP/1.1\r\nHost: h\r\n\r\n"
        #expect(parseRequests(long, limits: Self.small).error?.kind == .requestLineTooLong)
        let incomplete = "GET /" + String(repeating: "a", count: 200)
        #expect(parseRequests(incomplete, limits: Self.small).error?.kind == .requestLineTooLong)
        let exact = "GET /" + String(repeating: "a", count: 100 - 14) + " HTTP/1.1\r\nHost: h\r\n\r\n"
        #expect(parseRequests(exact, limits: Self.small).requests.count == 1)
    }

    @Test("header section: 431 for too many bytes (complete or incomplete line) and too many fields")
    func headerLimits() {
        let big = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "b", count: 400) + "\r\n\r\n"
        #expect(parseRequests(big, limits: Self.small).error?.kind == .headerSectionTooLarge)
        let incomplete = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "b", count: 400)
        #expect(parseRequests(incomplete, limits: Self.small).error?.kind == .headerSectionTooLarge)
        let many = "GET / HTTP/1.1\r\nHost: h\r\n" + (1...5).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        #expect(parseRequests(many, limits: Self.small).error?.kind == .tooManyHeaderFields)
        let enough = "GET / HTTP/1.1\r\nHost: h\r\n" + (1...4).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        #expect(parseRequests(enough, limits: Self.small).requests.count == 1)
    }

    @Test("trailers count against the header limits too")
    func trailerLimits() {
        let text =
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
            + (1...6).map { "T-\($0): v\r\n" }.joined() + "\r\n"
        #expect(parseRequests(text, limits: Self.small).error?.kind == .tooManyHeaderFields)
    }

    @Test("body: 413 from Content-Length before any body byte; chunked as it accumulates")
    func bodyLimits() {
        let declared = parseRequests("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1001\r\n\r\n", limits: Self.small)
        #expect(declared.error?.kind == .contentTooLarge)
        let atLimit = parseRequests(
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n" + String(repeating: "x", count: 1000),
            limits: Self.small)
        #expect(atLimit.requests.first?.request.body.count == 1000)
        let chunk = "1f4\r\n" + String(repeating: "x", count: 500) + "\r\n"
        let chunked = parseRequests(
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk + "1\r\n",
            limits: Self.small)
        #expect(chunked.error?.kind == .contentTooLarge)
        let chunkedAtLimit = parseRequests(
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk + "0\r\n\r\n",
            limits: Self.small)
        #expect(chunkedAtLimit.requests.first?.request.body.count == 1000)
    }

    @Test("a chunk header line is bounded")
    func chunkLineLimit() {
        let text =
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "e", count: 5000)
        #expect(parseRequests(text).error?.kind == .chunkLineTooLong)
    }

    // MARK: Over sockets

    @Test("limits answer 414, 431 (bytes and count), 413 and close")
    func statusesOverSockets() async throws {
        let configuration = HTTPServer.Configuration.testing { $0.limits = Self.small }
        try await withTestServer(configuration: configuration, responder: constantResponder()) { port in
            let cases: [(String, Int)] = [
                ("GET /" + String(repeating: "a", count: 200) + " HTTP/1.1\r\nHost: h\r\n\r\n", 414),
                ("GET /" + String(repeating: "a", count: 5000), 414),
                ("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "b", count: 400) + "\r\n\r\n", 431),
                ("GET / HTTP/1.1\r\nHost: h\r\n" + (1...6).map { "X-\($0): v\r\n" }.joined() + "\r\n", 431),
                ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n\r\n", 413),
            ]
            let results = try await onThread { () -> [(Int?, Bool)] in
                try cases.map { text, _ in
                    let socket = try TestSocket(port: port)
                    try socket.send(text)
                    let status = try socket.readResponse()?.status
                    return (status, socket.waitForClose())
                }
            }
            for (index, (status, closed)) in results.enumerated() {
                #expect(status == cases[index].1, "case \(index)")
                #expect(closed, "case \(index)")
            }
        }
    }

    @Test("413 is sent before the client sends the body it announced")
    func contentTooLargeBeforeBody() async throws {
        let configuration = HTTPServer.Configuration.testing { $0.limits.maxBodyBytes = 1024 }
        try await withTestServer(configuration: configuration, responder: constantResponder()) { port in
            let status = try await onThread { () -> Int? in
                let socket = try TestSocket(port: port)
                // Only the head: the answer must come without the 10 MB ever being sent.
                try socket.send("PUT /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 10485760\r\n\r\n")
                return try socket.readResponse()?.status
            }
            #expect(status == 413)
        }
    }

    @Test("connections beyond maxConnections get 503 and are closed")
    func maxConnections() async throws {
        let configuration = HTTPServer.Configuration.testing { $0.maxConnections = 3 }
        try await withTestServer(configuration: configuration, responder: constantResponder()) { port in
            let (kept, excess, after) = try await onThread { () -> ([Int?], (Int?, String?, Bool), Int?) in
                // Three connections that have been served are certainly counted.
                var held: [TestSocket] = []
                var kept: [Int?] = []
                for _ in 0..<3 {
                    let socket = try TestSocket(port: port)
                    try socket.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
                    kept.append(try socket.readResponse()?.status)
                    held.append(socket)
                }
                let extra = try TestSocket(port: port)
                try extra.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
                let response = try extra.readResponse()
                let excess = (response?.status, response?.header("Retry-After"), extra.waitForClose())
                // A slot freed is a slot usable again.
                held.removeLast()
                var status: Int?
                for _ in 0..<100 where status != 200 {
                    let again = try TestSocket(port: port)
                    try again.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
                    status = try again.readResponse()?.status
                }
                return (kept, excess, status)
            }
            #expect(kept == [200, 200, 200])
            #expect(excess.0 == 503)
            #expect(excess.1 != nil)
            #expect(excess.2)
            #expect(after == 200)
        }
    }

    @Test("a full handler pool answers 503 with Retry-After and keeps the connection")
    func handlerPoolFull() async throws {
        let gate = HandlerGate()
        let responder = ClosureResponder { request in
            if request.path == "/block" { await gate.pass() }
            return HTTPResponse(status: .ok, contentType: "text/plain", body: request.path)
        }
        let configuration = HTTPServer.Configuration.testing {
            $0.handlers = .init(maxConcurrent: 1, queueCapacity: 0, retryAfterSeconds: 7)
        }
        try await withTestServer(configuration: configuration, responder: responder) { port in
            let first = try await onThread { () -> TestSocketBox in
                let socket = try TestSocket(port: port)
                try socket.send("GET /block HTTP/1.1\r\nHost: h\r\n\r\n")
                return TestSocketBox(socket)
            }
            await gate.waitForArrivals(1)
            let rejected = try await onThread { () -> (Int?, String?, Int?) in
                let socket = try TestSocket(port: port)
                try socket.send("GET /other HTTP/1.1\r\nHost: h\r\n\r\n")
                let response = try socket.readResponse()
                // Kept alive: the same connection is refused again, not closed.
                try socket.send("GET /again HTTP/1.1\r\nHost: h\r\n\r\n")
                return (response?.status, response?.header("Retry-After"), try socket.readResponse()?.status)
            }
            #expect(rejected.0 == 503)
            #expect(rejected.1 == "7")
            #expect(rejected.2 == 503)
            gate.open()
            let status = try await onThread { try first.socket.readResponse()?.status }
            #expect(status == 200)
        }
    }

    @Test("requests beyond the concurrency limit wait in the queue and are all served")
    func handlerQueue() async throws {
        let gate = HandlerGate()
        let responder = ClosureResponder { request in
            if request.path == "/block" { await gate.pass() }
            return HTTPResponse(status: .ok, contentType: "text/plain", body: request.path)
        }
        let configuration = HTTPServer.Configuration.testing {
            $0.handlers = .init(maxConcurrent: 1, queueCapacity: 16, retryAfterSeconds: 1)
        }
        try await withTestServer(configuration: configuration, responder: responder) { port in
            let first = try await onThread { () -> TestSocketBox in
                let socket = try TestSocket(port: port)
                try socket.send("GET /block HTTP/1.1\r\nHost: h\r\n\r\n")
                return TestSocketBox(socket)
            }
            await gate.waitForArrivals(1)
            let waiting = try await onThread { () -> [TestSocketBox] in
                try (0..<5).map { index in
                    let socket = try TestSocket(port: port)
                    try socket.send("GET /queued/\(index) HTTP/1.1\r\nHost: h\r\n\r\n")
                    return TestSocketBox(socket)
                }
            }
            gate.open()
            let bodies = try await onThread { () -> [String?] in
                try ([first] + waiting).map { try $0.socket.readResponse()?.bodyText }
            }
            #expect(bodies == ["/block"] + (0..<5).map { "/queued/\($0)" })
        }
    }
}

/// Carries a test socket across to another thread; tests use one socket from one thread at a time.
struct TestSocketBox: @unchecked Sendable {
    let socket: TestSocket
    init(_ socket: TestSocket) { self.socket = socket }
}
