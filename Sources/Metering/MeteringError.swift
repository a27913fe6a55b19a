import Platform

/// Why a metering or billing operation against storage could not be done.
///
/// Errors of the pure computation keep their own type (`Billing.BillingError`,
/// 422 with the path of the input at fault); this type covers what only
/// storage can say: something is missing, already issued, or tampered with.
public struct MeteringError: Error, CodedError, Equatable {
    public let code: String
    public let message: String
    public let httpStatus: Int
    public let field: String?

    public init(code: String, message: String, httpStatus: Int, field: String? = nil) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.field = field
    }

    static func notFound(_ code: String, _ message: String, field: String? = nil) -> MeteringError {
        MeteringError(code: code, message: message, httpStatus: 404, field: field)
    }

    static func conflict(_ code: String, _ message: String, field: String? = nil) -> MeteringError {
        MeteringError(code: code, message: message, httpStatus: 409, field: field)
    }

    static func invalid(_ code: String, _ message: String, field: String? = nil) -> MeteringError {
        MeteringError(code: code, message: message, httpStatus: 422, field: field)
    }

    /// A stored statement whose content no longer matches the hash taken when it was issued.
    static func tampered(_ number: String) -> MeteringError {
        MeteringError(
            code: "statement_tampered", message: "stored statement \(number) does not match its issue-time hash",
            httpStatus: 500)
    }
}
