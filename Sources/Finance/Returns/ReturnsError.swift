import Platform

/// Why a return could not be evaluated at all: the receipt, the RMA or the policy is malformed.
public struct ReturnsError: Error, CodedError, Equatable, CustomDebugStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// A negative quantity or unit price, or a negative quantity already received.
        case invalidLine = "invalid_line"
        /// A negative return window, or a restocking fee outside 0 to 100 %.
        case invalidPolicy = "invalid_policy"
        /// A credit does not fit in 64-bit minor units.
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

    public static func == (lhs: ReturnsError, rhs: ReturnsError) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message && lhs.field == rhs.field
    }

    /// Runs money arithmetic and reports its failures as this area's error, keeping the code.
    static func checking<T>(field: String? = nil, _ body: () throws(MoneyError) -> T) throws(ReturnsError) -> T {
        do {
            return try body()
        } catch {
            // Every amount is in the RMA's currency, so only overflow can come from the arithmetic.
            let kind: Kind = error.kind == .overflow ? .overflow : .invalidLine
            throw ReturnsError(kind, error.message, field: field)
        }
    }
}
