import Platform

/// Errors of control-plane operations, each with a stable code and status.
public struct ControlPlaneError: Error, CodedError, Equatable {
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

    public static func partnerNotFound(_ slug: String) -> ControlPlaneError {
        ControlPlaneError(code: "partner_not_found", message: "no partner '\(slug)'", httpStatus: 404, field: "partner")
    }
    public static func tenantNotFound(_ slug: String) -> ControlPlaneError {
        ControlPlaneError(code: "tenant_not_found", message: "no tenant '\(slug)'", httpStatus: 404, field: "slug")
    }
    public static func conflict(_ code: String, _ message: String, field: String? = nil) -> ControlPlaneError {
        ControlPlaneError(code: code, message: message, httpStatus: 409, field: field)
    }
    public static func invalid(_ code: String, _ message: String, field: String? = nil) -> ControlPlaneError {
        ControlPlaneError(code: code, message: message, httpStatus: 422, field: field)
    }
}
