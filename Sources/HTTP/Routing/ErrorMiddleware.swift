import Platform
import Telemetry

/// The one place errors become HTTP responses.
///
/// A ``CodedError`` is answered with its status and
/// `{"error":{"code","message","field","request_id"}}` (plus any headers it
/// provides, such as `Allow`). Anything else is a bug or an outage: the caller
/// gets a 500 `internal_error` naming only the request id, and the error's
/// debug description goes to the log, never into the body. Coded errors of
/// 500 and above are logged too, because someone has to act on them.
public struct ErrorMiddleware: HTTPMiddleware {
    private let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        do {
            return try await next.respond(to: request)
        } catch {
            // Without RequestIDMiddleware in front there is no id yet; an error
            // body and its log line still need one to be matched up.
            var request = request
            if request.context.requestID.isEmpty { request.context.requestID = RequestIDMiddleware.generate() }
            return answer(error, for: request)
        }
    }

    private func answer(_ error: any Error, for request: HTTPRequest) -> HTTPResponse {
        switch error {
        case let error as any CodedError:
            if error.httpStatus >= 500 { log(error, code: error.code, for: request) }
            return Self.response(for: error, requestID: request.context.requestID)
        default:
            log(error, code: "internal_error", for: request)
            return Self.internalErrorResponse(requestID: request.context.requestID)
        }
    }

    private func log(_ error: any Error, code: String, for request: HTTPRequest) {
        logger.error(
            "request failed",
            metadata: [
                "code": code,
                "error": String(reflecting: error),
                "error_type": String(reflecting: type(of: error)),
                "method": request.method.rawValue,
                "path": request.path,
                "request_id": request.context.requestID,
                "trace_id": request.context.traceID,
            ])
    }

    /// The response for a coded error; also used by code that must answer
    /// an error without a middleware chain around it.
    public static func response(for error: any CodedError, requestID: String) -> HTTPResponse {
        var response = errorResponse(
            status: HTTPStatus(code: error.httpStatus), code: error.code, message: error.message, field: error.field,
            requestID: requestID)
        if let extra = error as? any HTTPResponseHeaderProviding {
            for (name, value) in extra.responseHeaders { response.headers.set(name, value) }
        }
        return response
    }

    /// The 500 for an error that is not a ``CodedError``: nothing about it but the request id.
    public static func internalErrorResponse(requestID: String) -> HTTPResponse {
        errorResponse(
            status: .internalServerError, code: "internal_error",
            message: "An internal error occurred. Quote the request id when reporting it.", field: nil,
            requestID: requestID)
    }

    /// `{"error":{"code":…,"message":…,"field":…,"request_id":…}}`, `field` null when absent.
    public static func errorResponse(
        status: HTTPStatus, code: String, message: String, field: String?, requestID: String
    ) -> HTTPResponse {
        var body: [UInt8] = []
        body.reserveCapacity(96 + message.utf8.count)
        body.append(contentsOf: #"{"error":{"code":"#.utf8)
        JSONString.append(code, to: &body)
        body.append(contentsOf: #","message":"#.utf8)
        JSONString.append(message, to: &body)
        body.append(contentsOf: #","field":"#.utf8)
        if let field { JSONString.append(field, to: &body) } else { body.append(contentsOf: "null".utf8) }
        body.append(contentsOf: #","request_id":"#.utf8)
        JSONString.append(requestID, to: &body)
        body.append(contentsOf: "}}".utf8)
        return HTTPResponse(
            status: status, headers: ["Content-Type": "application/json", "Cache-Control": "no-store"], body: body)
    }
}
