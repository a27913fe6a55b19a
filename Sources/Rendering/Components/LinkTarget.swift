/// Checks URLs before they are placed in `href`/`src`/`action`.
///
/// Escaping makes a URL safe inside the attribute but not safe to follow:
/// `javascript:` and `data:` URLs run code. Only same-site paths (`/x`, not
/// `//host`), fragments, `https:`, `mailto:` and `tel:` pass.
public enum LinkTarget {
    public static func validate(_ href: String, field: String = "href") throws(ComponentError) -> String {
        let lower = href.lowercased()
        let isSameSitePath = href.hasPrefix("/") && !href.hasPrefix("//") && !href.hasPrefix("/\\")
        let allowed =
            isSameSitePath || href.hasPrefix("#") || href.hasPrefix("?") || lower.hasPrefix("https://")
            || lower.hasPrefix("mailto:") || lower.hasPrefix("tel:")
        guard allowed, !href.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7f }) else {
            throw ComponentError(
                .unsafeLink, field: field,
                "\(field) must be a path starting with /, a #fragment, or an https:, mailto: or tel: URL without spaces"
            )
        }
        return href
    }
}
