import Finance

/// An order of magnitude of the amount at stake, in major units of the tenant's currency.
///
/// Bands rather than amounts feed the model: root causes depend on "small or large", and a
/// categorical feature keeps per-recommendation work constant. Raw values are stable codes.
public enum AmountBand: String, Sendable, CaseIterable, Comparable {
    case under100 = "lt_100"
    case under1k = "100_1k"
    case under10k = "1k_10k"
    case under100k = "10k_100k"
    case atLeast100k = "ge_100k"

    /// The band of `amount`'s magnitude.
    public init(_ amount: Money) {
        let major = amount.minorUnits.magnitude / UInt64(amount.currency.minorPerMajor)
        self =
            switch major {
            case ..<100: .under100
            case ..<1_000: .under1k
            case ..<10_000: .under10k
            case ..<100_000: .under100k
            default: .atLeast100k
            }
    }

    /// 0 for the smallest band; neighbours differ by one.
    public var ordinal: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: AmountBand, rhs: AmountBand) -> Bool { lhs.ordinal < rhs.ordinal }
}
