import Foundation
import HTTP
import TestSupport
import Testing

@Suite("Timeouts, slow clients and shutdown")
struct TimeoutTests {
    static func timeouts(header: Duration = .seconds(10), body: Duration = .seconds(10), idle: Duration = .seconds(10))
        -> HTTPServer.Configuration
    {
        .testing { $0.timeouts = .init(headerRead: header, bodyRead: body, idle: idle) }
    }

    @Test("header-read timeout: 408 to a started request, silence to an empty connection")
    func headerTimeout() async throws {
        let configuration = Self.timeouts(header: .milliseconds(200))
        try await withTestServer(configuration: configuration, responder: constantResponder()) { port in
            let (partial, silent) = try await onThread { () -> ((Int?, Bool), (Int?, Bool)) in
                let started = try TestSocket(port: port)
                try started.send("GET / HTTP/1.1\r\nHost: t\r\n")
                let nothing = try TestSocket(port: port)
                let first = (try started.readResponse()?.status, started.waitForClose())
                let second = (try nothing.readResponse()?.status, nothing.waitForClose())
                return (first, second)
            }
            #expect(partial.0 == 408)
            #expect(partial.1)
            #expect(silent.0 == nil)
            #expect(silent.1)
        }
    }

    @Test("the header timeout is not renewed by trickling bytes")
    func trickleDoesNotExtend() async throws {
        let configuration = Self.timeouts(header: .milliseconds(300))
        try await withTestServer(configuration: configuration, responder: constantResponder()) { port in
            let sentEverything = try await onThread { () -> Bool in
                let socket = try TestSocket(port: port)
                socket.setReceiveTimeout(.milliseconds(50))
                // One byte per receive timeout: each read attempt times out, then another byte goes out.
                // Renewing the timeout on each byte would let all of them through (about 12 s);
                // the server must cut the connection long before.
                for byte in Array("GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ".utf8)
                    + Array(repeating: UInt8(ascii: "a"), count: 200)
                {
                    guard (try? socket.send([byte])) != nil else { return false }
                    if (try? socket.receiveSome()) != nil { return false }
                }
                return true
            }
            #expect(!sentEverything)
        }
    }

    @Test("body-read timeout: 408 when the body stalls")
    func bodyTimeout() async throws {
        let configuration = Self.timeouts(body: .milliseconds(200))
        try await withTestServer(configuration: configuration, responder: constantResponder()) { port in
            let result = try await onThread { () -> (Int?, Bool) in
                let socket = try TestSocket(port: port)
                try socket.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly a little")
                return (try socket.readResponse()?.status, socket.waitForClose())
            }
            #expect(result.0 == 408)
            #expect(result.1)
        }
    }

    @Test("idle keep-alive timeout closes a quiet connection after its response")
    func idleTimeout() async throws {
        let configuration = Self.timeouts(idle: .milliseconds(200))
        try await withTestServer(configuration: configuration, responder: constantResponder()) { port in
            let result = try await onThread { () -> (Int?, Bool) in
                let socket = try TestSocket(port: port)
                try socket.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                let status = try socket.readResponse()?.status
                return (status, socket.waitForClose())
            }
            #expect(result.0 == 200)
            #expect(result.1)
        }
    }

