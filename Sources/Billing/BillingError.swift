import Finance
import Platform

/// Why a plan, a price book, usage or a statement could not be read or computed.
///
/// `field` is a path into the input the caller sent (`overage.events_accepted[1].up_to`,
/// `usage[12].count`, `tenants[0].lifecycle[2]`) so an operator can find the fault.
public struct BillingError: Error, CodedError, Equatable, CustomDebugStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// The plan document is not JSON, or a field has the wrong JSON type or is missing.
        case invalidPlanJSON = "invalid_plan_json"
        /// A plan field breaks a rule: empty name, malformed code, included quantity without a price.
        case invalidPlan = "invalid_plan"
        /// Not an ISO 4217 code in use.
        case unknownCurrency = "unknown_currency"
        /// Not one of the metered quantities.
        case unknownMeter = "unknown_meter"
        /// A fee or unit price that is negative, malformed or more precise than allowed.
        case invalidPrice = "invalid_price"
        /// Tier bounds that are not strictly ascending, or a last tier with a bound.
        case invalidTiers = "invalid_tiers"
        /// A negative count, or the same tenant, day and meter twice.
        case invalidUsage = "invalid_usage"
        /// Lifecycle events out of order or impossible (resumed while active, anything after deletion).
        case invalidLifecycle = "invalid_lifecycle"
        /// An assignment to an unknown plan, or two assignments for one tenant on one day.
        case invalidAssignment = "invalid_assignment"
        /// A tenant was billable, or used something, on a day no plan was assigned to it.
        case unassignedTenant = "unassigned_tenant"
        /// Two amounts or plans in different currencies were combined.
        case currencyMismatch = "currency_mismatch"
        /// Not a `YYYY-MM` month.
        case invalidMonth = "invalid_month"
        /// A seller, buyer or tenant list that does not fit together.
        case invalidParty = "invalid_party"
        /// A correction whose documents do not belong together.
        case invalidCorrection = "invalid_correction"
        /// A stored statement that is malformed or whose totals are not the sum of its lines.
        case invalidStatement = "invalid_statement"
        /// An amount or quantity does not fit in 64 bits.
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

    public static func == (lhs: BillingError, rhs: BillingError) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message && lhs.field == rhs.field
    }

    /// Runs money arithmetic and reports its failures as this module's error, keeping the meaning.
    static func checking<T>(field: String? = nil, _ body: () throws(MoneyError) -> T) throws(BillingError) -> T {
        do {
            return try body()
        } catch {
            let kind: Kind =
                switch error.kind {
                case .currencyMismatch: .currencyMismatch
                case .invalidCurrency: .unknownCurrency
                case .invalidAmount: .invalidPrice
                case .overflow, .invalidAllocation: .overflow
                }
            throw BillingError(kind, error.message, field: field)
        }
    }
}
