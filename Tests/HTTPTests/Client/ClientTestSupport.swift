#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import HTTP
import Synchronization
import Testing

/// A raw TCP server for one connection, scripted byte by byte, so tests can
/// answer with what no real server sends (bare LFs, early closes, silence).
///
/// The listener is bound and listening before ``withScriptedServer(host:readsRequest:_:_:)``
/// hands out the port, so there is nothing to wait for. The script runs on a
/// thread of its own after the request head (and a `Content-Length` body) has
/// been read, or at once when `readsRequest` is false (for clients that never
/// send an HTTP head, such as a TLS handshake); the helper returns only after
/// that thread has finished.
final class ScriptedConnection: @unchecked Sendable {
    // Used by the server thread only.
    let fd: Int32
    /// The request as received: head and, if it had `Content-Length`, body.
    let request: [UInt8]

    fileprivate init(fd: Int32, request: [UInt8]) {
        self.fd = fd
        self.request = request
    }

    var requestText: String { String(decoding: request, as: UTF8.self) }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written <= 0 { return }
            offset += written
        }
    }

    /// Blocks until the client closes its side (or the 20 s safety net passes); returns what it sent meanwhile.
    @discardableResult
    func waitForClientClose() -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return received }
            received += chunk[0..<count]
        }
    }
}

/// What the scripted server saw; read it after the server has finished.
final class ScriptedServerLog: Sendable {
    private let state = Mutex<(accepted: Int, request: [UInt8])>((0, []))
    var acceptedConnections: Int { state.withLock { $0.accepted } }
    var request: String { state.withLock { String(decoding: $0.request, as: UTF8.self) } }
    fileprivate func accepted(_ request: [UInt8]) { state.withLock { $0 = ($0.accepted + 1, request) } }
}

func withScriptedServer<Result>(
    host: String = "127.0.0.1",
    readsRequest: Bool = true,
    _ script: @escaping @Sendable (ScriptedConnection) -> Void,
    _ body: (_ port: Int, _ log: ScriptedServerLog) async throws -> Result
) async throws -> Result {
    let listener = try makeListener(host: host)
    let log = ScriptedServerLog()
    // The server thread starts here and now, not from a task: while other
    // tests keep the cooperative pool busy, a task might start only after the
    // client's deadline, and the request would time out against nobody.
    let finished = ThreadCompletion()
    let thread = Thread {
        serveOne(listener.fd, readsRequest: readsRequest, log: log, script: script)
        finished.finish()
    }
    thread.stackSize = 1 << 20
    thread.start()
    let result: Result
    do {
        result = try await body(listener.port, log)
    } catch {
        shutdown(listener.fd, Int32(SHUT_RDWR))
        await finished.wait()
        close(listener.fd)
        throw error
    }
    // Wakes a blocked accept when the client never connected.
    shutdown(listener.fd, Int32(SHUT_RDWR))
    await finished.wait()
    close(listener.fd)
    return result
}

/// Lets a task await the end of a thread, whichever comes first.
private final class ThreadCompletion: Sendable {
    private let state = Mutex<(finished: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func finish() {
        let waiter = state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finished = state.withLock { state in
                if !state.finished { state.waiter = continuation }
                return state.finished
            }
            if finished { continuation.resume() }
        }
    }
}

private func makeListener(host: String) throws -> (fd: Int32, port: Int) {
    let isV6 = host.contains(":")
    let fd = socket(isV6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    try #require(fd >= 0)
    var storage = sockaddr_storage()
    var length: socklen_t
    if isV6 {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        inet_pton(AF_INET6, host, &address.sin6_addr)
        length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        withUnsafeBytes(of: &address) { raw in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) } }
    } else {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, host, &address.sin_addr)
        length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeBytes(of: &address) { raw in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) } }
    }
    let bound = withUnsafePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    try #require(bound == 0, "bind \(host): \(String(cString: strerror(errno)))")
    try #require(listen(fd, 8) == 0)
    var actual = sockaddr_storage()
    var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
    _ = withUnsafeMutablePointer(to: &actual) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
    }
    let port = withUnsafeBytes(of: &actual) { raw -> Int in
        // sin_port and sin6_port both sit at offset 2.
        Int(UInt16(raw[2]) << 8 | UInt16(raw[3]))
    }
    return (fd, port)
}

private func serveOne(
    _ listener: Int32, readsRequest: Bool, log: ScriptedServerLog, script: (ScriptedConnection) -> Void
) {
    let fd = accept(listener, nil, nil)
    guard fd >= 0 else { return }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 20, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var request: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    var expected: Int? = readsRequest ? nil : 0
    while expected.map({ request.count < $0 }) ?? true {
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 { break }
        request += chunk[0..<count]
        if expected == nil, let end = find([13, 10, 13, 10], in: request) {
            let head = String(decoding: request[0..<end], as: UTF8.self).lowercased()
            let length =
                head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            expected = end + 4 + length
        }
    }
    log.accepted(request)
    script(ScriptedConnection(fd: fd, request: request))
}

private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    for start in 0...(haystack.count - needle.count)
    where haystack[start..<(start + needle.count)].elementsEqual(needle) {
        return start
    }
    return nil
}

/// A client that may talk to loopback, with optional tweaks.
func localClient(_ adjust: (inout HTTPClient.Configuration) -> Void = { _ in }) -> HTTPClient {
    var configuration = HTTPClient.Configuration(allowPrivateNetworks: true)
    adjust(&configuration)
    return HTTPClient(configuration: configuration)
}

/// Sends and returns the error it must throw.
func expectFailure(
    _ client: HTTPClient, _ request: HTTPClientRequest, sourceLocation: SourceLocation = #_sourceLocation
) async -> HTTPClientError? {
    do {
        let response = try await client.send(request)
        Issue.record("expected an error, got \(response.status)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// A throwaway PKI made with the openssl tool: a CA, and leaf certificates it signs.
struct TestPKI {
    let directory: URL
    let caCertificate: String

    static func make() async throws -> TestPKI {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cs-client-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let pki = TestPKI(directory: directory, caCertificate: directory.appendingPathComponent("ca.pem").path)
        try await pki.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=Countersign Test CA", "-keyout", pki.path("ca.key"), "-out", pki.caCertificate,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        return pki
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A server certificate signed by the CA for `subjectAltName` (e.g. `DNS:localhost,IP:127.0.0.1`).
    func leaf(_ name: String, subjectAltName: String) async throws -> HTTPServer.Configuration.TLS {
        try await openssl([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
            "/CN=\(name)", "-keyout", path("\(name).key"), "-out", path("\(name).csr"),
        ])
        let extensions = "subjectAltName=\(subjectAltName)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
        try extensions.write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
        try await openssl([
            "x509", "-req", "-in", path("\(name).csr"), "-CA", caCertificate, "-CAkey", path("ca.key"),
            "-set_serial", String(UInt32.random(in: 1...UInt32.max)), "-days", "1", "-out", path("\(name).pem"),
            "-extfile", path("\(name).ext"),
        ])
        return HTTPServer.Configuration.TLS(certificatePath: path("\(name).pem"), privateKeyPath: path("\(name).key"))
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    private func openssl(_ arguments: [String]) async throws {
        let openssl = try #require(RealClientTests.executable("openssl"))
        let result = try await RealClientTests.run(openssl, arguments)
        try #require(result.status == 0, "\(result.errorOutput)")
    }
}
