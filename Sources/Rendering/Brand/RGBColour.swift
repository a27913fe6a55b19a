import Foundation

/// An sRGB colour parsed from `#rgb` or `#rrggbb`, with WCAG 2.1 luminance.
///
/// Parsing is strict (exactly those two forms, hex digits only) because the
/// value ends up in a stylesheet: whatever is not a colour is refused rather
/// than cleaned, and `hex` is regenerated from the parsed bytes, never copied
/// from the input.
public struct RGBColour: Sendable, Hashable, CustomStringConvertible {
    public let red: UInt8
    public let green: UInt8
    public let blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let white = RGBColour(red: 255, green: 255, blue: 255)
    /// Not pure black: softer on white-ish primaries, and still above 4.5:1 wherever black would pass narrowly.
    public static let nearBlack = RGBColour(red: 0x11, green: 0x11, blue: 0x11)

    /// - Throws: `brand_invalid_colour` naming `field` unless `text` is `#rgb` or `#rrggbb`.
    public init(hex text: String, field: String = "colour") throws(BrandError) {
        let bytes = Array(text.utf8)
        let digits = bytes.dropFirst().map(Self.hexValue)
        guard bytes.first == UInt8(ascii: "#"), digits.count == 3 || digits.count == 6,
            !digits.contains(where: { $0 == nil })
        else {
            throw BrandError(
                .invalidColour, field: field,
                "\(field) must be a colour written #rgb or #rrggbb, such as #1f4e79")
        }
        let values = digits.map { $0 ?? 0 }
        if values.count == 3 {
            self.init(red: values[0] * 17, green: values[1] * 17, blue: values[2] * 17)
        } else {
            self.init(
                red: values[0] * 16 + values[1], green: values[2] * 16 + values[3], blue: values[4] * 16 + values[5])
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Lower-case `#rrggbb`.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = [UInt8(ascii: "#")]
        for channel in [red, green, blue] {
            bytes.append(digits[Int(channel >> 4)])
            bytes.append(digits[Int(channel & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public var description: String { hex }

    /// WCAG 2.1 relative luminance, 0 for black to 1 for white.
    public var relativeLuminance: Double {
        func linear(_ channel: UInt8) -> Double {
            let value = Double(channel) / 255
            // 0.03928 is WCAG 2.1's threshold (sRGB's own is 0.04045; no 8-bit value lies between them).
            return value <= 0.03928 ? value / 12.92 : pow((value + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    }

    /// WCAG contrast ratio between two colours, from 1 (same) to 21 (black on white); order does not matter.
    public func contrastRatio(with other: RGBColour) -> Double {
        let (lighter, darker) = (
            max(relativeLuminance, other.relativeLuminance), min(relativeLuminance, other.relativeLuminance)
        )
        return (lighter + 0.05) / (darker + 0.05)
    }
}

/// A contrast ratio as people quote it: `4.48:1`, truncated rather than rounded
/// so that a ratio just under a threshold never prints as meeting it.
func contrastText(_ ratio: Double) -> String {
    let hundredths = Int((ratio * 100).rounded(.down))
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction):1"
}
