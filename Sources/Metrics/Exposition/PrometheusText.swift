/// The Prometheus text exposition format, version 0.0.4.
///
/// Names are validated when families are registered or collected, so only
/// HELP text and label values need escaping here. Numbers follow what the
/// Prometheus parser reads and people expect to see: integral values without
/// a fraction or exponent (`1000000`, not `1e+06`), everything else in the
/// shortest form that reads back to the same double, and `+Inf`, `-Inf`, `NaN`.
public enum PrometheusText {
    /// The `Content-Type` a `/metrics` response carries.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Formats a sample value or a bucket bound.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        // Swift's shortest round-trip form, which writes integral values up
        // to 1e16 with a ".0" that says nothing.
        let text = value.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// HELP text: backslash and line feed are the only escapes the format has there.
    static func escapeHelp(_ text: String) -> String {
        // Scalars, not Characters: "\r\n" is one Character that holds a line feed.
        guard text.unicodeScalars.contains(where: { $0 == "\\" || $0 == "\n" }) else { return text }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count + 8)
        for character in text.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// Label values additionally escape the double quote that delimits them.
    static func escapeLabelValue(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "\\" || $0 == "\n" || $0 == "\"" }) else { return text }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count + 8)
        for character in text.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\"": escaped += "\\\""
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// Renders families in name order; a family without samples is left out,
    /// as the Prometheus client libraries do.
    static func render(_ families: [FamilySnapshot]) -> String {
        var text = ""
        text.reserveCapacity(families.reduce(0) { $0 + 64 + $1.samples.count * 64 })
        for family in families.sorted(by: { $0.name < $1.name }) where !family.samples.isEmpty {
            text += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            text += "# TYPE \(family.name) \(family.type)\n"
            for sample in family.samples {
                text += sample.name
                if !sample.labels.isEmpty {
                    text += "{"
                    for (index, label) in sample.labels.enumerated() {
                        if index > 0 { text += "," }
                        text += "\(label.name)=\"\(escapeLabelValue(label.value))\""
                    }
                    text += "}"
                }
                text += " \(format(sample.value))\n"
            }
        }
        return text
    }
}
