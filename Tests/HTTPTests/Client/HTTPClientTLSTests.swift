import Foundation
import HTTP
import TestSupport
import Testing

/// HTTPS against the project's own TLS server, with certificates from a throwaway CA.
@Suite("HTTP client over TLS")
struct HTTPClientTLSTests {
    static let responder = ClosureResponder { request in
        HTTPResponse(status: .ok, contentType: "text/plain", body: "secure \(request.method) \(request.body.count)")
    }

    @Test("round trip with an IP-address certificate and with a DNS-name certificate (SNI)")
    func roundTrip() async throws {
        let pki = try await TestPKI.make()
        defer { pki.remove() }
        let tls = try await pki.leaf("server", subjectAltName: "DNS:localhost,IP:127.0.0.1")
        try await withTestServer(configuration: .testing { $0.tls = tls }, responder: Self.responder) { port in
            let client = localClient { $0.additionalTrustedCertificatesFile = pki.caCertificate }
            let byAddress = try await client.send(
                HTTPClientRequest(method: .post, url: "https://127.0.0.1:\(port)/hook", body: Array("{}".utf8)))
            #expect(byAddress.status.code == 200)
            #expect(String(decoding: byAddress.body, as: UTF8.self) == "secure POST 2")
            let byName = try await client.send(HTTPClientRequest(url: "https://localhost:\(port)/"))
            #expect(String(decoding: byName.body, as: UTF8.self) == "secure GET 0")
        }
    }

    @Test("a certificate from an untrusted CA is refused")
    func untrustedCA() async throws {
        let pki = try await TestPKI.make()
        defer { pki.remove() }
        let other = try await TestPKI.make()
        defer { other.remove() }
        let tls = try await pki.leaf("server", subjectAltName: "IP:127.0.0.1")
        try await withTestServer(configuration: .testing { $0.tls = tls }, responder: Self.responder) { port in
            // Only the system trust store.
            let plain = await expectFailure(localClient(), HTTPClientRequest(url: "https://127.0.0.1:\(port)/"))
            #expect(plain?.kind == .tlsFailed)
            #expect(plain?.message.contains("certificate") == true, "\(String(describing: plain))")
            // A different CA.
            let wrongCA = localClient { $0.additionalTrustedCertificatesFile = other.caCertificate }
            let error = await expectFailure(wrongCA, HTTPClientRequest(url: "https://127.0.0.1:\(port)/"))
            #expect(error?.kind == .tlsFailed)
        }
    }

    @Test("a trusted certificate for another name or address is refused")
    func hostMismatch() async throws {
        let pki = try await TestPKI.make()
        defer { pki.remove() }
        let tls = try await pki.leaf("elsewhere", subjectAltName: "DNS:elsewhere.example,IP:192.0.2.1")
        try await withTestServer(configuration: .testing { $0.tls = tls }, responder: Self.responder) { port in
            let client = localClient { $0.additionalTrustedCertificatesFile = pki.caCertificate }
            let byAddress = await expectFailure(client, HTTPClientRequest(url: "https://127.0.0.1:\(port)/"))
            #expect(byAddress?.kind == .tlsFailed)
            #expect(byAddress?.message.contains("mismatch") == true, "\(String(describing: byAddress))")
            let byName = await expectFailure(client, HTTPClientRequest(url: "https://localhost:\(port)/"))
            #expect(byName?.kind == .tlsFailed)
        }
    }

    @Test("plain HTTP server on an https URL fails the handshake")
    func plaintextServer() async throws {
        let script: @Sendable (ScriptedConnection) -> Void = { connection in
            connection.send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        }
        try await withScriptedServer(readsRequest: false, script) { port, _ in
            let error = await expectFailure(localClient(), HTTPClientRequest(url: "https://127.0.0.1:\(port)/"))
            #expect(error?.kind == .tlsFailed, "\(String(describing: error))")
        }
    }

    @Test("an unreadable CA file fails https requests, not plain ones")
    func missingCAFile() async throws {
        let client = localClient { $0.additionalTrustedCertificatesFile = "/nonexistent/ca.pem" }
        let error = await expectFailure(client, HTTPClientRequest(url: "https://127.0.0.1:1/"))
        #expect(error?.kind == .tlsFailed)
        let plain = await expectFailure(client, HTTPClientRequest(url: "http://127.0.0.1:1/"))
        #expect(plain?.kind == .connectFailed)
    }
}
