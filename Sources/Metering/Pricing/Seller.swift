import Billing
import ControlPlane

/// Reads who sells from the form operators type and storage keeps: `provider` or `partner:<slug>`.
public enum Seller {
    /// - Throws: `invalid_seller` (422, field `seller`) for anything else.
    public static func parse(_ text: String) throws(MeteringError) -> BillingParty {
        if text == "provider" { return .provider }
        guard text.hasPrefix("partner:"), let slug = try? Slug(String(text.dropFirst("partner:".count))) else {
            throw MeteringError.invalid(
                "invalid_seller", "a seller is 'provider' or 'partner:<slug>', not '\(text.prefix(60))'", field: "seller")
        }
        return .partner(slug.value)
    }
}
