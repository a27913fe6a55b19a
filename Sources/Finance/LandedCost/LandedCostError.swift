import Platform

/// Why landed cost could not be allocated: the input, not the arithmetic, is at fault.
public struct LandedCostError: Error, CodedError, Equatable, CustomDebugStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// There are no receipt lines to spread charges over.
        case noLines = "no_lines"
        /// A charge is in another currency than the goods; converting is not this module's call.
        case currencyMismatch = "currency_mismatch"
        /// Every applicable line measures zero on the charge's basis (say, no weights at all).
        case zeroBasis = "zero_basis"
        /// Some applicable lines lack the weight or volume the basis needs, and the policy refuses to guess.
        case missingMeasure = "missing_measure"
        /// A negative quantity, unit cost, weight or volume, or a repeated line reference.
        case invalidLine = "invalid_line"
        /// A charge names a line reference that is not among the lines.
        case unknownLine = "unknown_line"
        /// The policy itself is unusable (a rounding scale out of range).
        case invalidPolicy = "invalid_policy"
        /// A total does not fit in 64-bit minor units.
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

    public static func == (lhs: LandedCostError, rhs: LandedCostError) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message && lhs.field == rhs.field
    }

    /// Runs money arithmetic and reports its failures as this area's error, keeping the code.
    static func checking<T>(field: String? = nil, _ body: () throws(MoneyError) -> T) throws(LandedCostError) -> T {
        do {
            return try body()
        } catch {
            let kind: Kind =
                error.kind == .currencyMismatch ? .currencyMismatch : error.kind == .overflow ? .overflow : .invalidLine
            throw LandedCostError(kind, error.message, field: field)
        }
    }
}
