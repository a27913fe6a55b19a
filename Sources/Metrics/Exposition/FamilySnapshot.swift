/// One family's values read at scrape time, already in exposition order: the
/// common shape registered families and collectors are rendered from.
struct FamilySnapshot: Sendable {
    struct Label: Sendable, Equatable {
        let name: String
        let value: String
    }

    struct Sample: Sendable {
        /// The full sample name, including `_bucket`, `_sum` or `_count`.
        let name: String
        let labels: [Label]
        let value: Double
    }

    let name: String
    let help: String
    /// `counter`, `gauge`, `histogram` or `untyped`.
    let type: String
    let samples: [Sample]

    static func labels(_ names: [String], _ values: [String]) -> [Label] {
        zip(names, values).map { Label(name: $0, value: $1) }
    }
}
