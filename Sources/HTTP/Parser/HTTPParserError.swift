import Platform

/// Why the request parser refused a request, and the status it is answered with.
///
/// Every parser error ends the connection after the error response: once
/// framing is in doubt, nothing that follows on the connection can be trusted
/// (RFC 9112 §11.2).
public struct HTTPParserError: Error, CodedError, Equatable, Sendable {
    /// The rule that was broken; stable, so tests and logs can name it.
    public enum Kind: String, Sendable, CaseIterable {
        case invalidRequestLine = "invalid_request_line"
        case invalidMethod = "invalid_method"
        case invalidTarget = "invalid_target"
        case invalidVersion = "invalid_version"
        case unsupportedVersion = "unsupported_version"
        case requestLineTooLong = "request_line_too_long"
        case headerSectionTooLarge = "header_section_too_large"
        case tooManyHeaderFields = "too_many_header_fields"
        case invalidHeaderName = "invalid_header_name"
        case whitespaceBeforeColon = "whitespace_before_colon"
        case invalidHeaderValue = "invalid_header_value"
        case obsoleteLineFolding = "obsolete_line_folding"
        case bareCarriageReturn = "bare_carriage_return"
        case bareLineFeed = "bare_line_feed"
        case missingHost = "missing_host"
        case multipleHost = "multiple_host"
        case invalidHost = "invalid_host"
        case contentLengthWithTransferEncoding = "content_length_with_transfer_encoding"
        case invalidContentLength = "invalid_content_length"
        case conflictingContentLength = "conflicting_content_length"
        case unsupportedTransferCoding = "unsupported_transfer_coding"
        case chunkedNotFinal = "chunked_not_final"
        case transferEncodingInHTTP10 = "transfer_encoding_in_http_1_0"
        case invalidChunkSize = "invalid_chunk_size"
        case invalidChunkExtension = "invalid_chunk_extension"
        case chunkLineTooLong = "chunk_line_too_long"
        case invalidChunkTerminator = "invalid_chunk_terminator"
        case contentTooLarge = "content_too_large"
        case expectationFailed = "expectation_failed"
        case invalidPercentEncoding = "invalid_percent_encoding"
    }

    public let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    /// The status the server answers with before closing the connection.
    public var status: HTTPStatus {
        switch kind {
        case .unsupportedVersion: .httpVersionNotSupported
        case .requestLineTooLong: .uriTooLong
        case .headerSectionTooLarge, .tooManyHeaderFields: .requestHeaderFieldsTooLarge
        case .contentTooLarge: .contentTooLarge
        case .expectationFailed: .expectationFailed
        default: .badRequest
        }
    }

    public var code: String { kind.rawValue }
    public var httpStatus: Int { status.code }

    public var message: String {
        switch kind {
        case .invalidRequestLine: "The request line is malformed."
        case .invalidMethod: "The request method is not a valid token."
        case .invalidTarget: "The request target is malformed."
        case .invalidVersion: "The HTTP version is malformed."
        case .unsupportedVersion: "Only HTTP/1.0 and HTTP/1.1 are supported."
        case .requestLineTooLong: "The request line is too long."
        case .headerSectionTooLarge: "The header section is too large."
        case .tooManyHeaderFields: "The request has too many header fields."
        case .invalidHeaderName: "A header field name is not a valid token."
        case .whitespaceBeforeColon: "A header field name is followed by whitespace before the colon."
        case .invalidHeaderValue: "A header field value contains a control character."
        case .obsoleteLineFolding: "Obsolete line folding is not accepted."
        case .bareCarriageReturn: "A carriage return is not followed by a line feed."
        case .bareLineFeed: "Lines must end with CRLF."
        case .missingHost: "An HTTP/1.1 request must have a Host header field."
        case .multipleHost: "The request has more than one Host header field."
        case .invalidHost: "The Host header field is malformed."
        case .contentLengthWithTransferEncoding: "A request must not have both Content-Length and Transfer-Encoding."
        case .invalidContentLength: "Content-Length is not a valid length."
        case .conflictingContentLength: "Content-Length values disagree."
        case .unsupportedTransferCoding: "Only the chunked transfer coding is supported."
        case .chunkedNotFinal: "The chunked transfer coding must be applied last, once."
        case .transferEncodingInHTTP10: "HTTP/1.0 requests must not use Transfer-Encoding."
        case .invalidChunkSize: "A chunk size is malformed."
        case .invalidChunkExtension: "A chunk extension is malformed."
        case .chunkLineTooLong: "A chunk header line is too long."
        case .invalidChunkTerminator: "Chunk data is not followed by CRLF."
        case .contentTooLarge: "The request body is too large."
        case .expectationFailed: "Only the 100-continue expectation is supported."
        case .invalidPercentEncoding: "The request target has an invalid percent-encoding."
        }
    }
}
