import Foundation

/// A person who signs in to the portal or acts through a personal token,
/// belonging to the provider, one partner or one tenant (`control.users`).
public struct UserAccount: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case active
        /// Cannot sign in; sessions are revoked and personal tokens refused.
        case disabled
    }

    public let id: UUID
    public let organization: Principal.Organization
    /// Lower-case.
    public let email: String
    public let displayName: String
    public let roles: [UserRole]
    public let approvalLimit: ApprovalLimit?
    public let status: Status
    public let createdAt: Date
}

/// The largest amount a user may approve, in integer minor units of a currency.
public struct ApprovalLimit: Sendable, Equatable {
    public let minorUnits: Int64
    /// ISO 4217, upper-case.
    public let currency: String

    /// Parses a decimal amount such as `"2500.00"` in `currency`.
    ///
    /// - Throws: `invalid_currency` or `invalid_amount` (422, field
    ///   `approval_limit.currency` / `approval_limit.amount`).
    public init(amount: String, currency: String) throws(ControlPlaneError) {
        guard currency.utf8.count == 3, currency.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
            throw .invalid(
                "invalid_currency", "currency is an ISO 4217 code such as EUR", field: "approval_limit.currency")
        }
        let minor: Int
        do {
            minor = try MinorUnits.parse(amount, currency: currency)
        } catch let error as ControlPlaneError {
            throw ControlPlaneError(
                code: error.code, message: error.message, httpStatus: error.httpStatus, field: "approval_limit.amount")
        } catch {
            throw .invalid("invalid_amount", "amount is not a decimal", field: "approval_limit.amount")
        }
        self.init(minorUnits: Int64(minor), currency: currency)
    }

    init(minorUnits: Int64, currency: String) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// The amount as a decimal string with the currency's number of decimals (`"2500.00"`, `"300"` for JPY).
    public var amount: String {
        let exponent = MinorUnits.exponent(of: currency)
        let digits = String(minorUnits)
        guard exponent > 0 else { return digits }
        let padded = String(repeating: "0", count: max(0, exponent + 1 - digits.count)) + digits
        return "\(padded.dropLast(exponent)).\(padded.suffix(exponent))"
    }

    public var description: String { "\(amount) \(currency)" }
}
