/// Character classes of RFC 9110 §5.6 as bit tests, so that the parser's hot
/// loops touch no tables, globals or `String`s.
enum ByteClass {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let comma: UInt8 = 0x2C
    static let semicolon: UInt8 = 0x3B
    static let questionMark: UInt8 = 0x3F
    static let slash: UInt8 = 0x2F
    static let percent: UInt8 = 0x25
    static let plus: UInt8 = 0x2B
    static let equals: UInt8 = 0x3D
    static let ampersand: UInt8 = 0x26
    static let dot: UInt8 = 0x2E
    static let asterisk: UInt8 = 0x2A

    // Bits of `tchar` ("!#$%&'*+-.^_`|~", DIGIT, ALPHA) below and above 64.
    private static let tokenLow: UInt64 = 0x03ff_6cfa_0000_0000
    private static let tokenHigh: UInt64 = 0x57ff_ffff_c7ff_fffe
    private static let hexLow: UInt64 = 0x03ff_0000_0000_0000
    private static let hexHigh: UInt64 = 0x0000_007e_0000_007e

    @inline(__always)
    static func isToken(_ byte: UInt8) -> Bool {
        if byte < 64 { return tokenLow & (1 &<< UInt64(byte)) != 0 }
        if byte < 128 { return tokenHigh & (1 &<< UInt64(byte &- 64)) != 0 }
        return false
    }

    @inline(__always)
    static func isHexDigit(_ byte: UInt8) -> Bool {
        if byte < 64 { return hexLow & (1 &<< UInt64(byte)) != 0 }
        if byte < 128 { return hexHigh & (1 &<< UInt64(byte &- 64)) != 0 }
        return false
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> Int {
        switch byte {
        case 0x30...0x39: return Int(byte &- 0x30)
        case 0x41...0x46: return Int(byte &- 0x41 &+ 10)
        case 0x61...0x66: return Int(byte &- 0x61 &+ 10)
        default: return -1
        }
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    /// `field-vchar / SP / HTAB`: visible ASCII and obs-text; every other control is refused.
    @inline(__always)
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte >= 0x20 ? byte != 0x7F : byte == tab
    }

    /// Bytes allowed unencoded in a request target: visible ASCII only.
    @inline(__always)
    static func isTargetByte(_ byte: UInt8) -> Bool { byte &- 0x21 < 0x5E }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 { byte &- 0x41 < 26 ? byte | 0x20 : byte }
}

extension UnsafeRawBufferPointer {
    /// Compares `self[range]` with a lowercase ASCII literal, ignoring ASCII case.
    @inline(__always)
    func equalsLowercase(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let expected = literal.utf8Start
        var index = 0
        for position in range {
            if ByteClass.lowercased(self[position]) != expected[index] { return false }
            index += 1
        }
        return true
    }
}
