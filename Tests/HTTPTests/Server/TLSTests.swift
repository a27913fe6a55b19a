import Foundation
import HTTP
import TestSupport
import Testing

@Suite("TLS")
struct TLSTests {
    /// A throwaway self-signed certificate for 127.0.0.1, made with the openssl tool.
    static func makeCertificate() async throws -> (directory: URL, tls: HTTPServer.Configuration.TLS) {
        let openssl = try #require(RealClientTests.executable("openssl"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cs-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let result = try await RealClientTests.run(
            openssl,
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
            ])
        try #require(result.status == 0, "\(result.errorOutput)")
        return (directory, HTTPServer.Configuration.TLS(certificatePath: certificate, privateKeyPath: key))
    }

    @Test("HTTPS with curl: keep-alive, upload, TLS 1.2+ only")
    func curlOverTLS() async throws {
        let curl = try #require(RealClientTests.executable("curl"))
        let (directory, tls) = try await Self.makeCertificate()
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = HTTPServer.Configuration.testing { $0.tls = tls }
        let big = Array(String(repeating: "tls-payload-", count: 50_000).utf8)
        try await withTestServer(configuration: configuration, responder: RealClientTests.echo) { port in
            let base = "https://127.0.0.1:\(port)"
            let twice = try await RealClientTests.run(
                curl,
                ["-s", "--cacert", tls.certificatePath, "-w", "connects=%{num_connects}\n", "\(base)/a", "\(base)/b"])
            #expect(twice.status == 0, "\(twice.errorOutput)")
            #expect(twice.output == "path=/a\nconnects=1\npath=/b\nconnects=0\n")
            let upload = try await RealClientTests.run(
                curl, ["-s", "--cacert", tls.certificatePath, "--data-binary", "@-", "\(base)/up"], input: big)
            #expect(upload.output.hasPrefix("POST /up \(big.count) tls-payload-"))
            let tls13 = try await RealClientTests.run(
                curl,
                [
                    "-s", "-o", "/dev/null", "--cacert", tls.certificatePath, "--tlsv1.3", "-w", "%{http_code}",
                    "\(base)/",
                ])
            #expect(tls13.output == "200")
            let tls11 = try await RealClientTests.run(
                curl,
                ["-s", "-o", "/dev/null", "--cacert", tls.certificatePath, "--tlsv1.1", "--tls-max", "1.1", "\(base)/"])
            #expect(tls11.status != 0)
        }
    }

    @Test("HTTPS with Python: large response, keep-alive")
    func pythonOverTLS() async throws {
        let python = try #require(RealClientTests.executable("python3"))
        let (directory, tls) = try await Self.makeCertificate()
        defer { try? FileManager.default.removeItem(at: directory) }
        let large = [UInt8](repeating: 0x61, count: 3 * 1024 * 1024)
        let responder = ClosureResponder { request in
            HTTPResponse(
                status: .ok, headers: ["Content-Type": "text/plain"],
                body: request.path == "/large" ? large : Array("small".utf8))
        }
        let script = """
            import http.client, ssl, sys
            context = ssl.create_default_context(cafile=sys.argv[2])
            c = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), context=context, timeout=10)
            c.request("GET", "/large"); a = c.getresponse().read()
            c.request("GET", "/small"); b = c.getresponse().read()
            print(len(a), b.decode(), c.sock.version())
            """
        try await withTestServer(configuration: .testing { $0.tls = tls }, responder: responder) { port in
            let result = try await RealClientTests.run(python, ["-c", script, String(port), tls.certificatePath])
            #expect(result.status == 0, "\(result.errorOutput)")
            #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(large.count) small TLSv1.3")
        }
    }

    @Test("plain HTTP to the TLS port is closed, and the server keeps serving")
    func plaintextToTLSPort() async throws {
        let curl = try #require(RealClientTests.executable("curl"))
        let (directory, tls) = try await Self.makeCertificate()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withTestServer(configuration: .testing { $0.tls = tls }, responder: constantResponder()) { port in
            let closed = try await onThread { () -> Bool in
                let socket = try TestSocket(port: port)
                try socket.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                return socket.waitForClose()
            }
            #expect(closed)
            let after = try await RealClientTests.run(
                curl, ["-s", "--cacert", tls.certificatePath, "https://127.0.0.1:\(port)/"])
            #expect(after.output == "ok")
        }
    }

    @Test("a missing certificate fails run() with a clear error")
    func missingCertificate() async throws {
        let tls = HTTPServer.Configuration.TLS(
            certificatePath: "/nonexistent/cert.pem", privateKeyPath: "/nonexistent/key.pem")
        let server = HTTPServer(configuration: .testing { $0.tls = tls }, responder: constantResponder())
        await #expect(throws: HTTPServerError.self) { try await server.run() }
    }
}
