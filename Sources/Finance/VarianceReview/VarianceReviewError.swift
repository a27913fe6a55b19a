import Platform

/// Why a cycle count could not be assessed: the count or the policy is unusable.
public struct VarianceReviewError: Error, CodedError, Equatable, CustomDebugStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// A counted quantity is negative, or a unit cost is.
        case invalidLine = "invalid_line"
        /// A threshold is negative, the escalation tier is below the review tier, or the repeat rule is empty.
        case invalidPolicy = "invalid_policy"
        /// The policy's value thresholds are in another currency than the count's unit costs.
        case currencyMismatch = "currency_mismatch"
        /// A variance value does not fit in 64-bit minor units.
        case overflow = "amount_overflow"
    }

    public let kind: Kind
    public let message: String
    public let field: String?
    public let site: ThrowSite

    public init(_ kind: Kind, _ message: String, field: String? = nil, file: String = #fileID, line: UInt = #line) {
        self.kind = kind
        self.message = message
        self.field = field
        self.site = ThrowSite(file: file, line: line)
    }

    public var code: String { kind.rawValue }
    public var httpStatus: Int { 422 }
    public var debugDescription: String { "\(code): \(message)" + (field.map { " (\($0))" } ?? "") + " [at \(site)]" }

    public static func == (lhs: VarianceReviewError, rhs: VarianceReviewError) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message && lhs.field == rhs.field
    }

    /// Runs money arithmetic and reports its failures as this area's error, keeping the code.
    static func checking<T>(field: String? = nil, _ body: () throws(MoneyError) -> T) throws(VarianceReviewError) -> T {
        do {
            return try body()
        } catch {
            let kind: Kind =
                error.kind == .currencyMismatch ? .currencyMismatch : error.kind == .overflow ? .overflow : .invalidLine
            throw VarianceReviewError(kind, error.message, field: field)
        }
    }
}
