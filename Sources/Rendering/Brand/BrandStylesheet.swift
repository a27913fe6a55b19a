/// The per-partner stylesheet that carries brand colours as CSS custom properties.
///
/// The portal's Content-Security-Policy forbids inline `style` attributes and
/// `<style>` elements, so colours reach the page as a tiny stylesheet served
/// at `/brand/<partner>.css` and linked after `/static/app.css`. Every value
/// written comes from a parsed `RGBColour`, never from the partner's text, so
/// nothing but a colour can reach the CSS.
public enum BrandStylesheet {
    public static let contentType = "text/css; charset=utf-8"

    public static func css(for palette: BrandPalette) -> String {
        """
        :root {
          --brand-primary: \(palette.primary.hex);
          --brand-on-primary: \(palette.onPrimary.hex);
          --brand-accent: \(palette.accent.hex);
          --brand-on-accent: \(palette.onAccent.hex);
        }

        """
    }

    /// The stylesheet's URL path, `/brand/<partner>.css`.
    ///
    /// - Throws: `brand_invalid_partner` unless `partner` is a slug (lower-case letters, digits, `-`, `_`; 1–63).
    public static func path(forPartner partner: String) throws(BrandError) -> String {
        guard (1...63).contains(partner.utf8.count),
            partner.utf8.allSatisfy({ byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            })
        else {
            throw BrandError(
                .invalidPartner, field: "partner",
                "a partner slug is 1 to 63 lower-case letters, digits, - or _")
        }
        return "/brand/\(partner).css"
    }
}
