import Platform

/// Why a credit hold release could not be evaluated: the account figures or the policy are malformed.
public struct CreditHoldError: Error, CodedError, Equatable, CustomDebugStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// A credit limit, overdue, disputed, order or payment amount is negative.
        case invalidAmount = "invalid_amount"
        /// The account's amounts, the request's or the policy's are not all in one currency.
        case currencyMismatch = "currency_mismatch"
        /// A negative tolerance.
        case invalidPolicy = "invalid_policy"
        /// An exposure does not fit in 64-bit minor units.
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

    public static func == (lhs: CreditHoldError, rhs: CreditHoldError) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message && lhs.field == rhs.field
    }

    /// Runs money arithmetic and reports its failures as this area's error, keeping the code.
    static func checking<T>(field: String? = nil, _ body: () throws(MoneyError) -> T) throws(CreditHoldError) -> T {
        do {
            return try body()
        } catch {
            let kind: Kind =
                error.kind == .currencyMismatch
                ? .currencyMismatch : error.kind == .overflow ? .overflow : .invalidAmount
            throw CreditHoldError(kind, error.message, field: field)
        }
    }
}
