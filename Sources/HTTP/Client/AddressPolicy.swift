#if canImport(Glibc)
    import Glibc
#endif

/// A resolved IPv4 or IPv6 endpoint, kept as plain bytes so it is `Sendable`
/// and so the address that was checked is, byte for byte, the one connected to.
struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    enum Family: Sendable, Hashable {
        case ipv4
        case ipv6
    }

    let family: Family
    /// 4 or 16 bytes in network order.
    let bytes: [UInt8]
    let port: Int
    /// The IPv6 scope (interface) of a link-local address; 0 otherwise.
    let scopeID: UInt32

    init(ipv4 bytes: [UInt8], port: Int) {
        family = .ipv4
        self.bytes = bytes
        self.port = port
        scopeID = 0
    }

    init(ipv6 bytes: [UInt8], port: Int, scopeID: UInt32 = 0) {
        family = .ipv6
        self.bytes = bytes
        self.port = port
        self.scopeID = scopeID
    }

    /// Parses a numeric address (dotted quad or IPv6 text, no brackets).
    init?(numeric text: String, port: Int) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(ipv4: withUnsafeBytes(of: &v4) { Array($0) }, port: port)
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            self.init(ipv6: withUnsafeBytes(of: &v6) { Array($0) }, port: port)
            return
        }
        return nil
    }

    /// Copies an address out of a `getaddrinfo` result; nil for other families.
    init?(_ address: UnsafePointer<sockaddr>, length: socklen_t) {
        switch Int32(address.pointee.sa_family) {
        case AF_INET where Int(length) >= MemoryLayout<sockaddr_in>.size:
            let v4 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in.self)
            var raw = v4.sin_addr
            self.init(
                ipv4: withUnsafeBytes(of: &raw) { Array($0) }, port: Int(UInt16(bigEndian: v4.sin_port)))
        case AF_INET6 where Int(length) >= MemoryLayout<sockaddr_in6>.size:
            let v6 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in6.self)
            var raw = v6.sin6_addr
            self.init(
                ipv6: withUnsafeBytes(of: &raw) { Array($0) }, port: Int(UInt16(bigEndian: v6.sin6_port)),
                scopeID: v6.sin6_scope_id)
        default:
            return nil
        }
    }

    var addressFamily: Int32 { family == .ipv4 ? AF_INET : AF_INET6 }

    /// Calls `body` with this address as a `sockaddr` and its length.
    func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        switch family {
        case .ipv4:
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(truncatingIfNeeded: port).bigEndian
            withUnsafeMutableBytes(of: &address.sin_addr) { $0.copyBytes(from: bytes.prefix(4)) }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .ipv6:
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = UInt16(truncatingIfNeeded: port).bigEndian
            address.sin6_scope_id = scopeID
            withUnsafeMutableBytes(of: &address.sin6_addr) { $0.copyBytes(from: bytes.prefix(16)) }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// The address as text, without the port: `203.0.113.9`, `2001:db8::1`.
    var addressText: String {
        var raw = bytes
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let ok = inet_ntop(addressFamily, &raw, &text, socklen_t(text.count)) != nil
        guard ok else { return "?" }
        return text.withUnsafeBufferPointer { $0.baseAddress.map { String(cString: $0) } ?? "?" }
    }

    var description: String { family == .ipv6 ? "[\(addressText)]:\(port)" : "\(addressText):\(port)" }
}

/// Which addresses the client refuses to connect to unless private networks
/// are allowed: everything that is not ordinary public unicast.
///
/// The check runs on every address a name resolves to, and the client then
/// connects to exactly those checked bytes, so DNS rebinding (a second lookup
/// answering differently) cannot swap a public address for an internal one.
/// Addresses that embed an IPv4 address (IPv4-mapped `::ffff:0:0/96`, NAT64
/// `64:ff9b::/96`, 6to4 `2002::/16`) are judged by the IPv4 address inside.
/// IPv6 outside global unicast `2000::/3` is refused outright.
enum AddressPolicy {
    /// Why `address` is not public, or nil when it may be connected to.
    static func blockReason(_ address: SocketAddress) -> String? {
        switch address.family {
        case .ipv4: ipv4BlockReason(address.bytes)
        case .ipv6: ipv6BlockReason(address.bytes)
        }
    }

    private struct Range {
        let prefix: [UInt8]
        let length: Int
        let reason: String

