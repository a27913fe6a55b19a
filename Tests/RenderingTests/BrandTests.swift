import Rendering
import Testing

@Suite("Brand colours")
struct BrandTests {
    @Test(arguments: [
        ("#fff", RGBColour.white), ("#FFFFFF", .white), ("#1f4E79", RGBColour(red: 0x1f, green: 0x4e, blue: 0x79)),
        ("#0a3", RGBColour(red: 0x00, green: 0xaa, blue: 0x33)),
    ])
    func parsesShortAndLongHex(text: String, colour: RGBColour) throws {
        #expect(try RGBColour(hex: text) == colour)
    }

    @Test(arguments: [
        "", "#", "fff", "#ff", "#ffff", "#fffffff", "#ggg", "#12345g", " #ffffff", "#ffffff ", "red", "#fff;",
        "#fff;}body{background:url(https://evil)}", "#fff\n", "rgb(0,0,0)", "#ｆｆｆ",
    ])
    func refusesAnythingElse(text: String) {
        let error = #expect(throws: BrandError.self) { try RGBColour(hex: text, field: "primary") }
        #expect(error?.code == "brand_invalid_colour")
        #expect(error?.field == "primary")
    }

    @Test func hexIsNormalisedToLowerCaseSixDigits() throws {
        #expect(try RGBColour(hex: "#ABC").hex == "#aabbcc")
    }

    @Test func luminanceEndpoints() {
        #expect(RGBColour.white.relativeLuminance == 1)
        #expect(RGBColour(red: 0, green: 0, blue: 0).relativeLuminance == 0)
        #expect(RGBColour.white.contrastRatio(with: RGBColour(red: 0, green: 0, blue: 0)) == 21)
    }

    /// Ratios published by WebAIM's contrast checker and the WCAG understanding documents.
    @Test(arguments: [
        ("#777777", 4.48), ("#767676", 4.54), ("#595959", 7.0), ("#0000ff", 8.59), ("#ff0000", 3.998),
        ("#008000", 5.14),
    ])
    func contrastAgainstWhiteMatchesPublishedValues(hex: String, expected: Double) throws {
        let ratio = try RGBColour(hex: hex).contrastRatio(with: .white)
        #expect(abs(ratio - expected) < 0.005, "\(hex): \(ratio)")
    }

    @Test func greyThresholdAroundFourPointFive() throws {
        #expect(try RGBColour(hex: "#777777").contrastRatio(with: .white) < 4.5)
        #expect(try RGBColour(hex: "#767676").contrastRatio(with: .white) >= 4.5)
    }

    @Test func darkPrimaryGetsWhiteTextAndLightPrimaryGetsNearBlack() throws {
        let dark = try BrandPalette(primaryHex: "#1f4e79", accentHex: "#b35900")
        #expect(dark.onPrimary == .white)
        let light = try BrandPalette(primaryHex: "#ffd54f", accentHex: "#767676")
        #expect(light.onPrimary == .nearBlack)
        #expect(light.onAccent == .white)
    }

    @Test func midTonePrimaryFailsNamingThePrimary() throws {
        // #7a7a7a: white reaches about 4.3:1 and near-black about 4.1:1.
        let error = #expect(throws: BrandError.self) { try BrandPalette(primaryHex: "#7a7a7a", accentHex: "#1f4e79") }
        #expect(error?.code == "brand_insufficient_contrast")
        #expect(error?.field == "primary")
        #expect(error?.message.contains("#7a7a7a") == true)
        #expect(error?.httpStatus == 422)
    }

    @Test func paleAccentFailsNamingTheAccent() throws {
        let error = #expect(throws: BrandError.self) { try BrandPalette(primaryHex: "#1f4e79", accentHex: "#ffeb3b") }
        #expect(error?.field == "accent")
        #expect(error?.message.contains("3:1") == true)
    }

    @Test func invalidColourInPaletteNamesTheField() throws {
        let error = #expect(throws: BrandError.self) { try BrandPalette(primaryHex: "#1f4e79", accentHex: "orange") }
        #expect(error?.code == "brand_invalid_colour")
        #expect(error?.field == "accent")
    }

    @Test func stylesheetSetsTheFourCustomProperties() throws {
        let palette = try BrandPalette(primaryHex: "#1F4E79", accentHex: "#B35900")
        #expect(
            BrandStylesheet.css(for: palette) == """
                :root {
                  --brand-primary: #1f4e79;
                  --brand-on-primary: #ffffff;
                  --brand-accent: #b35900;
                  --brand-on-accent: #ffffff;
                }

                """)
    }

    @Test(arguments: [
        "#fff; background: url(//evil.example)", "#fff}</style><script>", "expression(alert(1))", "#fff\\3b",
        "var(--x)", "#fff/**/",
    ])
    func injectionAttemptsNeverReachTheStylesheet(attempt: String) {
        #expect(throws: BrandError.self) { try BrandPalette(primaryHex: attempt, accentHex: "#b35900") }
        #expect(throws: BrandError.self) { try BrandPalette(primaryHex: "#1f4e79", accentHex: attempt) }
    }

    @Test func stylesheetPathNeedsASlug() throws {
        #expect(try BrandStylesheet.path(forPartner: "north-star_2") == "/brand/north-star_2.css")
        for bad in ["", "North", "a/b", "../x", "a.css", String(repeating: "a", count: 64)] {
            #expect(throws: BrandError.self) { try BrandStylesheet.path(forPartner: bad) }
        }
    }
}
