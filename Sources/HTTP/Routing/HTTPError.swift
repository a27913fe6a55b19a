import Platform

/// An error that the HTTP layer answers with a given status, code and message.
///
/// The router, JSON decoding and path-parameter helpers throw it so that the
/// one ``ErrorMiddleware`` renders every failure the same way. Other modules
/// define their own ``CodedError`` types; this one covers protocol-level
/// failures (404, 405, 415, malformed input) that belong to no domain.
public struct HTTPError: CodedError, HTTPResponseHeaderProviding, Sendable {
    public var status: HTTPStatus
    public var code: String
    public var message: String
    public var field: String?
    /// Headers the response must carry, such as `Allow` on a 405.
    public var responseHeaders: HTTPHeaders
    /// Where it was thrown; debug output only.
    public var throwSite: ThrowSite

    public init(
        _ status: HTTPStatus, code: String, message: String, field: String? = nil,
        responseHeaders: HTTPHeaders = HTTPHeaders(), file: String = #fileID, line: UInt = #line
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.responseHeaders = responseHeaders
        self.throwSite = ThrowSite(file: file, line: line)
    }

    public var httpStatus: Int { status.code }

    /// No route matches the path.
    public static func notFound(file: String = #fileID, line: UInt = #line) -> HTTPError {
        HTTPError(.notFound, code: "not_found", message: "No resource matches this path.", file: file, line: line)
    }

    /// A route matches the path but not the method; `allowed` becomes the `Allow` header.
    public static func methodNotAllowed(
        _ method: HTTPMethod, allowed: [HTTPMethod], file: String = #fileID, line: UInt = #line
    ) -> HTTPError {
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        return HTTPError(
            .methodNotAllowed, code: "method_not_allowed",
            message: "Method \(method.rawValue.prefix(32)) is not allowed here; allowed: \(allow).",
            responseHeaders: ["Allow": allow], file: file, line: line)
    }
}

/// An error that needs extra response headers (`Allow`, `Retry-After`,
/// `WWW-Authenticate`); ``ErrorMiddleware`` copies them onto the error response.
public protocol HTTPResponseHeaderProviding {
    var responseHeaders: HTTPHeaders { get }
}

extension HTTPStatus {
    /// The status for a numeric code, with its standard reason phrase.
    ///
    /// ``CodedError`` declares its status as an `Int` (Platform knows nothing
    /// of HTTP); this turns it back into a status line.
    public init(code: Int) {
        self = Self.known[code] ?? HTTPStatus(code: code, reason: code < 500 ? "Client Error" : "Server Error")
    }

    private static let known: [Int: HTTPStatus] = {
        let all: [HTTPStatus] = [
            .continue, .ok, .created, .accepted, .noContent, .movedPermanently, .found, .seeOther, .notModified,
            .badRequest, .unauthorized, .forbidden, .notFound, .methodNotAllowed, .requestTimeout, .conflict,
            .gone, .lengthRequired, .preconditionFailed, .contentTooLarge, .uriTooLong, .unsupportedMediaType,
            .expectationFailed, .unprocessableContent, .tooManyRequests, .requestHeaderFieldsTooLarge,
            .internalServerError, .notImplemented, .serviceUnavailable, .httpVersionNotSupported,
            HTTPStatus(code: 402, reason: "Payment Required"), HTTPStatus(code: 406, reason: "Not Acceptable"),
            HTTPStatus(code: 428, reason: "Precondition Required"), HTTPStatus(code: 502, reason: "Bad Gateway"),
            HTTPStatus(code: 504, reason: "Gateway Timeout"),
        ]
        return Dictionary(all.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
    }()
}
