import HTTP
import Testing

@Suite("HTTP client URLs")
struct HTTPClientURLTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        var input: String
        var scheme: HTTPClientURL.Scheme
        var host: String
        var kind: HTTPClientURL.HostKind
        var port: Int
        var target: String
        var hostHeader: String
        var testDescription: String { input }
    }

    @Test(
        "accepted URLs",
        arguments: [
            Valid(
                input: "http://example.com", scheme: .http, host: "example.com", kind: .name, port: 80, target: "/",
                hostHeader: "example.com"),
            Valid(
                input: "HTTPS://Hooks.Example.COM:8443/a/b?c=d&e=%20#frag", scheme: .https, host: "hooks.example.com",
                kind: .name, port: 8443, target: "/a/b?c=d&e=%20", hostHeader: "hooks.example.com:8443"),
            Valid(
                input: "https://example.com:443?x=1", scheme: .https, host: "example.com", kind: .name, port: 443,
                target: "/?x=1", hostHeader: "example.com"),
            Valid(
                input: "http://example.com.:/p", scheme: .http, host: "example.com", kind: .name, port: 80,
                target: "/p",
                hostHeader: "example.com"),
            Valid(
                input: "http://203.0.113.9:8080/", scheme: .http, host: "203.0.113.9", kind: .ipv4, port: 8080,
                target: "/", hostHeader: "203.0.113.9:8080"),
            Valid(
                input: "https://[2001:DB8:0:0::1]/x", scheme: .https, host: "2001:db8::1", kind: .ipv6, port: 443,
                target: "/x", hostHeader: "[2001:db8::1]"),
            Valid(
                input: "http://[::ffff:127.0.0.1]:81", scheme: .http, host: "::ffff:127.0.0.1", kind: .ipv6, port: 81,
                target: "/", hostHeader: "[::ffff:127.0.0.1]:81"),
            Valid(
                input: "http://my_host-1.example/", scheme: .http, host: "my_host-1.example", kind: .name, port: 80,
                target: "/", hostHeader: "my_host-1.example"),
        ])
    func accepted(_ valid: Valid) throws {
        let url = try HTTPClientURL(valid.input)
        #expect(url.scheme == valid.scheme)
        #expect(url.host == valid.host)
        #expect(url.hostKind == valid.kind)
        #expect(url.port == valid.port)
        #expect(url.target == valid.target)
        #expect(url.hostHeader == valid.hostHeader)
        #expect(!url.origin.contains("?"))
    }

    @Test(
        "refused URLs",
        arguments: [
            "", "example.com", "/relative", "ftp://example.com/", "http://", "http:///path",
            "http://user:pw@example.com/",
            "http://example.com@evil.example/", "http://example.com:0/", "http://example.com:65536/",
            "http://example.com:8x/", "http://example.com:-1/", "http://exa mple.com/", "http://exämple.com/",
            "http://ex%61mple.com/", "http://example.com\\@evil.example/", "http://a..b/", "http://.example/",
            "http://127.1/", "http://0x7f.0.0.1/", "http://2130706433/", "http://01.2.3.4/", "http://1.2.3.256/",
            "http://[::1%25eth0]/", "http://[::1/", "http://[::1]x/", "http://[not-ipv6]/", "http://[127.0.0.1]/",
            "http://example.com/\u{7F}", "http://example.com/a\r\nInjected: 1",
            "http://" + String(repeating: "a", count: 64) + ".example/",
            "http://example.com/" + String(repeating: "a", count: 9000),
        ])
    func refused(_ input: String) {
        do {
            let url = try HTTPClientURL(input)
            Issue.record("accepted as \(url)")
        } catch {
            #expect(error.kind == .invalidURL)
        }
    }
}
