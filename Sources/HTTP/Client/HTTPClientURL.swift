#if canImport(Glibc)
    import Glibc
#endif

/// An absolute `http` or `https` URL as ``HTTPClient`` accepts it, parsed strictly.
///
/// The client resolves, verifies (TLS host name) and names (`Host`) exactly the
/// host parsed here, so the grammar is deliberately narrow and leaves nothing
/// for two parsers to read differently:
///
/// - visible ASCII only: international names must arrive as punycode, other
///   bytes percent-encoded;
/// - no user information (`user:pass@`), no backslashes, no percent-encoding
///   in the host, no IPv6 zone identifiers;
/// - a host is a DNS name (letters, digits, `-`, `_`, `.`), a dotted-quad IPv4
///   address, or a bracketed IPv6 address. A name whose last label is numeric
///   must be a canonical dotted quad, so `127.1`, `0x7f.0.0.1` and `2130706433`
///   are refused rather than left to `getaddrinfo`'s legacy number forms;
/// - the fragment is dropped; an empty path becomes `/`.
///
/// Webhook endpoint registration can parse with this type to refuse a URL the
/// client would refuse later.
public struct HTTPClientURL: Sendable, Hashable, CustomStringConvertible {
    public enum Scheme: String, Sendable, Hashable {
        case http
        case https

        public var defaultPort: Int { self == .http ? 80 : 443 }
    }

    /// What kind of host the URL names; TLS verifies names and addresses differently.
    public enum HostKind: Sendable, Hashable {
        case name
        case ipv4
        case ipv6
    }

    /// Longest URL accepted, in bytes.
    public static let maxLength = 8192

    public let scheme: Scheme
    /// Lower-cased host without brackets or a trailing dot: `example.com`, `203.0.113.9`, `2001:db8::1`.
    public let host: String
    public let hostKind: HostKind
    public let port: Int
    /// The origin-form request target: path and query, at least `/`.
    public let target: String

    /// Parses `string`; throws ``HTTPClientError/Kind/invalidURL`` with the rule it breaks.
    public init(_ string: String) throws(HTTPClientError) {
        let bytes = Array(string.utf8)
        guard !bytes.isEmpty else { throw Self.invalid("the URL is empty") }
        guard bytes.count <= Self.maxLength else {
            throw Self.invalid("the URL is longer than \(Self.maxLength) bytes")
        }
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw Self.invalid("the URL contains a space, a control character or a non-ASCII byte")
        }
        guard !bytes.contains(0x5C) else { throw Self.invalid("the URL contains a backslash") }

        guard let schemeEnd = Self.find(Array("://".utf8), in: bytes) else {
            throw Self.invalid("the URL is not absolute (scheme://host)")
        }
        let schemeText = String(decoding: bytes[0..<schemeEnd], as: UTF8.self).lowercased()
        guard let scheme = Scheme(rawValue: schemeText) else { throw Self.invalid("the scheme must be http or https") }
        self.scheme = scheme

        let authorityStart = schemeEnd + 3
        var authorityEnd = authorityStart
        while authorityEnd < bytes.count, bytes[authorityEnd] != 0x2F, bytes[authorityEnd] != 0x3F,
            bytes[authorityEnd] != 0x23
        {
            authorityEnd += 1
        }
        let authority = bytes[authorityStart..<authorityEnd]
        guard !authority.contains(0x40) else { throw Self.invalid("user information in URLs is not supported") }
        guard !authority.isEmpty else { throw Self.invalid("the URL has no host") }

        // Host, and where the optional ":port" starts.
        var portStart: Int?
        if authority.first == 0x5B {
            guard let close = authority.firstIndex(of: 0x5D) else { throw Self.invalid("an IPv6 host lacks its ']'") }
            let literal = String(decoding: bytes[(authority.startIndex + 1)..<close], as: UTF8.self)
            guard let canonical = Self.canonicalIPv6(literal) else {
                throw Self.invalid("the bracketed host is not an IPv6 address")
            }
            host = canonical
            hostKind = .ipv6
            if close + 1 < authority.endIndex {
                guard bytes[close + 1] == 0x3A else { throw Self.invalid("unexpected characters after the IPv6 host") }
                portStart = close + 2
            }
        } else {
            let colon = authority.firstIndex(of: 0x3A)
            let hostBytes = bytes[authority.startIndex..<(colon ?? authority.endIndex)]
            (host, hostKind) = try Self.parseHost(hostBytes)
            if let colon { portStart = colon + 1 }
        }

        if let portStart, portStart < authority.endIndex {
            let digits = bytes[portStart..<authority.endIndex]
            guard digits.count <= 5, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let value = Int(String(decoding: digits, as: UTF8.self)), (1...65535).contains(value)
            else { throw Self.invalid("the port must be a number from 1 to 65535") }
            port = value
        } else {
            port = scheme.defaultPort
        }

        var targetEnd = authorityEnd
        while targetEnd < bytes.count, bytes[targetEnd] != 0x23 { targetEnd += 1 }
        let rest = String(decoding: bytes[authorityEnd..<targetEnd], as: UTF8.self)
        target = rest.hasPrefix("/") ? rest : "/" + rest
    }

    /// The `Host` header value: the host, bracketed if IPv6, and the port unless it is the scheme's default.
    public var hostHeader: String {
        let name = hostKind == .ipv6 ? "[\(host)]" : host
        return port == scheme.defaultPort ? name : "\(name):\(port)"
    }

    /// `scheme://host[:port]` without path or query, which may carry tokens; what error messages name.
    public var origin: String { "\(scheme.rawValue)://\(hostHeader)" }

    public var description: String { origin + target }

    // MARK: Host grammar

    private static func parseHost(_ bytes: ArraySlice<UInt8>) throws(HTTPClientError) -> (String, HostKind) {
        var text = String(decoding: bytes, as: UTF8.self).lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        guard !text.isEmpty else { throw invalid("the URL has no host") }
        guard text.utf8.count <= 253 else { throw invalid("the host name is longer than 253 bytes") }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty else { throw invalid("the host name has an empty label") }
            guard label.utf8.count <= 63 else { throw invalid("a host name label is longer than 63 bytes") }
            guard label.utf8.allSatisfy({ isHostNameByte($0) }) else {
                throw invalid("the host may only contain letters, digits, '-', '_' and '.'")
            }
        }
        // WHATWG treats a host whose last label is numeric as an IPv4 address; so
        // do resolvers, in legacy forms. Only the canonical dotted quad is accepted.
        if let last = labels.last, last.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) || last.hasPrefix("0x") {
            var address = in_addr()
            guard labels.count == 4, inet_pton(AF_INET, text, &address) == 1 else {
                throw invalid("a numeric host must be a dotted-quad IPv4 address")
            }
            return (text, .ipv4)
        }
        return (text, .name)
    }

    private static func isHostNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x61...0x7A, 0x30...0x39, 0x2D, 0x5F: true
        default: false
        }
    }

    /// The RFC 5952 text of an IPv6 literal, or nil if it is not one (zone identifiers included).
    private static func canonicalIPv6(_ literal: String) -> String? {
        var address = in6_addr()
        guard !literal.contains("%"), inet_pton(AF_INET6, literal, &address) == 1 else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        guard inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)) != nil else { return nil }
        return text.withUnsafeBufferPointer { $0.baseAddress.map { String(cString: $0) } }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }

    private static func invalid(_ message: String) -> HTTPClientError { HTTPClientError(.invalidURL, message) }
}
