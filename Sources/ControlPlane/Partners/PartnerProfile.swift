import Foundation

/// A partner with its brand, as the partner API shows it.
public struct PartnerProfile: Sendable, Equatable {
    public let partner: Partner
    public let primaryColor: BrandColor
    public let accentColor: BrandColor
    /// Custom portal domains, sorted.
    public let domains: [String]
    /// Nil when no logo was uploaded.
    public let logoFormat: PartnerLogo.Format?
    public let createdAt: Date
    /// Shown beside the support e-mail address; nil when the partner gives none.
    public var supportPhone: String? = nil
    /// The portal's footer; nil for the default made from the name.
    public var footerText: String? = nil
}

/// A new partner: the profile fields `POST /v1/partners` takes.
public struct NewPartner: Sendable, Equatable {
    public var slug: Slug
    public var kind: PartnerKind
    public var displayName: String
    public var supportEmail: String
    public var primaryColor: BrandColor?
    public var accentColor: BrandColor?
    public var domains: [String]

    public init(
        slug: Slug, kind: PartnerKind, displayName: String, supportEmail: String, primaryColor: BrandColor? = nil,
        accentColor: BrandColor? = nil, domains: [String] = []
    ) {
        self.slug = slug
        self.kind = kind
        self.displayName = displayName
        self.supportEmail = supportEmail
        self.primaryColor = primaryColor
        self.accentColor = accentColor
        self.domains = domains
    }
}

/// A partial brand update: nil leaves a field as it is.
public struct BrandChanges: Sendable, Equatable {
    public var displayName: String?
    public var supportEmail: String?
    public var primaryColor: BrandColor?
    public var accentColor: BrandColor?
    /// The whole new list, replacing the old one.
    public var domains: [String]?
    /// `.some(nil)` removes the number.
    public var supportPhone: String??
    /// `.some(nil)` goes back to the default footer.
    public var footerText: String??

    public init(
        displayName: String? = nil, supportEmail: String? = nil, primaryColor: BrandColor? = nil,
        accentColor: BrandColor? = nil, domains: [String]? = nil, supportPhone: String?? = nil, footerText: String?? = nil
    ) {
        self.displayName = displayName
        self.supportEmail = supportEmail
        self.primaryColor = primaryColor
        self.accentColor = accentColor
        self.domains = domains
        self.supportPhone = supportPhone
        self.footerText = footerText
    }
}

/// The checks on brand fields shared by creation and update, so that both
/// refuse the same values with the same errors before the database does.
enum BrandRules {
    static let maximumDisplayName = 200
    static let maximumDomains = 20

    static func checkDisplayName(_ name: String) throws(ControlPlaneError) {
        guard (1...maximumDisplayName).contains(name.count), !name.allSatisfy(\.isWhitespace) else {
            throw .invalid(
                "invalid_display_name", "display_name is 1 to \(maximumDisplayName) characters", field: "display_name")
        }
    }

    static let maximumFooter = 300

    /// The shape the schema's CHECK allows: digits and the separators people write.
    static func checkSupportPhone(_ phone: String) throws(ControlPlaneError) {
        let bytes = Array(phone.utf8)
        let body = bytes.first == UInt8(ascii: "+") ? Array(bytes.dropFirst()) : bytes
        guard (3...30).contains(body.count), let first = body.first, (48...57).contains(first),
            body.allSatisfy({ (48...57).contains($0) || [32, 40, 41, 45].contains($0) })
        else {
            throw .invalid(
                "invalid_phone", "support_phone is a telephone number such as +44 20 7946 0000", field: "support_phone")
        }
    }

    static func checkFooter(_ text: String) throws(ControlPlaneError) {
        guard (1...maximumFooter).contains(text.count), !text.allSatisfy(\.isWhitespace) else {
            throw .invalid("invalid_footer", "footer_text is 1 to \(maximumFooter) characters", field: "footer_text")
        }
    }

    static func checkSupportEmail(_ email: String) throws(ControlPlaneError) {
        guard EmailAddress.isPlausible(email) else {
            throw .invalid("invalid_email", "support_email must be an e-mail address", field: "support_email")
        }
    }

    static func checkPrimary(_ color: BrandColor) throws(ControlPlaneError) {
        guard color.carriesReadableText else {
            let best = (color.contrast(with: color.textColor) * 100).rounded(.down) / 100
            throw .invalid(
                "insufficient_contrast",
                "neither white nor near-black text reaches 4.5:1 on \(color) (best \(best):1); choose a lighter or darker primary colour",
                field: "primary_color")
        }
    }

    /// Lowercased, deduplicated and sorted; each a DNS name with at least two labels.
    static func normalizedDomains(_ domains: [String]) throws(ControlPlaneError) -> [String] {
        guard domains.count <= maximumDomains else {
            throw .invalid("invalid_domain", "at most \(maximumDomains) domains", field: "domains")
        }
        let normalized = Set(domains.map { $0.lowercased() }).sorted()
        for domain in normalized where !isDomain(domain) {
            throw .invalid(
                "invalid_domain", "'\(domain.prefix(80))' is not a domain name such as portal.example.com",
                field: "domains")
        }
        return normalized
    }

    static func isDomain(_ text: String) -> Bool {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard text.utf8.count <= 253, labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            let bytes = Array(label.utf8)
            guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-")
            else { return false }
            return bytes.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: "-") }
        }
    }
}

/// The e-mail check the control schema's constraints make (`^[^@\s]+@[^@\s]+$`), in Swift.
enum EmailAddress {
    static let maximumLength = 254

    static func isPlausible(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard text.utf8.count <= maximumLength, parts.count == 2 else { return false }
        return parts.allSatisfy { !$0.isEmpty && !$0.contains(where: \.isWhitespace) }
    }
}