    @Test("1,000 slow connections do not stop a normal client; the slow ones are closed")
    func slowLoris() async throws {
        let configuration = Self.timeouts(header: .seconds(4))
        try await withTestServer(configuration: configuration, responder: constantResponder("fast")) { port in
            let result = try await onThread { () -> (Int, String?, Int, Int) in
                var slow: [TestSocket] = []
                for index in 0..<1000 {
                    let socket = try TestSocket(port: port)
                    // Half start a request and stall; half say nothing at all.
                    if index % 2 == 0 { try socket.send("GET /slow HTTP/1.1\r\nHost: t\r\nX-Wait: ") }
                    slow.append(socket)
                }
                let normal = try TestSocket(port: port)
                try normal.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                let body = try normal.readResponse()?.bodyText
                // The normal client was answered while the slow ones were still connected,
                // so it did not have to wait for their timeout (no wall-clock threshold needed).
                var stillOpen = 0
                var probe: UInt8 = 0
                for socket in slow.prefix(50) {
                    if recv(socket.fd, &probe, 1, Int32(MSG_DONTWAIT | MSG_PEEK)) < 0 && errno == EAGAIN { stillOpen += 1 }
                }
                var closed = 0
                var timedOut = 0
                for (index, socket) in slow.enumerated() {
                    if index % 2 == 0, (try? socket.readResponse())??.status == 408 { timedOut += 1 }
                    if socket.waitForClose() { closed += 1 }
                }
                return (stillOpen, body, closed, timedOut)
            }
            #expect(result.1 == "fast")
            #expect(result.0 == 50)
            #expect(result.2 == 1000)
            #expect(result.3 == 500)
        }
    }

    @Test("graceful shutdown: in-flight requests finish, idle connections close, run() returns")
    func gracefulShutdown() async throws {
        let gate = HandlerGate()
        let responder = ClosureResponder { request in
            if request.path == "/slow" { await gate.pass() }
            return HTTPResponse(status: .ok, contentType: "text/plain", body: "done")
        }
        let server = HTTPServer(configuration: .testing(), responder: responder)
        let running = Task { try await server.run() }
        let port = try await server.listeningPort
        let (busy, idle) = try await onThread { () -> (TestSocketBox, TestSocketBox) in
            let idle = try TestSocket(port: port)
            try idle.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try idle.readResponse()
            let busy = try TestSocket(port: port)
            try busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
            return (TestSocketBox(busy), TestSocketBox(idle))
        }
        await gate.waitForArrivals(1)
        server.shutdown(gracePeriod: .seconds(30))
        let idleClosed = try await onThread { idle.socket.waitForClose() }
        #expect(idleClosed)
        gate.open()
        let response = try await onThread { try busy.socket.readResponse() }
        #expect(response?.status == 200)
        #expect(response?.bodyText == "done")
        #expect(response?.header("Connection") == "close")
        // run() returning is the proof that the listeners and every connection are closed.
        // (Connecting again proves nothing: another test's server may have been given the port.)
        try await running.value
    }

    @Test("shutdown deadline: a handler that does not finish is cut off and run() returns")
    func shutdownDeadline() async throws {
        let gate = HandlerGate()
        let responder = ClosureResponder { _ in
            await gate.pass()
            return HTTPResponse(status: .ok, contentType: "text/plain", body: "late")
        }
        let server = HTTPServer(configuration: .testing(), responder: responder)
        let running = Task { try await server.run() }
        let port = try await server.listeningPort
        let busy = try await onThread { () -> TestSocketBox in
            let socket = try TestSocket(port: port)
            try socket.send("GET /stuck HTTP/1.1\r\nHost: t\r\n\r\n")
            return TestSocketBox(socket)
        }
        await gate.waitForArrivals(1)
        server.shutdown(gracePeriod: .milliseconds(200))
        try await running.value
        let closed = try await onThread { busy.socket.waitForClose() }
        #expect(closed)
        gate.open()
    }

    @Test("cancelling the task running the server shuts it down")
    func cancellation() async throws {
        let server = HTTPServer(configuration: .testing(), responder: constantResponder())
        let running = Task { try await server.run() }
        _ = try await server.listeningPort
        running.cancel()
        try await running.value
    }

    @Test("a port already taken is reported by run() and by listeningPort")
    func bindFailure() async throws {
        // A listener without SO_REUSEPORT holds the port exclusively.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(holder, pointer, length) == 0 && listen(holder, 1) == 0
                    && getsockname(holder, pointer, &length) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let server = HTTPServer(configuration: .testing { $0.port = port }, responder: constantResponder())
        await #expect(throws: HTTPServerError.self) { try await server.run() }
        await #expect(throws: HTTPServerError.self) { _ = try await server.listeningPort }
    }
}
