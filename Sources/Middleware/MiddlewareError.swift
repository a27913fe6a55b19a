import Platform

/// Why a middleware request was refused: an unknown mapping, a bad reference
/// table name or entry, a CSV upload with a broken row, an X12 interchange
/// whose control number was reused for different content.
public struct MiddlewareError: CodedError, Equatable {
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

    static func mappingNotFound(_ slug: String, version: String?) -> MiddlewareError {
        MiddlewareError(
            code: "mapping_not_found",
            message: "no mapping \"\(slug)\"" + (version.map { " version \($0)" } ?? "") + " is published",
            httpStatus: 404, field: "mapping")
    }

    static func invalidSource(_ source: String) -> MiddlewareError {
        MiddlewareError(
            code: "invalid_source", message: "a webhook source is a lowercase letter then up to 62 of a-z 0-9 _ -",
            httpStatus: 422, field: "source")
    }

    static func invalidTable(_ name: String) -> MiddlewareError {
        MiddlewareError(
            code: "invalid_reference_table",
            message: "a reference table name is a lowercase letter then up to 62 of a-z 0-9 _", httpStatus: 422,
            field: "table")
    }

    static func invalidKey() -> MiddlewareError {
        MiddlewareError(
            code: "invalid_reference_key", message: "a reference key is 1 to 200 characters", httpStatus: 422,
            field: "key")
    }

    static func entryNotFound(table: String, key: String) -> MiddlewareError {
        MiddlewareError(
            code: "reference_entry_not_found", message: "reference table \(table) has no entry for this key",
            httpStatus: 404, field: "key")
    }
}