        func contains(_ bytes: [UInt8]) -> Bool {
            guard bytes.count == prefix.count else { return false }
            var remaining = length
            for (a, b) in zip(bytes, prefix) where remaining > 0 {
                let bits = Swift.min(8, remaining)
                let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if a & mask != b & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    // Every block of the IANA IPv4 Special-Purpose Address Registry, even the few anycast
    // services it marks globally reachable: no webhook endpoint lives there.
    private static let ipv4Ranges: [Range] = [
        Range(prefix: [0, 0, 0, 0], length: 8, reason: "an unspecified (\"this network\") address"),
        Range(prefix: [10, 0, 0, 0], length: 8, reason: "a private address"),
        Range(prefix: [100, 64, 0, 0], length: 10, reason: "a shared (carrier-grade NAT) address"),
        Range(prefix: [127, 0, 0, 0], length: 8, reason: "a loopback address"),
        Range(prefix: [169, 254, 0, 0], length: 16, reason: "a link-local address"),
        Range(prefix: [172, 16, 0, 0], length: 12, reason: "a private address"),
        Range(prefix: [192, 0, 0, 0], length: 24, reason: "an IETF protocol assignment"),
        Range(prefix: [192, 0, 2, 0], length: 24, reason: "a documentation address"),
        Range(prefix: [192, 88, 99, 0], length: 24, reason: "a 6to4 relay anycast address"),
        Range(prefix: [192, 168, 0, 0], length: 16, reason: "a private address"),
        Range(prefix: [198, 18, 0, 0], length: 15, reason: "a benchmarking address"),
        Range(prefix: [198, 51, 100, 0], length: 24, reason: "a documentation address"),
        Range(prefix: [203, 0, 113, 0], length: 24, reason: "a documentation address"),
        Range(prefix: [224, 0, 0, 0], length: 4, reason: "a multicast address"),
        Range(prefix: [240, 0, 0, 0], length: 4, reason: "a reserved or broadcast address"),
    ]

    private static func v6(_ head: [UInt8]) -> [UInt8] { head + [UInt8](repeating: 0, count: 16 - head.count) }

    private static let ipv6Ranges: [Range] = [
        Range(prefix: v6([]), length: 128, reason: "the unspecified address"),
        Range(prefix: v6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), length: 128, reason: "a loopback address"),
        Range(prefix: v6([]), length: 96, reason: "an IPv4-compatible address"),
        Range(prefix: v6([0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01]), length: 48, reason: "a local-use NAT64 address"),
        Range(prefix: v6([0x01, 0x00]), length: 64, reason: "a discard-only address"),
        Range(prefix: v6([0x20, 0x01, 0x0D, 0xB8]), length: 32, reason: "a documentation address"),
        Range(prefix: v6([0x20, 0x01]), length: 23, reason: "an IETF protocol assignment (Teredo, ORCHID, …)"),
        Range(prefix: v6([0x3F, 0xFF]), length: 20, reason: "a documentation address"),
        Range(prefix: v6([0xFC]), length: 7, reason: "a unique local (private) address"),
        Range(prefix: v6([0xFE, 0x80]), length: 10, reason: "a link-local address"),
        Range(prefix: v6([0xFE, 0xC0]), length: 10, reason: "a site-local address"),
        Range(prefix: v6([0xFF]), length: 8, reason: "a multicast address"),
    ]

    private static let mapped = Range(
        prefix: v6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]), length: 96, reason: "an IPv4-mapped address")
    private static let nat64 = Range(prefix: v6([0x00, 0x64, 0xFF, 0x9B]), length: 96, reason: "a NAT64 address")
    private static let sixToFour = Range(prefix: v6([0x20, 0x02]), length: 16, reason: "a 6to4 address")
    private static let globalUnicast = Range(prefix: v6([0x20]), length: 3, reason: "")

    static func ipv4BlockReason(_ bytes: [UInt8]) -> String? {
        guard bytes.count == 4 else { return "a malformed address" }
        return ipv4Ranges.first { $0.contains(bytes) }?.reason
    }

    static func ipv6BlockReason(_ bytes: [UInt8]) -> String? {
        guard bytes.count == 16 else { return "a malformed address" }
        for embedding in [mapped, nat64] where embedding.contains(bytes) {
            return ipv4BlockReason(Array(bytes[12..<16])).map { "\(embedding.reason) of \($0)" }
        }
        if sixToFour.contains(bytes) {
            return ipv4BlockReason(Array(bytes[2..<6])).map { "\(sixToFour.reason) of \($0)" }
        }
        if let range = ipv6Ranges.first(where: { $0.contains(bytes) }) { return range.reason }
        if !globalUnicast.contains(bytes) { return "not a global unicast address" }
        return nil
    }
}
