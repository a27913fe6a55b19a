import Foundation

/// A brand colour, `#rrggbb`, with the WCAG 2.x arithmetic that decides
/// whether text can be read on it.
///
/// The portal writes text on the primary colour (buttons, the header bar) in
/// white or near-black, whichever contrasts more, so a primary colour is
/// refused when neither reaches the WCAG AA minimum for body text (4.5:1):
/// mid-tones such as `#777777` fail both ways. Stored lowercase, as the
/// `control.partners` check constraint requires.
public struct BrandColor: Sendable, Hashable, CustomStringConvertible {
    public let red: UInt8
    public let green: UInt8
    public let blue: UInt8

    /// The two text colours the portal chooses between.
    public static let white = BrandColor(red: 0xFF, green: 0xFF, blue: 0xFF)
    public static let nearBlack = BrandColor(red: 0x11, green: 0x11, blue: 0x11)
    /// WCAG 2.x success criterion 1.4.3 (AA) for normal-size text.
    public static let minimumTextContrast = 4.5

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// Parses `#rrggbb` (either case).
    ///
    /// - Throws: `invalid_color` (422) with `field`.
    public init(parsing text: String, field: String) throws(ControlPlaneError) {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[0] == UInt8(ascii: "#"), let value = UInt32(text.dropFirst(), radix: 16),
            bytes.dropFirst().allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 102) })
        else {
            throw .invalid("invalid_color", "a colour is written #rrggbb, for example #1f4e79", field: field)
        }
        self.init(red: UInt8(value >> 16 & 0xFF), green: UInt8(value >> 8 & 0xFF), blue: UInt8(value & 0xFF))
    }

    /// `#rrggbb`, lowercase.
    public var description: String {
        "#" + [red, green, blue].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// WCAG relative luminance: sRGB channels linearised, then weighted.
    public var relativeLuminance: Double {
        func linear(_ channel: UInt8) -> Double {
            let c = Double(channel) / 255
            return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    }

    /// WCAG contrast ratio, from 1 (same luminance) to 21 (black on white).
    public func contrast(with other: BrandColor) -> Double {
        let (a, b) = (relativeLuminance, other.relativeLuminance)
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }

    /// White or near-black, whichever contrasts more with this colour.
    public var textColor: BrandColor {
        contrast(with: .white) >= contrast(with: .nearBlack) ? .white : .nearBlack
    }

    /// Whether text in ``textColor`` is readable on this colour.
    public var carriesReadableText: Bool { contrast(with: textColor) >= Self.minimumTextContrast }
}
