/// CRC-32 (ISO-HDLC: the zlib, PNG and Ethernet checksum), table-driven.
///
/// Used as the checksum inside API keys: it detects every single-character
/// substitution and every transposition of adjacent characters (any error
/// confined to 32 consecutive bits), so a typo is rejected before the
/// database is asked, and a secret scanner can tell a real key from random
/// text that merely looks like one. It is not a MAC: anyone can compute it,
/// and it adds no secrecy — the key's random part does that.
public enum CRC32 {
    /// The checksum of `bytes`; `checksum("123456789".utf8) == 0xCBF4_3926`.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// One entry per byte value for the reflected polynomial 0xEDB88320.
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1
        }
        return value
    }
}
