#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import HTTP
import Telemetry

/// Runs an ``HTTPServer`` on an ephemeral port of 127.0.0.1 for the duration of
/// `body`, which receives the port once the server is listening; the server
/// is shut down (and awaited) afterwards, whether `body` returns or throws.
///
/// `configuration.host` and `configuration.port` are overridden; every other
/// field (limits, timeouts, loop count) is used as given.
public func withTestServer<Result>(
    configuration: HTTPServer.Configuration = HTTPServer.Configuration(eventLoopCount: 2),
    responder: any HTTPResponder,
    logger: Logger = .disabled,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (Int) async throws -> Result
) async throws -> Result {
    var configuration = configuration
    configuration.host = "127.0.0.1"
    configuration.port = 0
    let server = HTTPServer(configuration: configuration, responder: responder, logger: logger)
    let running = Task { try await server.run() }
    let port: Int
    do {
        port = try await server.listeningPort
    } catch {
        server.shutdown(gracePeriod: .zero)
        _ = await running.result
        throw error
    }
    let result: Result
    do {
        result = try await body(port)
    } catch {
        server.shutdown(gracePeriod: .seconds(5))
        _ = await running.result
        throw error
    }
    server.shutdown(gracePeriod: .seconds(5))
    try await running.value
    return result
}

/// A responder for tests that answers every request with `text/plain` `body`.
public func constantResponder(_ body: String = "ok", status: HTTPStatus = .ok) -> ClosureResponder {
    ClosureResponder { _ in HTTPResponse(status: status, contentType: "text/plain", body: body) }
}

/// A response as read off the wire by ``TestSocket``.
public struct TestResponse: Sendable {
    public var status: Int
    public var reason: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    /// The first value of `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A blocking TCP client for raw-protocol tests: it writes exactly the bytes it
/// is given and reads responses byte-exactly, so tests can send what no real
/// client would.
///
/// Every read has a receive timeout (10 s by default) so a broken server fails a
/// test instead of hanging it; the timeout is a safety net, not a way to wait.
public final class TestSocket {
    public let fd: Int32
    private var buffer: [UInt8] = []

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(port: Int, host: String = "127.0.0.1", receiveTimeout: Duration = .seconds(10)) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            throw Failure(description: "connect: \(message)")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        setReceiveTimeout(receiveTimeout)
    }

    deinit { Glibc.close(fd) }

    public func setReceiveTimeout(_ timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "send: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// Half-closes: the server sees end of stream, and this side can still read.
    public func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// One `recv`; empty at end of stream (or on a reset). Throws on timeout.
    public func receiveSome() throws -> [UInt8] {
        if !buffer.isEmpty {
            defer { buffer.removeAll() }
            return buffer
        }
        return try receiveFromSocket()
    }

    private func receiveFromSocket() throws -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { return Array(chunk[0..<count]) }
            if count == 0 { return [] }
            if errno == EINTR { continue }
            if errno == ECONNRESET { return [] }
            throw Failure(description: "recv: \(String(cString: strerror(errno)))")
        }
    }

    /// Everything until the server closes the connection.
    public func receiveUntilClosed() throws -> [UInt8] {
        var all = buffer
        buffer.removeAll()
        while true {
            let chunk = try receiveFromSocket()
            if chunk.isEmpty { return all }
            all += chunk
        }
    }

    /// True if the server closes the connection (end of stream or reset) before
    /// the receive timeout; bytes that arrive first are skipped.
    public func waitForClose() -> Bool {
        buffer.removeAll()
        while true {
            guard let chunk = try? receiveFromSocket() else { return false }
            if chunk.isEmpty { return true }
        }
    }

    /// Reads one response; nil if the connection closed before a status line.
    ///
    /// - Parameter isHead: the request was HEAD, so no body follows whatever `Content-Length` says.
    public func readResponse(isHead: Bool = false) throws -> TestResponse? {
        var headEnd: Int?
        while true {
            if let end = Self.find([0x0D, 0x0A, 0x0D, 0x0A], in: buffer) {
                headEnd = end
                break
            }
            let chunk = try receiveFromSocket()
            if chunk.isEmpty {
                if buffer.isEmpty { return nil }
                throw Failure(
                    description: "connection closed inside a response head: \(String(decoding: buffer, as: UTF8.self))")
            }
            buffer += chunk
        }
        guard let headEnd else { return nil }
        let headText = String(decoding: buffer[0..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw Failure(description: "bad status line: \(statusLine)")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw Failure(description: "bad header line: \(line)") }
            headers.append(
                (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
            )
        }
        var response = TestResponse(
            status: status, reason: parts.count > 2 ? String(parts[2]) : "", headers: headers, body: [])
        if isHead || status < 200 || status == 204 || status == 304 { return response }
        if let lengthText = response.header("Content-Length") {
            guard let length = Int(lengthText) else { throw Failure(description: "bad Content-Length \(lengthText)") }
            while buffer.count < length {
                let chunk = try receiveFromSocket()
                if chunk.isEmpty { throw Failure(description: "connection closed inside a body") }
                buffer += chunk
            }
            response.body = Array(buffer[0..<length])
            buffer.removeFirst(length)
        } else {
            response.body = try receiveUntilClosed()
        }
        return response
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return start }
        }
        return nil
    }
}
