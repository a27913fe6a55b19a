/// Random lowercase-hex identifiers for request, trace and span ids.
///
/// `SystemRandomNumberGenerator` reads the kernel's CSPRNG, so ids are not
/// guessable; that matters because request ids appear in error bodies.
public enum RandomIdentifier {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `byteCount` random bytes as `2 * byteCount` hex digits, never all zero
    /// (W3C trace context forbids all-zero trace and span ids).
    public static func hex(byteCount: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String(unsafeUninitializedCapacity: byteCount * 2) { buffer in
            var index = 0
            var allZero = true
            while index < byteCount * 2 {
                let word = generator.next() as UInt64
                var shift = 0
                while shift < 64 && index < byteCount * 2 {
                    let nibble = Int((word >> UInt64(shift)) & 0xF)
                    if nibble != 0 { allZero = false }
                    buffer[index] = digits[nibble]
                    index += 1
                    shift += 4
                }
            }
            if allZero { buffer[byteCount * 2 - 1] = UInt8(ascii: "1") }
            return byteCount * 2
        }
    }
}
