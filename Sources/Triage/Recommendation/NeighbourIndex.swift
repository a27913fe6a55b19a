import Foundation

/// k-nearest-neighbour retrieval over a tenant's cases through buckets of exact-match features.
///
/// A full scan of 100,000 cases per recommendation would be too slow, so cases are filed under
/// four keys, from most to least specific: (supplier, label set), label set, supplier,
/// (variance type, amount band). Candidates are the most recent cases of each bucket in that order
/// until ``limit`` is reached; only they are scored. Similar cases almost always share one of these
/// keys, so the bound costs little recall and keeps the work constant.
struct NeighbourIndex: Sendable {
    struct Entry: Sendable {
        var id: String
        var features: EncodedFeatures
        var rootCause: Int
        var resolution: Int
        var resolvedAt: Date
    }

    private enum Bucket: Hashable {
        case supplierAndLabels(Int, Int)
        case labels(Int)
        case supplier(Int)
        case varianceAndBand(Int, Int)
    }

    let limit: Int
    let weighsDayOfWeek: Bool
    private(set) var entries: [Entry] = []
    /// Case positions in insertion order: cases are learned oldest first, so the tail is the most recent.
    private var buckets: [Bucket: [Int32]] = [:]

    init(limit: Int, weighsDayOfWeek: Bool) {
        self.limit = limit
        self.weighsDayOfWeek = weighsDayOfWeek
    }

    mutating func add(_ entry: Entry) {
        let position = Int32(entries.count)
        entries.append(entry)
        for bucket in Self.buckets(of: entry.features) { buckets[bucket, default: []].append(position) }
    }

    /// The `count` most similar cases, most similar first; ties go to the more recent, then the smaller id.
    func nearest(_ query: EncodedFeatures, count: Int) -> [(entry: Entry, similarity: Double)] {
        var seen = Set<Int32>()
        var scored: [(entry: Entry, similarity: Double)] = []
        for bucket in Self.buckets(of: query) where seen.count < limit {
            guard let positions = buckets[bucket] else { continue }
            for position in positions.reversed() {
                guard seen.count < limit else { break }
                guard seen.insert(position).inserted else { continue }
                let entry = entries[Int(position)]
                scored.append((entry, similarity(query, entry.features)))
            }
        }
        scored.sort { a, b in
            if a.similarity != b.similarity { return a.similarity > b.similarity }
            if a.entry.resolvedAt != b.entry.resolvedAt { return a.entry.resolvedAt > b.entry.resolvedAt }
            return a.entry.id < b.entry.id
        }
        return Array(scored.prefix(count))
    }

    /// Weighted agreement: labels count most (Jaccard overlap), then supplier, amount band (by distance),
    /// variance type and, when used, weekday.
    func similarity(_ a: EncodedFeatures, _ b: EncodedFeatures) -> Double {
        let union = (a.labelMask | b.labelMask).nonzeroBitCount
        let labels = union == 0 ? 1 : Double((a.labelMask & b.labelMask).nonzeroBitCount) / Double(union)
        let supplier: Double = a.supplier >= 0 && a.supplier == b.supplier ? 1 : 0
        let variance: Double = a.varianceType == b.varianceType ? 1 : 0
        let span = Double(AmountBand.allCases.count - 1)
        let band = 1 - Double(abs(a.amountBand - b.amountBand)) / span
        var total = 0.4 * labels + 0.3 * supplier + 0.1 * variance + 0.2 * band
        var weights = 1.0
        if weighsDayOfWeek {
            total += 0.1 * (a.dayOfWeek == b.dayOfWeek ? 1 : 0)
            weights += 0.1
        }
        return total / weights
    }

    private static func buckets(of features: EncodedFeatures) -> [Bucket] {
        var result: [Bucket] = []
        if features.supplier >= 0 { result.append(.supplierAndLabels(features.supplier, features.labelMask)) }
        result.append(.labels(features.labelMask))
        if features.supplier >= 0 { result.append(.supplier(features.supplier)) }
        result.append(.varianceAndBand(features.varianceType, features.amountBand))
        return result
    }
}
