import Platform

/// Why a claim could not be assessed: the claim or the policy is malformed.
public struct ClaimError: Error, CodedError, Equatable, CustomDebugStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// A claim with no lines, or freight prorated over fewer units than were damaged.
        case invalidClaim = "invalid_claim"
        /// A negative damaged quantity or unit cost.
        case invalidLine = "invalid_line"
        /// The freight charge is in another currency than the goods.
        case currencyMismatch = "currency_mismatch"
        /// Negative days or evidence counts, or a time bar before the filing deadline.
        case invalidPolicy = "invalid_policy"
        /// The claim does not fit in 64-bit minor units.
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

    public static func == (lhs: ClaimError, rhs: ClaimError) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message && lhs.field == rhs.field
    }

    /// Runs money arithmetic and reports its failures as this area's error, keeping the code.
    static func checking<T>(field: String? = nil, _ body: () throws(MoneyError) -> T) throws(ClaimError) -> T {
        do {
            return try body()
        } catch {
            let kind: Kind =
                error.kind == .currencyMismatch
                ? .currencyMismatch : error.kind == .overflow ? .overflow : .invalidClaim
            throw ClaimError(kind, error.message, field: field)
        }
    }
}
