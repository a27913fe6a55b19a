@testable import ControlPlane
import Testing

@Suite("IP allow-list")
struct IPAllowListTests {
    @Test(
        "addresses parse and print canonically",
        arguments: [
            ("0.0.0.0", "0.0.0.0"),
            ("255.255.255.255", "255.255.255.255"),
            ("10.1.2.3", "10.1.2.3"),
            ("::", "::"),
            ("::1", "::1"),
            ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
            ("fe80::1:2", "fe80::1:2"),
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ])
    func addresses(text: String, canonical: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.description == canonical)
        #expect(IPAddress(canonical) == address)
    }

    @Test(
        "malformed addresses are refused",
        arguments: [
            "", " ", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.-1", "01.2.3.4", "1.2.3.4 ", "a.b.c.d", "1.2.3.4:80",
            "[::1]", "::1%eth0", "1:2:3:4:5:6:7:8:9", "2001:db8:::1", "12345::", "::g", "localhost",
            String(repeating: "1", count: 100),
        ])
    func badAddresses(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test(
        "CIDR blocks and single addresses parse, with their prefix length",
        arguments: [
            ("10.0.0.0/8", "10.0.0.0/8"),
            ("0.0.0.0/0", "0.0.0.0/0"),
            ("192.168.1.7/32", "192.168.1.7/32"),
            ("192.168.1.7", "192.168.1.7/32"),
            ("2001:db8::/32", "2001:db8::/32"),
            ("::/0", "::/0"),
            ("2001:db8::1/128", "2001:db8::1/128"),
            ("2001:db8::1", "2001:db8::1/128"),
            ("::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104"),
            ("10.0.0.0/008", "10.0.0.0/8"),
        ])
    func cidrs(text: String, canonical: String) throws {
        let cidr = try CIDR(parsing: text)
        #expect(cidr.description == canonical)
        #expect(try CIDR(parsing: canonical) == cidr)
    }

    @Test(
        "malformed CIDR entries are invalid_cidr naming the entry",
        arguments: [
            ("10.0.0.0/33", "prefix length from 0 to 32"),
            ("2001:db8::/129", "prefix length from 0 to 128"),
            ("10.0.0.0/", "prefix length"),
            ("10.0.0.0/-1", "prefix length"),
            ("10.0.0.0/+8", "prefix length"),
            ("10.0.0.0/8/8", "prefix length"),
            ("10.0.0.0/1000", "prefix length"),
            ("10.0.0.0/ 8", "prefix length"),
            ("10.0.0.1/8", "bits set to the right"),
            ("2001:db8::1/32", "bits set to the right"),
            ("0.0.0.1/0", "bits set to the right"),
            ("/8", "is not an IPv4 or IPv6"),
            ("example.com/24", "is not an IPv4 or IPv6"),
            ("", "is not an IPv4 or IPv6"),
        ])
    func badCIDRs(text: String, reason: String) {
        #expect {
            try CIDR(parsing: text)
        } throws: { error in
            guard let error = error as? ControlPlaneError else { return false }
            return error.code == "invalid_cidr" && error.field == "ip_allow" && error.httpStatus == 422
                && error.message.contains(reason) && (text.isEmpty || error.message.contains("'\(text)'"))
        }
    }

    @Test(
        "matching covers edges of each block, both families and IPv4-mapped addresses",
        arguments: [
            ("10.0.0.0/8", "10.0.0.0", true),
            ("10.0.0.0/8", "10.255.255.255", true),
            ("10.0.0.0/8", "11.0.0.0", false),
            ("10.0.0.0/8", "9.255.255.255", false),
            ("10.0.0.0/8", "::ffff:10.1.2.3", true),
            ("10.0.0.0/8", "::ffff:11.1.2.3", false),
            ("10.0.0.0/8", "::a01:203", false),  // IPv4-compatible, not mapped
            ("10.0.0.0/8", "2001:db8::1", false),
            ("192.168.1.7/32", "192.168.1.7", true),
            ("192.168.1.7/32", "192.168.1.8", false),
            ("192.168.1.7", "::ffff:192.168.1.7", true),
            ("0.0.0.0/0", "1.2.3.4", true),
            ("0.0.0.0/0", "255.255.255.255", true),
            ("0.0.0.0/0", "::ffff:1.2.3.4", true),
            ("0.0.0.0/0", "2001:db8::1", false),
            ("2001:db8::/32", "2001:db8::", true),
            ("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true),
            ("2001:db8::/32", "2001:db9::", false),
            ("2001:db8::/32", "10.0.0.1", false),
            ("2001:db8::1/128", "2001:db8::1", true),
            ("2001:db8::1/128", "2001:db8::2", false),
            ("::/0", "2001:db8::1", true),
            ("::/0", "::", true),
            ("::/0", "1.2.3.4", true),  // IPv4 seen as ::ffff:1.2.3.4
            ("::ffff:10.0.0.0/104", "10.9.8.7", true),
            ("::ffff:10.0.0.0/104", "11.9.8.7", false),
            ("10.0.0.0/8", "not an address", false),
        ])
    func matching(rule: String, address: String, expected: Bool) throws {
        let list = try IPAllowList(parsing: [rule])
        #expect(list.allows(address) == expected)
    }

    @Test("an empty list allows everything, even an unparseable address; a non-empty list fails closed")
    func emptyList() throws {
        let empty = try IPAllowList(parsing: "")
        #expect(empty.isEmpty)
        #expect(empty.allows("1.2.3.4"))
        #expect(empty.allows("2001:db8::1"))
        #expect(empty.allows("garbage"))
        #expect(empty.description == "any")
        let list = try IPAllowList(parsing: "10.0.0.0/8, 2001:db8::/32")
        #expect(list.storedValues == ["10.0.0.0/8", "2001:db8::/32"])
        #expect(list.allows("10.1.1.1"))
        #expect(list.allows("2001:db8::5"))
        #expect(!list.allows("192.168.0.1"))
        #expect(!list.allows(""))
        #expect(try IPAllowList(parsing: list.storedValues) == list)
    }

    @Test("a list reports the first bad entry")
    func listError() {
        #expect {
            try IPAllowList(parsing: "10.0.0.0/8,10.0.0.1/8,bad")
        } throws: { error in
            (error as? ControlPlaneError)?.message.contains("'10.0.0.1/8'") == true
        }
    }
}
