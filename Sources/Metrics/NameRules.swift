/// The Prometheus rules for metric and label names, checked once at
/// registration (and per scrape for collector output) so that rendering never
/// has to escape or reject a name.
enum NameRules {
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func isValidMetricName(_ name: String) -> Bool {
        isValid(name, allowColon: true)
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`, and not `__`-prefixed: Prometheus keeps those
    /// for its own use and drops them from scraped series.
    static func isValidLabelName(_ name: String) -> Bool {
        isValid(name, allowColon: false) && !name.hasPrefix("__")
    }

    static func checkMetricName(_ name: String) throws(MetricsError) {
        guard isValidMetricName(name) else {
            throw MetricsError(
                .invalidMetricName, "metric name '\(name)' must match [a-zA-Z_:][a-zA-Z0-9_:]*", field: name)
        }
    }

    static func checkHelp(_ help: String, of name: String) throws(MetricsError) {
        guard !help.allSatisfy(\.isWhitespace) else {
            throw MetricsError(.missingHelp, "\(name) needs HELP text saying what it measures", field: name)
        }
    }

    /// Checks each label name, that none repeats, and that none is one the
    /// type adds itself (`le` for histograms).
    static func checkLabelNames(_ names: [String], of metric: String, reserved: Set<String> = []) throws(MetricsError) {
        var seen = Set<String>()
        for name in names {
            guard isValidLabelName(name) else {
                throw MetricsError(
                    .invalidLabelName,
                    "label '\(name)' of \(metric) must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __",
                    field: name)
            }
            guard !reserved.contains(name) else {
                throw MetricsError(.invalidLabelName, "label '\(name)' is reserved for \(metric)'s type", field: name)
            }
            guard seen.insert(name).inserted else {
                throw MetricsError(.invalidLabelName, "label '\(name)' appears twice in \(metric)", field: name)
            }
        }
    }

    private static func isValid(_ name: String, allowColon: Bool) -> Bool {
        guard let first = name.utf8.first else { return false }
        guard isLetterOrUnderscore(first) || (allowColon && first == UInt8(ascii: ":")) else { return false }
        return name.utf8.dropFirst().allSatisfy { byte in
            isLetterOrUnderscore(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || (allowColon && byte == UInt8(ascii: ":"))
        }
    }

    private static func isLetterOrUnderscore(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "_")
    }
}
