/// What the layout shows of the partner whose portal this is.
public struct PortalBrand: Sendable, Equatable {
    public let name: String
    /// The partner's slug; names the brand stylesheet `/brand/<partner>.css`.
    public let partner: String
    public let logoSource: String?
    public let homeHref: String
    public let supportEmail: String
    public let supportPhone: String?
    public let footerText: String

    /// - Throws: `brand_invalid_partner` for a bad slug; `component_unsafe_link` for a logo URL that is not a
    ///   same-site path or https URL, or a support address that is not an email address.
    public init(
        name: String, partner: String, logoSource: String? = nil, homeHref: String = "/", supportEmail: String,
        supportPhone: String? = nil, footerText: String
    ) throws {
        _ = try BrandStylesheet.path(forPartner: partner)
        if let logoSource {
            guard logoSource.hasPrefix("/") || logoSource.lowercased().hasPrefix("https://") else {
                throw ComponentError(.unsafeLink, field: "logo", "a logo is a same-site path or an https URL")
            }
            _ = try LinkTarget.validate(logoSource, field: "logo")
        }
        _ = try LinkTarget.validate(homeHref, field: "home")
        let parts = supportEmail.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains(".") else {
            throw ComponentError(.unsafeLink, field: "support_email", "the support contact must be an email address")
        }
        _ = try LinkTarget.validate("mailto:" + supportEmail, field: "support_email")
        self.name = name
        self.partner = partner
        self.logoSource = logoSource
        self.homeHref = homeHref
        self.supportEmail = supportEmail
        self.supportPhone = supportPhone
        self.footerText = footerText
    }

    /// `tel:` link keeping only what dialling needs: digits and a leading +.
    var supportPhoneHref: String? {
        guard let supportPhone else { return nil }
        let dialable = supportPhone.filter { $0.isASCII && ($0.isNumber || $0 == "+") }
        return dialable.isEmpty ? nil : "tel:" + dialable
    }

    var viewValue: ViewValue {
        let phoneHref = supportPhoneHref
        return [
            "name": .string(name), "logo_src": logoSource.map(ViewValue.string) ?? .null,
            "home_href": .string(homeHref), "stylesheet_href": .string("/brand/\(partner).css"),
            "support_email": .string(supportEmail),
            "support_phone": phoneHref == nil ? .null : supportPhone.map(ViewValue.string) ?? .null,
            "support_phone_href": phoneHref.map(ViewValue.string) ?? .null, "footer_text": .string(footerText),
        ]
    }
}
