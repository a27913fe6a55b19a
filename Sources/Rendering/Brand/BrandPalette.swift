/// A partner's colours, checked to be readable, with the text colours to use on them.
///
/// WCAG 2.1 AA asks 4.5:1 for body text (1.4.3) and 3:1 for interface
/// components and focus indicators (1.4.11). The primary colour carries text
/// (header, buttons), so one of white or near-black must reach 4.5:1 on it;
/// the accent colour draws focus rings, links' underlines and chart series on
/// the white page, so it must reach 3:1 against white. Text on the accent
/// uses whichever of white or near-black contrasts more.
public struct BrandPalette: Sendable, Equatable {
    public let primary: RGBColour
    public let accent: RGBColour
    public let onPrimary: RGBColour
    public let onAccent: RGBColour

    public static let minimumTextContrast = 4.5
    public static let minimumComponentContrast = 3.0
    /// The portal's page background, against which the accent must stand out.
    public static let pageBackground = RGBColour.white

    /// - Throws: `brand_invalid_colour` or `brand_insufficient_contrast`, with `field` `primary` or `accent`.
    public init(primaryHex: String, accentHex: String) throws(BrandError) {
        try self.init(
            primary: RGBColour(hex: primaryHex, field: "primary"), accent: RGBColour(hex: accentHex, field: "accent"))
    }

    public init(primary: RGBColour, accent: RGBColour) throws(BrandError) {
        self.primary = primary
        self.accent = accent
        onPrimary = try Self.readableForeground(on: primary, field: "primary")
        let accentContrast = accent.contrastRatio(with: Self.pageBackground)
        guard accentContrast >= Self.minimumComponentContrast else {
            throw BrandError(
                .insufficientContrast, field: "accent",
                "accent colour \(accent.hex) has contrast \(contrastText(accentContrast)) against the white page;"
                    + " it needs at least 3:1 to be visible as a focus ring or chart colour")
        }
        onAccent = Self.bestForeground(on: accent)
    }

    /// White or near-black, whichever reaches 4.5:1 on `background` with the higher ratio.
    ///
    /// - Throws: `brand_insufficient_contrast` for mid-tones (relative luminance roughly
    ///   0.18–0.20) where neither does.
    public static func readableForeground(on background: RGBColour, field: String = "primary") throws(BrandError)
        -> RGBColour
    {
        let best = bestForeground(on: background)
        let ratio = best.contrastRatio(with: background)
        guard ratio >= minimumTextContrast else {
            throw BrandError(
                .insufficientContrast, field: field,
                "\(field) colour \(background.hex) leaves text unreadable: white reaches "
                    + "\(contrastText(RGBColour.white.contrastRatio(with: background))) and near-black "
                    + "\(contrastText(RGBColour.nearBlack.contrastRatio(with: background))), below the 4.5:1 WCAG AA needs;"
                    + " choose a darker or lighter shade")
        }
        return best
    }

    private static func bestForeground(on background: RGBColour) -> RGBColour {
        RGBColour.white.contrastRatio(with: background) >= RGBColour.nearBlack.contrastRatio(with: background)
            ? .white : .nearBlack
    }
}
