import Synchronization

/// The series of one family, keyed by label values, with a cap on how many
/// distinct combinations it will hold.
///
/// Looking a series up takes the lock; that is why callers cache the handle
/// `labels(...)` returns, and why the hot path (the handle's atomics) never
/// comes here. Once `maximumSeries` combinations exist, a new combination is
/// answered with the overflow series, whose every label value is `other`, so
/// that an unbounded label (a tenant id, a path with ids in it) cannot grow
/// the scrape and the process's memory without bound. The overflow series is
/// the one extra series above the cap.
final class SeriesTable<Cell: AnyObject & Sendable>: Sendable {
    struct Lookup {
        let cell: Cell
        /// True when the values asked for were folded into the overflow series.
        let folded: Bool
    }

    /// The label value every label of the overflow series carries.
    static var overflowValue: String { "other" }

    let maximumSeries: Int
    private let overflowKey: [String]
    private let makeCell: @Sendable () -> Cell
    private let cells = Mutex<[[String]: Cell]>([:])

    init(labelCount: Int, maximumSeries: Int, makeCell: @escaping @Sendable () -> Cell) {
        // An unlabelled family's one series must always fit.
        self.maximumSeries = max(1, maximumSeries)
        self.overflowKey = Array(repeating: Self.overflowValue, count: labelCount)
        self.makeCell = makeCell
    }

    func lookup(_ values: [String]) -> Lookup {
        cells.withLock { cells in
            if let cell = cells[values] { return Lookup(cell: cell, folded: false) }
            if cells.count < maximumSeries {
                let cell = makeCell()
                cells[values] = cell
                return Lookup(cell: cell, folded: false)
            }
            if let overflow = cells[overflowKey] { return Lookup(cell: overflow, folded: true) }
            let overflow = makeCell()
            cells[overflowKey] = overflow
            return Lookup(cell: overflow, folded: true)
        }
    }

    /// Every series, ordered by label values so that scrapes list them in a
    /// stable order. Only the references are copied under the lock.
    func snapshot() -> [(labelValues: [String], cell: Cell)] {
        let entries = cells.withLock { cells in cells.map { (labelValues: $0.key, cell: $0.value) } }
        return entries.sorted { $0.labelValues.lexicographicallyPrecedes($1.labelValues) }
    }
}
