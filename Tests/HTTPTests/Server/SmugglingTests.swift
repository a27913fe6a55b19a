import HTTP
import TestSupport
import Testing

@Suite("Request smuggling over sockets")
struct SmugglingTests {
    @Test("each smuggling or malformed form gets its status, then the connection is closed")
    func everyFormIsRefusedAndClosed() async throws {
        try await withTestServer(responder: constantResponder()) { port in
            let failures = try await onThread { () -> [String] in
                var failures: [String] = []
                for (name, text, kind) in ParserTests.refused {
                    let socket = try TestSocket(port: port)
                    try socket.send(text)
                    let response = try socket.readResponse()
                    let expected = HTTPParserError(kind).status.code
                    if response?.status != expected {
                        failures.append("\(name): got \(String(describing: response?.status)), expected \(expected)")
                        continue
                    }
                    if response?.header("Connection")?.lowercased() != "close" {
                        failures.append("\(name): no Connection: close")
                    }
                    if response?.header("Content-Type") != "application/json"
                        || response?.bodyText.contains(kind.rawValue) != true
                    {
                        failures.append("\(name): body does not name \(kind.rawValue)")
                    }
                    if !socket.waitForClose() { failures.append("\(name): connection left open") }
                }
                return failures
            }
            #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        }
    }

    @Test("a smuggled second request after CL+TE is never answered")
    func smuggledRequestIsNotServed() async throws {
        let seen = RequestLog()
        let responder = ClosureResponder { request in
            seen.append(request.path)
            return HTTPResponse(status: .ok, contentType: "text/plain", body: "ok")
        }
        try await withTestServer(responder: responder) { port in
            let statuses = try await onThread { () -> [Int] in
                let socket = try TestSocket(port: port)
                try socket.send(
                    "POST /front HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n"
                )
                var statuses: [Int] = []
                while let response = try socket.readResponse() { statuses.append(response.status) }
                return statuses
            }
            #expect(statuses == [400])
            #expect(seen.paths.isEmpty)
        }
    }

    @Test("a valid request before a malformed one is answered, then the malformed one closes")
    func validThenInvalid() async throws {
        try await withTestServer(responder: constantResponder("first")) { port in
            let statuses = try await onThread { () -> [Int] in
                let socket = try TestSocket(port: port)
                try socket.send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n")
                var statuses: [Int] = []
                while let response = try socket.readResponse() { statuses.append(response.status) }
                return statuses
            }
            #expect(statuses == [200, 400])
        }
    }
}

import Synchronization

/// Paths that reached a handler, in order.
final class RequestLog: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ path: String) { storage.withLock { $0.append(path) } }
    var paths: [String] { storage.withLock { $0 } }
}
