import Testing

@testable import HTTP

@Suite("HTTP client address policy")
struct AddressPolicyTests {
    @Test(
        "refused: not on the public internet",
        arguments: [
            "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.254", "127.0.0.1",
            "127.255.255.254", "169.254.169.254", "169.254.0.1", "172.16.0.1", "172.31.255.255", "192.0.0.8",
            "192.0.2.10", "192.88.99.1", "192.168.1.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9",
            "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
            "::", "::1", "::127.0.0.1", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1", "64:ff9b:1::1", "100::1", "2001::1", "2001:db8::1",
            "2002:7f00:1::", "2002:a00:1::1", "3fff::1", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "fec0::1",
            "ff02::1", "4000::1", "::2",
        ])
    func refused(_ text: String) throws {
        let address = try #require(SocketAddress(numeric: text, port: 443))
        #expect(AddressPolicy.blockReason(address) != nil)
    }

    @Test(
        "allowed: public unicast",
        arguments: [
            "1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "126.255.255.255",
            "128.0.0.0", "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0", "192.167.255.255",
            "192.169.0.0", "198.17.255.255", "198.20.0.0", "223.255.255.255",
            "2606:4700:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
            "2001:200::1", "3ffe::1",
        ])
    func allowed(_ text: String) throws {
        let address = try #require(SocketAddress(numeric: text, port: 443))
        #expect(AddressPolicy.blockReason(address) == nil, "\(AddressPolicy.blockReason(address) ?? "")")
    }

    @Test("mapped and embedded addresses name the inner reason")
    func embeddedReason() throws {
        let mapped = try #require(SocketAddress(numeric: "::ffff:127.0.0.1", port: 80))
        #expect(AddressPolicy.blockReason(mapped) == "an IPv4-mapped address of a loopback address")
        let metadata = try #require(SocketAddress(numeric: "169.254.169.254", port: 80))
        #expect(AddressPolicy.blockReason(metadata) == "a link-local address")
    }

    @Test("socket addresses round-trip through sockaddr")
    func sockaddrRoundTrip() throws {
        for text in ["203.0.113.9", "2001:db8::7"] {
            let address = try #require(SocketAddress(numeric: text, port: 8443))
            let copy = address.withSockaddr { SocketAddress($0, length: $1) }
            #expect(copy == address)
            #expect(address.addressText == text)
        }
    }
}
