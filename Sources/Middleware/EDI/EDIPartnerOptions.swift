import EDI
import Events

/// How one trading partner's X12 maps for a tenant, read from the tenant's
/// `edi_partners` reference table under the interchange sender id (ISA06).
///
/// Kept in a reference table rather than configuration so a tenant maintains
/// its partners like its suppliers (by API or CSV). Members, all optional:
/// `source` (event source, default `edi.<sender>`), `fallback_user`,
/// `default_currency`, `units_of_measure` (an object, or `BX=BOX;CT=CASE`),
/// `sku_qualifiers` (`SK,BP,VP,UP`).
enum EDIPartnerOptions {
    static let table = "edi_partners"

    static func options(sender: String, entry: JSONValue?) -> X12MappingOptions {
        var options = X12MappingOptions(source: defaultSource(sender))
        guard let entry else { return options }
        if let source = entry["source"]?.stringValue, !source.isEmpty { options.source = source }
        options.fallbackUser = entry["fallback_user"]?.stringValue
        options.defaultCurrency = entry["default_currency"]?.stringValue
        switch entry["units_of_measure"] {
        case .object(let members):
            options.unitsOfMeasure = members.compactMapValues(\.stringValue)
        case .string(let text):
            for pair in text.split(whereSeparator: { $0 == ";" || $0 == "," }) {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { options.unitsOfMeasure[String(parts[0])] = String(parts[1]) }
            }
        default:
            break
        }
        if let qualifiers = entry["sku_qualifiers"]?.stringValue {
            options.skuQualifiers = qualifiers.split(separator: ",").map(String.init)
        }
        return options
    }

    /// `edi.` and the sender id in lower case, anything but letters and digits as `-`.
    static func defaultSource(_ sender: String) -> String {
        let cleaned = sender.lowercased().unicodeScalars.map { scalar -> Character in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) ? Character(scalar) : "-"
        }
        return "edi." + String(cleaned.prefix(50))
    }
}
