/// Keeps a per-tenant (or per-anything) gauge to a fixed number of series:
/// the `limit` largest values by name, plus one `other` entry holding the sum
/// of the rest.
///
/// With thousands of tenants, one series each would make every scrape and
/// the time-series database pay for tenants nobody is looking at; the top
/// few are where attention goes, and `other` keeps the total right. `other`
/// is always present (0 when nothing was left over) so the series does not
/// come and go. An input entry already named `other` is added to it rather
/// than ranked, so the output never holds the label twice. NaN values rank
/// below every number.
public struct TopN: Sendable {
    public struct Entry: Sendable, Equatable {
        public var label: String
        public var value: Double

        public init(label: String, value: Double) {
            self.label = label
            self.value = value
        }
    }

    public let limit: Int
    public let otherLabel: String

    public init(_ limit: Int, otherLabel: String = "other") {
        self.limit = max(0, limit)
        self.otherLabel = otherLabel
    }

    /// The largest `limit` entries, largest first (ties by label), then `other`.
    public func select(_ entries: [(label: String, value: Double)]) -> [Entry] {
        var other = 0.0
        var ranked: [Entry] = []
        ranked.reserveCapacity(entries.count)
        for entry in entries {
            if entry.label == otherLabel {
                other += entry.value
            } else {
                ranked.append(Entry(label: entry.label, value: entry.value))
            }
        }
        ranked.sort { lhs, rhs in
            let left = lhs.value.isNaN ? -Double.infinity : lhs.value
            let right = rhs.value.isNaN ? -Double.infinity : rhs.value
            if left != right { return left > right }
            if lhs.value.isNaN != rhs.value.isNaN { return rhs.value.isNaN }
            return lhs.label < rhs.label
        }
        let kept = ranked.prefix(limit)
        for entry in ranked.dropFirst(limit) {
            other += entry.value
        }
        return Array(kept) + [Entry(label: otherLabel, value: other)]
    }
}
