#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address.
///
/// IPv4 clients of a dual-stack socket appear as IPv4-mapped IPv6 addresses
/// (`::ffff:1.2.3.4`); ``CIDR/contains(_:)`` treats those as the IPv4 address
/// they carry, so one IPv4 rule covers both spellings.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(UInt32)
    case v6(UInt128)

    /// `::ffff:0:0/96`, the IPv4-mapped block.
    static let mappedPrefix: UInt128 = 0xFFFF << 32

    /// Parses a textual address: dotted-quad IPv4 or RFC 4291 IPv6, without
    /// port, brackets or zone (`%eth0`). Nil for anything else.
    public init?(_ text: some StringProtocol) {
        let string = String(text)
        // The longest IPv6 text (with an embedded IPv4) is 45 characters.
        guard !string.isEmpty, string.utf8.count <= 45 else { return nil }
        if string.contains(":") {
            var address = in6_addr()
            guard inet_pton(AF_INET6, string, &address) == 1 else { return nil }
            let value = withUnsafeBytes(of: &address) { raw in
                raw.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
            }
            self = .v6(value)
        } else {
            var address = in_addr()
            guard inet_pton(AF_INET, string, &address) == 1 else { return nil }
            let value = withUnsafeBytes(of: &address) { raw in
                raw.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            }
            self = .v4(value)
        }
    }

    /// The IPv4 address, also for an IPv4-mapped IPv6 address.
    var ipv4Value: UInt32? {
        switch self {
        case .v4(let value): value
        case .v6(let value) where value >> 32 == Self.mappedPrefix >> 32: UInt32(truncatingIfNeeded: value)
        case .v6: nil
        }
    }

    /// The IPv6 address, mapping an IPv4 address to `::ffff:a.b.c.d`.
    var ipv6Value: UInt128 {
        switch self {
        case .v4(let value): Self.mappedPrefix | UInt128(value)
        case .v6(let value): value
        }
    }

    var bitWidth: Int {
        switch self {
        case .v4: 32
        case .v6: 128
        }
    }

    /// Conventional text: dotted quad, or RFC 5952 compressed IPv6 (from inet_ntop).
    public var description: String {
        switch self {
        case .v4(let value):
            return [24, 16, 8, 0].map { String(value >> UInt32($0) & 0xFF) }.joined(separator: ".")
        case .v6(let value):
            var address = in6_addr()
            withUnsafeMutableBytes(of: &address) { raw in
                for index in 0..<16 {
                    raw[index] = UInt8(truncatingIfNeeded: value >> UInt128(8 * (15 - index)))
                }
            }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else {
                return String(value, radix: 16)
            }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}

/// A block of addresses, `10.0.0.0/8` or `2001:db8::/32`; a bare address is a
/// block of one (`/32`, `/128`).
///
/// Like PostgreSQL's `cidr` (the type of `api_credentials.ip_allow`), bits
/// set to the right of the prefix length are an error: `10.0.0.1/8` almost
/// always means someone mistyped either the address or the length, and
/// silently masking it would grant a wider block than intended.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the block.
    public let network: IPAddress
    public let prefixLength: Int

    /// Parses `address` or `address/length`.
    ///
    /// - Throws: `invalid_cidr` (422, field `ip_allow`) naming the entry.
    public init(parsing text: some StringProtocol) throws(ControlPlaneError) {
        let string = String(text)
        let parts = string.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else {
            throw Self.invalid(string, "is not an IPv4 or IPv6 address or CIDR block")
        }
        var length = address.bitWidth
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                let parsed = Int(digits), parsed <= address.bitWidth
            else {
                throw Self.invalid(string, "needs a prefix length from 0 to \(address.bitWidth)")
            }
            length = parsed
        }
        guard Self.masked(address, length) == address else {
            throw Self.invalid(string, "has bits set to the right of the prefix length /\(length)")
        }
        self.network = address
        self.prefixLength = length
    }

    /// Whether `address` lies in this block. IPv4 rules match IPv4-mapped
    /// IPv6 addresses; IPv6 rules see IPv4 addresses in their mapped form.
    public func contains(_ address: IPAddress) -> Bool {
        switch network {
        case .v4:
            guard let value = address.ipv4Value else { return false }
            return Self.masked(.v4(value), prefixLength) == network
        case .v6:
            return Self.masked(.v6(address.ipv6Value), prefixLength) == network
        }
    }

    /// `network/length`, always with the length, as PostgreSQL prints `cidr`.
    public var description: String { "\(network)/\(prefixLength)" }

    private static func masked(_ address: IPAddress, _ length: Int) -> IPAddress {
        switch address {
        case .v4(let value):
            return .v4(length == 0 ? 0 : value & (UInt32.max << UInt32(32 - length)))
        case .v6(let value):
            return .v6(length == 0 ? 0 : value & (UInt128.max << UInt128(128 - length)))
        }
    }

    private static func invalid(_ entry: String, _ reason: String) -> ControlPlaneError {
        .invalid("invalid_cidr", "IP allow-list entry \(UntrustedText.quoted(entry)) \(reason)", field: "ip_allow")
    }
}

/// The addresses a credential may be used from. Empty means anywhere: most
/// integrations run on hosts whose addresses change.
public struct IPAllowList: Sendable, Hashable, CustomStringConvertible {
    public let entries: [CIDR]

    public init(_ entries: [CIDR] = []) {
        self.entries = entries
    }

    /// Parses entries such as the elements of `api_credentials.ip_allow`.
    ///
    /// - Throws: `invalid_cidr` naming the first bad entry.
    public init(parsing entries: [String]) throws(ControlPlaneError) {
        var parsed: [CIDR] = []
        for entry in entries {
            parsed.append(try CIDR(parsing: entry.filter { $0 != " " }))
        }
        self.entries = parsed
    }

    /// Parses `10.0.0.0/8, 2001:db8::/32` (an empty string is an empty list).
    public init(parsing list: String) throws(ControlPlaneError) {
        let items = list.split(separator: ",").map(String.init).filter { !$0.allSatisfy { $0 == " " } }
        try self.init(parsing: items)
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// Whether a request from `address` is allowed. With a non-empty list, an
    /// address that does not parse is refused: failing closed.
    public func allows(_ address: String) -> Bool {
        guard !entries.isEmpty else { return true }
        guard let parsed = IPAddress(address) else { return false }
        return allows(parsed)
    }

    public func allows(_ address: IPAddress) -> Bool {
        entries.isEmpty || entries.contains { $0.contains(address) }
    }

    /// Each entry as PostgreSQL `cidr` text.
    public var storedValues: [String] { entries.map(\.description) }

    public var description: String { entries.isEmpty ? "any" : storedValues.joined(separator: ",") }
}
